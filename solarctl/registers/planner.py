"""Block planning: merge wanted registers into the fewest read requests.

Rules: a block never exceeds `max_count` registers, never reads more than `max_gap` unwanted
registers between two wanted ones, and never touches a forbidden span. Greedy left-to-right
packing is optimal here because every rule holds for any contiguous part of a valid block.

On a byte-addressed device (see RegisterMap.byte_addressed) addresses count bytes: a block
starts on an even address and `count` is still the number of 16-bit registers to request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from solarctl.registers.codec import decode_block
from solarctl.registers.model import ByteOrder, Register, RegisterMap
from solarctl.sample import Value


@dataclass(frozen=True)
class Block:
    start: int
    count: int  # 16-bit registers to request
    registers: tuple[Register, ...]
    byte_addressed: bool = False

    @property
    def end(self) -> int:
        """First address after the block."""
        return self.start + self.count * (2 if self.byte_addressed else 1)

    def decode(self, words: Sequence[int], order: ByteOrder) -> dict[str, Value]:
        """The values of this block's registers from the registers read."""
        return decode_block(self.registers, self.start, words, order, byte_addressed=self.byte_addressed)


def _touches_forbidden(start: int, end: int, forbidden: Sequence[tuple[int, int]]) -> bool:
    return any(start <= last and end - 1 >= first for first, last in forbidden)


def plan_blocks(
    registers: Iterable[Register],
    *,
    max_gap: int = 8,
    max_count: int = 125,
    forbidden: Sequence[tuple[int, int]] = (),
    byte_addressed: bool = False,
) -> list[Block]:
    if not 1 <= max_count <= 125:
        raise ValueError("max_count must be 1..125 (the Modbus FC03 limit)")
    if max_gap < 0:
        raise ValueError("max_gap must be >= 0")
    unit = 2 if byte_addressed else 1  # addresses per 16-bit register

    def span(reg: Register) -> int:
        return reg.size if byte_addressed else reg.count

    def bounds(group: list[Register]) -> tuple[int, int]:
        """Aligned (start, end) addresses a read of `group` covers."""
        start = group[0].address - group[0].address % unit
        end = max(r.address + span(r) for r in group)
        return start, end + (end - start) % unit

    wanted = sorted(registers, key=lambda r: r.address)
    for reg in wanted:
        first, end = bounds([reg])
        if end - first > max_count * unit:
            raise ValueError(f"{reg.name} is larger than one request ({reg.count} > {max_count})")
        if _touches_forbidden(first, end, forbidden):
            raise ValueError(f"{reg.name} lies in a forbidden span")
    blocks: list[Block] = []
    group: list[Register] = []
    for reg in wanted:
        if group:
            start, end = bounds(group)
            new_start, new_end = bounds(group + [reg])
            if (
                reg.address - end <= max_gap * unit
                and new_end - new_start <= max_count * unit
                and not _touches_forbidden(new_start, new_end, forbidden)
            ):
                group.append(reg)
                continue
            blocks.append(Block(start, (end - start) // unit, tuple(group), byte_addressed))
        group = [reg]
    if group:
        start, end = bounds(group)
        blocks.append(Block(start, (end - start) // unit, tuple(group), byte_addressed))
    return blocks


def plan_map(regmap: RegisterMap, *groups: str, max_gap: int = 8) -> list[Block]:
    """Blocks that read the registers of `groups` ("fast", "slow", "once") with the map's own
    limits: its largest request, its forbidden spans and its addressing."""
    return plan_blocks(
        regmap.group(*groups),
        max_gap=max_gap,
        max_count=regmap.max_block,
        forbidden=regmap.forbidden,
        byte_addressed=regmap.byte_addressed,
    )
