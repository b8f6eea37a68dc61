"""The in-process virtual serial cable behaves like a serial adapter on the client end: bytes both ways,
termios baud changes, closing and reopening at another baud (the Pylontech wake-up), links gone on stop."""

import asyncio
import os
import termios

from solarctl.bus.serial_port import AsyncSerial
from solarctl.sim.pty import PtyBridge


async def test_bytes_both_ways_across_a_reopen_at_another_baud(tmp_path):
    bridge = PtyBridge(str(tmp_path / "ttyUSB0"))
    await bridge.start()
    client, sim = AsyncSerial(bridge.device_path, 1200), AsyncSerial(bridge.sim_path, 115200)
    try:
        client.open()
        sim.open()
        assert termios.tcgetattr(client._serial.fileno())[4] == termios.B1200
        client.write(b"~20014682C0048520FCC3\r")  # the wake-up frame, at 1200 baud
        async with asyncio.timeout(2):
            assert await sim.read_until(b"\r") == b"~20014682C0048520FCC3\r"

        client.open(115200)  # the link closes the port and opens it again at the console rate
        assert termios.tcgetattr(client._serial.fileno())[4] == termios.B115200
        sim.write(b"pwr\r\n")
        async with asyncio.timeout(2):
            assert await client.read_until(b"\r\n") == b"pwr\r\n"

        payload = bytes(range(256)) * 256  # 64 KiB, several times what a pty holds: the relay keeps up with
        reading = asyncio.create_task(sim.read_exactly(len(payload)))  # a steady writer without losing a byte

        for start in range(0, len(payload), 1024):
            client.write(payload[start:start + 1024])
            await asyncio.sleep(0.001)
        async with asyncio.timeout(5):
            assert await reading == payload
    finally:
        client.close()
        sim.close()
        await bridge.stop()
    assert not os.path.lexists(bridge.device_path) and not os.path.lexists(bridge.sim_path)


async def test_a_link_left_by_a_killed_simulator_is_replaced(tmp_path):
    stale = tmp_path / "ttyUSB0"
    os.symlink("/dev/pts/does-not-exist", stale)
    bridge = PtyBridge(str(stale))
    await bridge.start()
    try:
        assert os.path.exists(stale) and os.readlink(stale).startswith("/dev/pts/")
    finally:
        await bridge.stop()
