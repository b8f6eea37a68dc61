"""The Modbus TCP link and Conext drivers against real servers over loopback TCP."""

import asyncio
import logging

import pytest
from pymodbus.datastore import ModbusDeviceContext, ModbusSequentialDataBlock, ModbusServerContext
from pymodbus.server import ModbusTcpServer as PymodbusServer

from solarctl.bus.errors import LinkDown, RequestTimeout
from solarctl.bus.tcp import ModbusTcpLink
from solarctl.clock import SystemClock
from solarctl.devices.conext.describe import ConextMpptConfig, ConextXwConfig
from solarctl.devices.conext.mppt import ConextMppt
from solarctl.devices.conext.xw import ConextXw
from solarctl.modbus.pdu import ModbusException, read_request
from tests.conftest import MPPT_VALUES, XW_VALUES, StaticGateway, free_port

ALL = frozenset({"fast", "slow", "once"})


def xw(port, **kw):
    return ConextXw(ConextXwConfig(name="xw", driver="conext_xw", host="127.0.0.1", port=port, **kw))


async def test_xw_reads_every_value_in_three_requests(gateway):
    link = ModbusTcpLink("gw", "127.0.0.1", gateway.port, SystemClock())
    device = xw(gateway.port)
    reading = await device.read(link, ALL)
    for name, expected in XW_VALUES.items():
        assert reading.values[name] == pytest.approx(expected) if isinstance(expected, float) else reading.values[name] == expected, name
    reads = [r for r in gateway.requests if r.function == 3]
    assert len(reads) == 4  # identity (once) + fast 2 + settings 1
    assert gateway.connections == 1
    await link.close()


async def test_msb_first_gateway_decodes_the_same():
    async with StaticGateway(byte_order=__import__("solarctl").registers.ByteOrder.MSB_FIRST) as server:
        link = ModbusTcpLink("gw", "127.0.0.1", server.port, SystemClock())
        lsb = await xw(server.port).read(link, ALL)
        msb = await xw(server.port, byte_order="msb_first").read(link, ALL)
        assert msb.values["grid_power"] == -575 and msb.values["device_name"] == "XW+ 8548 E"
        assert lsb.values["device_name"] != "XW+ 8548 E"  # the wrong setting gives visibly wrong text
        await link.close()


async def test_strict_firmware_refusing_gap_reads_falls_back_to_mapped_registers(caplog):
    async with StaticGateway(strict=True) as server:
        link = ModbusTcpLink("gw", "127.0.0.1", server.port, SystemClock())
        device = xw(server.port)
        with caplog.at_level(logging.WARNING):
            reading = await device.read(link, ALL)
        assert reading.values["grid_power"] == -575 and reading.values["battery_hysteresis"] == 2.0
        assert "illegal data address" in caplog.text and device.max_gap == 0
        await link.close()


async def test_unknown_unit_gets_gateway_exception_and_link_stays_up(gateway):
    link = ModbusTcpLink("gw", "127.0.0.1", gateway.port, SystemClock())
    with pytest.raises(ModbusException) as exc:
        await link.transact(99, read_request(0x40, 2), timeout=1)
    assert exc.value.code == 0x0B
    assert await link.transact(10, read_request(0x61, 1), timeout=1) == [5001]
    assert link.is_open and not link.down
    await link.close()


async def test_slow_answers_time_out_and_late_answers_are_discarded(gateway):
    link = ModbusTcpLink("gw", "127.0.0.1", gateway.port, SystemClock())
    gateway.faults.delay_s = 0.3
    with pytest.raises(RequestTimeout):
        await link.transact(10, read_request(0x40, 1), timeout=0.1)
    gateway.faults.delay_s = 0.0
    await asyncio.sleep(0.4)  # the late answer to the first request arrives now
    assert await link.transact(10, read_request(0x61, 1), timeout=1) == [5001]
    await link.close()


async def test_dropped_connection_backs_off_then_reconnects(gateway):
    link = ModbusTcpLink("gw", "127.0.0.1", gateway.port, SystemClock())
    link.backoff.initial = 0.2
    assert await link.transact(10, read_request(0x61, 1), timeout=1) == [5001]
    gateway.drop_connections()
    await asyncio.sleep(0.05)
    with pytest.raises(LinkDown):
        await link.transact(10, read_request(0x61, 1), timeout=1)
    with pytest.raises(LinkDown, match="next attempt"):  # no hammering while backing off
        await link.transact(10, read_request(0x61, 1), timeout=1)
    await asyncio.sleep(0.3)
    assert await link.transact(10, read_request(0x61, 1), timeout=1) == [5001]
    assert link.reconnects == 1 and link.backoff.failures == 0  # backoff resets on success
    await link.close()


async def test_our_client_against_an_independent_server():
    """pymodbus as the server: our framing and decoding must agree with it, not just with our simulator."""
    # Raw words laid out per the MPPT map with LSB-first word order, written by hand.
    words = [0] * 0x80
    words[0x40] = 3  # Operating
    words[0x49] = 769  # Bulk
    words[0x4C:0x4E] = [112500 & 0xFFFF, 112500 >> 16]  # 112.5 V
    words[0x58:0x5A] = [(-2000) & 0xFFFF, 0xFFFF]  # -2.000 V as sint32
    words[0x6A:0x6C] = [4321, 0]
    block = ModbusSequentialDataBlock(1, words)  # pymodbus 3.16 blocks are 1-based: 1 = protocol address 0
    context = ModbusServerContext(devices={30: ModbusDeviceContext(hr=block)}, single=False)
    port = free_port()
    server = PymodbusServer(context, address=("127.0.0.1", port))
    task = asyncio.create_task(server.serve_forever())
    try:
        for _ in range(50):
            await asyncio.sleep(0.05)
            try:
                link = ModbusTcpLink("pymodbus", "127.0.0.1", port, SystemClock())
                device = ConextMppt(ConextMpptConfig(name="west", driver="conext_mppt", host="127.0.0.1", port=port, unit=30))
                values = (await device.read(link, frozenset({"fast"}))).values
                break
            except LinkDown:
                continue
        assert values["mppt_status"] == "Operating" and values["mppt_charger_status"] == "Bulk"
        assert values["dc_input_voltage"] == 112.5
        assert values["dc_output_voltage"] == -2.0
        assert values["energy_pv_day"] == 4.321
        await link.close()
    finally:
        await server.shutdown()
        task.cancel()


async def test_a_cancel_that_meets_the_answer_is_not_swallowed(gateway):
    """Stopping the daemon cancels its pollers. If the answer lands in the same loop turn as the cancel, the
    poll must still stop: Python 3.11's asyncio.wait_for returned the answer instead (the daemon kept polling
    and `solarctl run` never exited); the link uses asyncio.timeout, which does not."""
    link = ModbusTcpLink("gw", "127.0.0.1", gateway.port, SystemClock())
    answer = asyncio.get_running_loop().create_future()
    waiting = asyncio.Event()

    async def job():
        waiting.set()
        return await answer

    poll = asyncio.create_task(link.exchange(job, what="unit 10", timeout=1.0))
    await waiting.wait()
    answer.set_result([1, 2, 3])  # the answer arrives ...
    poll.cancel()  # ... in the same turn as the stop
    with pytest.raises(asyncio.CancelledError):
        await poll
    await link.close()
