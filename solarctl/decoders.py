"""Offline decoders for `solarctl decode`: protocol name -> function(bytes) -> dict.

Entries name "module:function" so a decoder's module is only imported when it is used.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

from solarctl.errors import DecodeError

DECODERS: dict[str, str] = {
    "pylontech-console": "solarctl.devices.pylontech.decode:decode_capture",
    "jk-pb": "solarctl.devices.jk.pb_bus:decode_capture",
    "jk-4e57": "solarctl.devices.jk.proto4e57:decode_capture",
    "jk-modbus": "solarctl.devices.jk.pb_modbus:decode_capture",
}


def decoder_for(protocol: str) -> Callable[[bytes], dict[str, Any]]:
    target = DECODERS.get(protocol)
    if target is None:
        known = ", ".join(DECODERS) or "none yet"
        raise DecodeError(f"unknown protocol {protocol!r}; known protocols: {known}")
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)
