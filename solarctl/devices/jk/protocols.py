"""How the JK PB driver talks each of the three protocols a pack may be set to.

Every protocol offers the same four things: the live battery metrics (`live`), the values of the
slow and once groups (`extra`), and reading/writing one switch. Decoding happens inside the
link's exchange, so an undecodable answer counts as a bad frame in the pack's health.

- modbus: FC03 reads of the planned JK_PB blocks (byte-addressed), FC10 writes of the switches
  (0x1070 charge, 0x1074 discharge, 0x1078 balancer; 32-bit, both registers in one write).
- 55aa: one FC10 trigger per area - live every poll, settings on the slow cadence, device info
  once - each answered by a 300-byte frame and an ACK; switches are written with FC10 as above and
  read back from the settings frame.
- 4e57: one read-all answers everything (the groups do not matter); the charge and discharge
  switches are single-code writes (0xAB, 0xAC), read back with a single-code read. The unit is
  the 4-byte terminal id (0 = whichever BMS is on the line, as the old jkbms_ctrl.py sent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from solarctl.bus.errors import BadFrame
from solarctl.bus.health import Health
from solarctl.bus.serial_link import ModbusRtuLink
from solarctl.bus.serial_port import PortBytes
from solarctl.devices.jk import proto4e57, wire
from solarctl.devices.jk.battery import pb_values
from solarctl.devices.jk.pb_bus import FrameType
from solarctl.devices.jk.registers import JK_PB
from solarctl.modbus.pdu import read_request, write_multiple_request
from solarctl.registers import Register, decode, encode, plan_map
from solarctl.sample import Value

ORDER = JK_PB.byte_order


@dataclass(frozen=True)
class Pack:
    """What a protocol needs of the pack it talks to: its address, how long to wait, where to count."""
    unit: int
    timeout: float
    health: Health


class ModbusProtocol:
    settings: tuple[Register, ...] = tuple(JK_PB.settings())

    def __init__(self, pack: Pack) -> None:
        self.pack = pack

    async def live(self, link: ModbusRtuLink) -> dict[str, Value]:
        return pb_values(await self._blocks(link, "fast"))

    async def extra(self, link: ModbusRtuLink, groups: frozenset[str]) -> dict[str, Value]:
        wanted = sorted(groups & {"slow", "once"})
        return await self._blocks(link, *wanted) if wanted else {}

    async def _blocks(self, link: ModbusRtuLink, *groups: str) -> dict[str, Value]:
        values: dict[str, Value] = {}
        for block in plan_map(JK_PB, *groups):
            values.update(block.decode(await self._transact(link, read_request(block.start, block.count)), ORDER))
        return values

    async def _transact(self, link: ModbusRtuLink, pdu: bytes) -> list[int]:
        p = self.pack
        return await link.transact(p.unit, pdu, timeout=p.timeout, health=p.health)

    async def read_setting(self, link: ModbusRtuLink, reg: Register) -> Value:
        return decode(reg, await self._transact(link, read_request(reg.address, reg.count)), ORDER)

    async def write_setting(self, link: ModbusRtuLink, reg: Register, value: Value) -> None:
        await self._transact(link, write_multiple_request(reg.address, encode(reg, value, ORDER)))

    async def serial_number(self, link: ModbusRtuLink) -> str | None:
        return str(await ModbusProtocol.read_setting(self, link, JK_PB["serial_number"]))


class PbBusProtocol(ModbusProtocol):
    async def _frame(self, link: ModbusRtuLink, kind: FrameType) -> dict[str, Value]:
        p = self.pack

        async def job(port: PortBytes) -> dict[str, Value]:
            reply = await wire.pb_bus_exchange(port, p.unit, kind, p.timeout)
            return reply.metrics()

        return await link.exchange_on_port(job, what=f"JK PB unit {p.unit} ({kind.name.lower()} frame)",
                                           timeout=p.timeout, health=p.health)

    async def live(self, link: ModbusRtuLink) -> dict[str, Value]:
        return await self._frame(link, FrameType.LIVE)

    async def extra(self, link: ModbusRtuLink, groups: frozenset[str]) -> dict[str, Value]:
        values: dict[str, Value] = {}
        for group, kind in (("slow", FrameType.SETTINGS), ("once", FrameType.INFO)):
            if group in groups:
                values.update(await self._frame(link, kind))
        return values

    async def read_setting(self, link: ModbusRtuLink, reg: Register) -> Value:
        return (await self._frame(link, FrameType.SETTINGS))[reg.name]

    async def serial_number(self, link: ModbusRtuLink) -> str | None:
        return str((await self._frame(link, FrameType.INFO)).get("serial_number") or "")


class NwProtocol:
    settings: tuple[Register, ...] = (proto4e57.FIELDS[proto4e57.CHARGE_SWITCH],
                                      proto4e57.FIELDS[proto4e57.DISCHARGE_SWITCH])

    def __init__(self, pack: Pack) -> None:
        self.pack = pack

    async def _ask(self, link: ModbusRtuLink, request: bytes) -> dict[str, Value]:
        """The answer's fields (decode_fields names)."""
        p = self.pack

        async def job(port: PortBytes) -> dict[str, Value]:
            frame = await wire.nw_exchange(port, request, p.timeout)
            return proto4e57.decode_fields(frame.info)

        return await link.exchange_on_port(job, what=f"JK terminal {p.unit}", timeout=p.timeout, health=p.health)

    async def live(self, link: ModbusRtuLink) -> dict[str, Value]:
        return proto4e57.battery_values(await self._ask(link, proto4e57.read_all_request(self.pack.unit)))

    async def extra(self, link: ModbusRtuLink, groups: frozenset[str]) -> dict[str, Value]:
        return {}  # the read-all answer carries the settings and the device info too

    async def read_setting(self, link: ModbusRtuLink, reg: Register) -> Value:
        fields = await self._ask(link, proto4e57.read_request(reg.address, self.pack.unit))
        if reg.name not in fields:
            raise BadFrame(f"JK terminal {self.pack.unit}: the answer to a read of code {reg.address:#04x} does not hold it")
        return fields[reg.name]

    async def write_setting(self, link: ModbusRtuLink, reg: Register, value: Value) -> None:
        await self._ask(link, proto4e57.write_request(reg.address, value, self.pack.unit))

    async def serial_number(self, link: ModbusRtuLink) -> str | None:
        return None  # the 4E57 answers this driver reads carry no serial number


class JkProtocol(Protocol):
    """What the driver asks of each protocol (`config.protocol` names one)."""
    settings: tuple[Register, ...]

    async def live(self, link: ModbusRtuLink) -> dict[str, Value]: ...
    async def extra(self, link: ModbusRtuLink, groups: frozenset[str]) -> dict[str, Value]: ...
    async def read_setting(self, link: ModbusRtuLink, reg: Register) -> Value: ...
    async def write_setting(self, link: ModbusRtuLink, reg: Register, value: Value) -> None: ...
    async def serial_number(self, link: ModbusRtuLink) -> str | None: ...


PROTOCOLS: dict[str, Callable[[Pack], JkProtocol]] = {"modbus": ModbusProtocol, "55aa": PbBusProtocol,
                                                      "4e57": NwProtocol}
