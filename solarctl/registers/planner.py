"""Block planning: merge wanted registers into the fewest read requests.

Rules: a block never exceeds `max_count` registers, never reads more than `max_gap` unwanted
registers between two wanted ones, and never touches a forbidden span. Greedy left-to-right
packing is optimal here because every rule holds for any contiguous part of a valid block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from solarctl.registers.model import Register


@dataclass(frozen=True)
class Block:
    start: int
    count: int
    registers: tuple[Register, ...]

    @property
    def end(self) -> int:
        return self.start + self.count


def _touches_forbidden(start: int, end: int, forbidden: Sequence[tuple[int, int]]) -> bool:
    return any(start <= last and end - 1 >= first for first, last in forbidden)


def plan_blocks(
    registers: Iterable[Register],
    *,
    max_gap: int = 8,
    max_count: int = 125,
    forbidden: Sequence[tuple[int, int]] = (),
) -> list[Block]:
    if not 1 <= max_count <= 125:
        raise ValueError("max_count must be 1..125 (the Modbus FC03 limit)")
    if max_gap < 0:
        raise ValueError("max_gap must be >= 0")
    wanted = sorted(registers, key=lambda r: r.address)
    for reg in wanted:
        if reg.count > max_count:
            raise ValueError(f"{reg.name} is larger than one request ({reg.count} > {max_count})")
        if _touches_forbidden(reg.address, reg.end, forbidden):
            raise ValueError(f"{reg.name} lies in a forbidden span")
    blocks: list[Block] = []
    group: list[Register] = []
    for reg in wanted:
        if group:
            start, end = group[0].address, max(r.end for r in group)
            new_end = max(end, reg.end)
            if (
                reg.address - end <= max_gap
                and new_end - start <= max_count
                and not _touches_forbidden(start, new_end, forbidden)
            ):
                group.append(reg)
                continue
            blocks.append(_block(group))
        group = [reg]
    if group:
        blocks.append(_block(group))
    return blocks


def _block(group: list[Register]) -> Block:
    start = group[0].address
    return Block(start, max(r.end for r in group) - start, tuple(group))
