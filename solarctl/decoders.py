"""Offline decoders for `solarctl decode`: protocol name -> function(bytes) -> dict, as the drivers'
descriptions name them ("module:function": a decoder's module is only imported when it is used). Every decoded
value is checked against its driver's physical ranges and consistency rules, as live polls are (`Catalogue.check`):
the answer itself, the `stack` a console answer carries (what the driver publishes from it), and every other table
nested in the answer (a console's system summary, its module and cell rows) against the rules and the description's
`answer_valid` ranges.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from solarctl.devices import registry
from solarctl.devices.description import DriverDescription, load
from solarctl.errors import DecodeError


def _described_decoders() -> dict[str, tuple[str, DriverDescription]]:
    return {protocol: (target, d) for d in registry.DRIVERS.values() for protocol, target in d.decoders.items()}


def decoders() -> dict[str, str]:
    """Protocol name -> "module:function", from every registered driver's description."""
    return {protocol: target for protocol, (target, _) in _described_decoders().items()}


def decoder_for(protocol: str) -> Callable[[bytes], dict[str, Any]]:
    """The protocol's decoder; what it returns has passed its driver's range check."""
    found = _described_decoders().get(protocol)
    if found is None:
        known = ", ".join(decoders()) or "none yet"
        raise DecodeError(f"unknown protocol {protocol!r}; known protocols: {known}")
    target, description = found
    decode = load(target)

    def checked(data: bytes) -> dict[str, Any]:
        values = decode(data)
        description.metrics.check(values)
        if isinstance(values.get("stack"), Mapping):
            description.metrics.check(values["stack"])
        for nested in _tables(values):
            description.check_answer_table(nested)
        return values

    return checked


def _tables(values: Any) -> list[Mapping[str, Any]]:
    """Every dict nested in a decoded answer, at any depth."""
    found: list[Mapping[str, Any]] = []
    for value in values.values() if isinstance(values, Mapping) else values if isinstance(values, list) else ():
        if isinstance(value, Mapping):
            found.append(value)
        if isinstance(value, (Mapping, list)):
            found += _tables(value)
    return found
