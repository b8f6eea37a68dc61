"""One command/answer on the inverter's port: a job for SerialLink.exchange_on_port (serialised, paced and
counted in the device's health like every other request on the link).

Bytes before `(` are noise (a line that was idle, or the tail of a late answer); an answer is complete at CR.
A damaged answer is a bad frame at once: the inverter does not send it again.
"""

from __future__ import annotations

import asyncio

from solarctl.bus.errors import BadFrame
from solarctl.bus.serial_link import wire_time
from solarctl.bus.serial_port import PortBytes
from solarctl.devices.voltronic.frames import FrameError, decode_answer, encode_request

MAX_ANSWER = 256  # the longest PI30 answer (QPIGS of a PI30 MAX) is about 130 bytes


async def exchange(port: PortBytes, command: str, timeout: float) -> str:
    """Send `command`, return the answer's text (`NAK` included: the caller decides what a refusal means)."""
    request = encode_request(command)
    port.discard()  # whatever came in since the last answer is noise or a late reply
    port.write(request)
    async with asyncio.timeout(timeout + wire_time(len(request) + MAX_ANSWER, port.baudrate)):
        while True:
            await port.wait_for_bytes(1)
            start = port.peek().find(b"(")
            port.take(len(port.peek()) if start < 0 else start)
            if start >= 0:
                break
        while (end := port.peek().find(b"\r")) < 0:
            if len(port.peek()) > MAX_ANSWER:
                raise BadFrame(f"{command}: no CR within {MAX_ANSWER} bytes of the answer's start")
            await port.wait_for_bytes(len(port.peek()) + 1)
    raw = port.take(end + 1)
    try:
        return decode_answer(raw)
    except FrameError as exc:
        raise BadFrame(f"{command}: {exc}") from None
