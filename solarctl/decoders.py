"""Offline decoders for `solarctl decode`: protocol name -> function(bytes) -> dict, as the drivers'
descriptions name them ("module:function": a decoder's module is only imported when it is used).
"""

from __future__ import annotations

from typing import Any, Callable

from solarctl.devices import registry
from solarctl.devices.description import load
from solarctl.errors import DecodeError


def decoders() -> dict[str, str]:
    """Protocol name -> "module:function", from every registered driver's description."""
    return {protocol: target for d in registry.DRIVERS.values() for protocol, target in d.decoders.items()}


def decoder_for(protocol: str) -> Callable[[bytes], dict[str, Any]]:
    target = decoders().get(protocol)
    if target is None:
        known = ", ".join(decoders()) or "none yet"
        raise DecodeError(f"unknown protocol {protocol!r}; known protocols: {known}")
    return load(target)
