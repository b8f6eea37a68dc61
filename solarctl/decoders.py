"""Offline decoders for `solarctl decode`: protocol name -> function(bytes) -> dict, as the drivers'
descriptions name them ("module:function": a decoder's module is only imported when it is used).
"""

from __future__ import annotations

from typing import Any, Callable

from solarctl.devices.description import load


def decoders() -> dict[str, str]:
    from solarctl.devices import registry  # imported here: the drivers the registry names import DecodeError from us

    return {protocol: target for d in registry.DRIVERS.values() for protocol, target in d.decoders.items()}


class DecodeError(ValueError):
    """The input is not a valid capture for this protocol; the message says what is wrong."""


def decoder_for(protocol: str) -> Callable[[bytes], dict[str, Any]]:
    target = decoders().get(protocol)
    if target is None:
        known = ", ".join(decoders()) or "none yet"
        raise DecodeError(f"unknown protocol {protocol!r}; known protocols: {known}")
    return load(target)
