"""Hex capture files for `solarctl decode jk-*`: bytes written as hex text.

Accepted: hex byte pairs or longer hex runs, separated (or not) by spaces, newlines, commas or
colons, each optionally prefixed 0x; `#` starts a comment that runs to the end of the line.
"""

from __future__ import annotations

import re

from solarctl.devices.jk.errors import FrameError

_SEPARATORS = re.compile(r"[\s,:;]+")
_HEX = re.compile(r"[0-9a-fA-F]*")


def hex_bytes(data: bytes) -> bytes:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise FrameError("the capture is not hex text (it has non-ASCII bytes)") from None
    digits = []
    for token in _SEPARATORS.split(re.sub(r"#[^\n]*", "", text)):
        token = token[2:] if token[:2] in ("0x", "0X") else token
        if not _HEX.fullmatch(token):
            raise FrameError(f"the capture is not hex text: {token[:20]!r}")
        if len(token) % 2:
            raise FrameError(f"odd number of hex digits in {token[:20]!r}")
        digits.append(token)
    if not digits or not "".join(digits):
        raise FrameError("the capture holds no hex bytes")
    return bytes.fromhex("".join(digits))
