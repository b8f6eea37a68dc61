"""Hex capture files for `solarctl decode jk-*`: bytes written as hex text.

Accepted: hex byte pairs or longer hex runs, separated (or not) by spaces, newlines, commas or
colons, each optionally prefixed 0x; `#` starts a comment that runs to the end of the line.
"""

from __future__ import annotations

import re

from solarctl.devices.jk.errors import FrameError

_COMMENT = re.compile(r"#[^\n]*")
_SEPARATORS = re.compile(r"[\s,:;]+")
_HEX = re.compile(r"[0-9a-fA-F]*")


def hex_bytes(data: bytes) -> bytes:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise FrameError("the capture is not hex text (it has non-ASCII bytes)") from None
    tokens = [t[2:] if t[:2] in ("0x", "0X") else t for t in _SEPARATORS.split(_COMMENT.sub("", text))]
    digits = "".join(tokens)
    if not _HEX.fullmatch(digits):  # one match for the whole capture; the token only to say which
        bad = next(t for t in tokens if not _HEX.fullmatch(t))
        raise FrameError(f"the capture is not hex text: {bad[:20]!r}")
    odd = next((t for t in tokens if len(t) % 2), None)
    if odd is not None:
        raise FrameError(f"odd number of hex digits in {odd[:20]!r}")
    if not digits:
        raise FrameError("the capture holds no hex bytes")
    return bytes.fromhex(digits)
