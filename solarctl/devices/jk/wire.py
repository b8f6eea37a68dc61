"""The bytes of the two JK protocols that are not plain Modbus request/answer pairs.

Each function sends one request on the port and finds its answer among the incoming bytes,
skipping our own echo (half-duplex adapters hear themselves) and line noise; it checks that the
answer came from the address asked. They are jobs for SerialLink.exchange_on_port, which lends them
the port's bytes, serialises them with every other request on the bus, keeps the inter-frame gap
and counts the outcome in the device's health. A corrupt answer is remembered: if nothing good follows before the timeout, the request
fails as a bad frame rather than a timeout (the same rule as ModbusRtuLink).
"""

from __future__ import annotations

import asyncio

from solarctl.bus.errors import BadFrame
from solarctl.bus.serial_link import wire_time
from solarctl.bus.serial_port import PortBytes
from solarctl.devices.jk import pb_bus, proto4e57
from solarctl.devices.jk.errors import FrameError

ACK_LENGTH = 8
PB_ANSWER = pb_bus.MAX_ECHO + pb_bus.FRAME_LENGTH + ACK_LENGTH + 2  # echo, frame, 00, ACK, 00
NW_MAX_FRAME = 1024  # a read-all answer of 32 cells is ~400 bytes; a longer "length" is noise


async def _skip_to(port: PortBytes, marker: bytes) -> None:
    """Drop incoming bytes until `marker` starts the buffer."""
    while (start := port.peek().find(marker)) < 0:
        port.take(max(0, len(port.peek()) - len(marker) + 1))  # keep what may be the start of a marker
        await port.wait_for_bytes(len(marker))
    port.take(start)


async def pb_bus_exchange(port: PortBytes, unit: int, kind: pb_bus.FrameType, timeout: float) -> pb_bus.Reply:
    """FC10 trigger -> the 300-byte 0x55AA frame of `kind` and the ACK naming who answered."""
    request = pb_bus.trigger_request(unit, kind)
    port.discard()  # whatever came in since the last answer is noise or a late reply
    port.write(request)
    corrupt: FrameError | None = None
    try:
        async with asyncio.timeout(timeout + wire_time(len(request) + PB_ANSWER, port.baudrate)):
            while True:
                await _skip_to(port, pb_bus.HEADER)
                await port.wait_for_bytes(pb_bus.FRAME_LENGTH)
                try:
                    pb_bus.parse_frame(port.peek()[: pb_bus.FRAME_LENGTH])
                except FrameError as exc:
                    corrupt = exc
                    port.take(1)
                    continue
                reply = await _reply(port)
                break
    except TimeoutError:
        if corrupt is not None:
            raise BadFrame(f"unit {unit}: {corrupt}") from None
        raise
    if reply.unit != unit:
        raise BadFrame(f"answer came from unit {reply.unit}, asked unit {unit}")
    if reply.frame_type is not kind:
        raise BadFrame(f"unit {unit} sent a {reply.frame_type.name.lower()} frame, asked {kind.name.lower()}")
    return reply


async def _reply(port: PortBytes) -> pb_bus.Reply:
    """A valid frame starts the buffer: wait for the ACK after it (with or without the 00 pad)."""
    await port.wait_for_bytes(pb_bus.FRAME_LENGTH + ACK_LENGTH)
    while True:
        try:
            return pb_bus.parse_reply(port.peek())
        except FrameError:
            if len(port.peek()) > pb_bus.FRAME_LENGTH + ACK_LENGTH:
                raise
            await port.wait_for_bytes(len(port.peek()) + 1)


async def nw_exchange(port: PortBytes, request: bytes, timeout: float) -> proto4e57.Frame:
    """A 4E 57 request -> the BMS's answer frame (same command, from the terminal asked)."""
    asked = proto4e57.parse_frame(request)
    port.discard()
    port.write(request)
    corrupt: FrameError | None = None
    try:
        async with asyncio.timeout(timeout + wire_time(len(request) + NW_MAX_FRAME, port.baudrate)):
            while True:
                await _skip_to(port, proto4e57.STX)
                await port.wait_for_bytes(4)
                length = int.from_bytes(port.peek()[2:4], "big") + 2
                if not proto4e57.FRAME_OVERHEAD <= length <= NW_MAX_FRAME:
                    port.take(1)
                    continue
                await port.wait_for_bytes(length)
                try:
                    frame = proto4e57.parse_frame(port.peek()[:length])
                except FrameError as exc:
                    corrupt = exc
                    port.take(1)
                    continue
                port.take(length)
                if frame.transport != proto4e57.REQUEST:  # a request is our own echo
                    break
    except TimeoutError:
        if corrupt is not None:
            raise BadFrame(f"terminal {asked.terminal}: {corrupt}") from None
        raise
    # A BMS may leave its terminal id 0 (the published answer does); another id is another BMS.
    if frame.terminal not in (0, asked.terminal):
        raise BadFrame(f"answer came from terminal {frame.terminal}, asked terminal {asked.terminal}")
    if frame.command != asked.command:
        raise BadFrame(f"answer is for command {frame.command}, asked command {asked.command}")
    return frame
