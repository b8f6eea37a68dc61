"""One request/answer of the `~` protocol on the shared RS485 port: a job for SerialLink.exchange_on_port
(serialised with every other request on the bus, paced, counted in the device's health).

Bytes before a `~` are noise; our own echo (half-duplex adapters hear themselves) is skipped; an answer
from another address is a bad frame. A corrupt answer is remembered: if nothing good follows before the
timeout, the request fails as a bad frame rather than a timeout; a damaged frame of another length than
the request is the answer itself, a bad frame at once.
"""

from __future__ import annotations

import asyncio

from solarctl.bus.errors import BadFrame
from solarctl.bus.serial_link import wire_time
from solarctl.bus.serial_port import PortBytes
from solarctl.devices.pylontech_rs485.frames import RETURN_CODES, Frame, FrameError, decode

MAX_ANSWER = 4096 + 18  # LENID is 12 bits: at most 4095 INFO characters


async def exchange(port: PortBytes, request: bytes, timeout: float) -> Frame:
    asked = decode(request)
    port.discard()  # whatever came in since the last answer is noise or a late reply
    port.write(request)
    corrupt: FrameError | None = None
    try:
        async with asyncio.timeout(timeout + wire_time(len(request) + MAX_ANSWER, port.baudrate)):
            while True:
                await port.wait_for_bytes(1)
                start = port.peek().find(b"~")
                if start < 0:
                    port.take(len(port.peek()))
                    continue
                port.take(start)
                while (end := port.peek().find(b"\r")) < 0 and len(port.peek()) <= MAX_ANSWER:
                    await port.wait_for_bytes(len(port.peek()) + 1)
                raw = port.take(end + 1 if end >= 0 else 1)
                if raw == request:
                    continue
                try:
                    answer = decode(raw)
                except FrameError as exc:
                    if len(raw) != len(request):  # the answer, damaged: a battery does not send it again
                        raise BadFrame(f"address {asked.address}: {exc}") from None
                    corrupt = exc  # perhaps our own echo, damaged: the answer may still come
                    continue
                break
    except TimeoutError:
        if corrupt is not None:
            raise BadFrame(f"address {asked.address}: {corrupt}") from None
        raise
    if answer.address != asked.address:
        raise BadFrame(f"answer came from address {answer.address}, asked address {asked.address}")
    if answer.cid2 != 0:
        raise BadFrame(f"address {asked.address} answered CID2 {asked.cid2:#04x} with return code {answer.cid2:#04x} "
                       f"({RETURN_CODES.get(answer.cid2, 'unknown')})")
    return answer
