"""Modbus RTU over a real pty pair (socat): several slaves on one line, echo, noise, CRC, unplugging."""

import asyncio
import time

import pytest

from solarctl.bus.errors import BadFrame, LinkDown, RequestTimeout
from solarctl.bus.health import Health
from solarctl.bus.serial_link import ModbusRtuLink, wire_time
from solarctl.clock import SystemClock
from solarctl.modbus.pdu import read_request, write_single_request
from solarctl.modbus.rtu import encode_frame
from solarctl.sim.rtu_server import ModbusUnit, RtuServer


class Memory:
    """A slave whose registers are a plain list (the unit number is in register 0)."""

    def __init__(self, unit: int) -> None:
        self.words = [unit] + [unit * 100 + i for i in range(1, 64)]

    def read(self, address, count):
        return self.words[address: address + count]

    def write(self, address, values):
        self.words[address: address + len(values)] = values


@pytest.fixture
async def bus(pty_pair):
    server = RtuServer(pty_pair.b, 19200, {u: ModbusUnit(Memory(u)) for u in (1, 2, 3)})
    await server.start()
    link = ModbusRtuLink("rs485", pty_pair.a, 19200, SystemClock())
    yield server, link
    await link.close()
    await server.stop()


async def test_three_slaves_one_line_and_a_silent_address(bus):
    server, link = bus
    for unit in (1, 2, 3):
        assert await link.transact(unit, read_request(0, 3), timeout=0.5) == [unit, unit * 100 + 1, unit * 100 + 2]
    health = Health()
    started = time.monotonic()
    with pytest.raises(RequestTimeout):
        await link.transact(9, read_request(0, 1), timeout=0.2, health=health)  # nobody has address 9
    assert time.monotonic() - started < 0.5 and health.timeouts == 1
    assert await link.transact(2, write_single_request(5, 4242), timeout=0.5) == [4242]
    assert await link.transact(2, read_request(5, 1), timeout=0.5) == [4242]


async def test_wire_time_is_modelled(bus):
    server, link = bus
    started = time.monotonic()
    await link.transact(1, read_request(0, 60), timeout=1)
    expected = wire_time(8, 19200) + wire_time(5 + 120, 19200)  # request + answer at 19200 baud
    assert time.monotonic() - started >= expected


async def test_echo_and_noise_are_dropped(bus):
    server, link = bus
    server.faults.echo = True
    server.faults.noise = bytes([0x00, 0xFF, 0x02, 0x03, 0x55])  # includes a fake "unit 2, FC03" start
    for unit in (1, 2, 3):
        assert (await link.transact(unit, read_request(0, 2), timeout=0.5))[0] == unit


async def test_crc_error_is_a_bad_frame_not_a_value(bus):
    server, link = bus
    server.faults.corrupt_units.add(2)
    health = Health()
    with pytest.raises(BadFrame, match="CRC"):
        await link.transact(2, read_request(0, 2), timeout=0.2, health=health)
    assert health.bad_frames == 1 and health.successes == 0
    assert (await link.transact(1, read_request(0, 1), timeout=0.5)) == [1]  # the line still works


async def test_answer_from_the_wrong_address_is_rejected(pty_pair):
    class Impostor:
        def answer(self, unit, pdu):
            return encode_frame(7, bytes([3, 2, 0, 1]))  # claims to be unit 7

    server = RtuServer(pty_pair.b, 19200, {5: Impostor()})
    await server.start()
    link = ModbusRtuLink("rs485", pty_pair.a, 19200, SystemClock())
    try:
        with pytest.raises(BadFrame, match="from unit 7, asked unit 5"):
            await link.transact(5, read_request(0, 1), timeout=0.5)
    finally:
        await link.close()
        await server.stop()


async def test_inter_frame_gap_is_kept(bus):
    server, link = bus
    link.min_gap = 0.12  # JK PB needs >= 120 ms between frames
    await link.transact(1, read_request(0, 1), timeout=0.5)
    started = time.monotonic()
    for _ in range(4):
        await link.transact(1, read_request(0, 1), timeout=0.5)
    assert time.monotonic() - started >= 4 * 0.12


async def test_unplugged_adapter_is_reconnected_with_backoff(pty_pair):
    server = RtuServer(pty_pair.b, 19200, {1: ModbusUnit(Memory(1))})
    await server.start()
    link = ModbusRtuLink("rs485", pty_pair.a, 19200, SystemClock())
    link.backoff.initial = 0.2
    try:
        assert await link.transact(1, read_request(0, 1), timeout=0.5) == [1]
        await server.stop()
        pty_pair.unplug()
        with pytest.raises((LinkDown, RequestTimeout)):
            for _ in range(4):  # the loss shows as an error (or a few timeouts), never as a value
                await link.transact(1, read_request(0, 1), timeout=0.2)
        pty_pair.plug()
        server = RtuServer(pty_pair.b, 19200, {1: ModbusUnit(Memory(1))})
        await server.start()
        deadline = time.monotonic() + 10
        while True:
            try:
                assert await link.transact(1, read_request(0, 1), timeout=0.5) == [1]
                break
            except (LinkDown, RequestTimeout):
                assert time.monotonic() < deadline, "did not reconnect"
                await asyncio.sleep(0.1)
        assert link.reconnects >= 1
    finally:
        await link.close()
        await server.stop()
