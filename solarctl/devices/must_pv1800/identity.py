"""Is this a PV1800? Decided from registers 20000-20001, read before anything else."""

from __future__ import annotations

from typing import Sequence

from solarctl.devices.must_pv1800.registers import PV1800
from solarctl.errors import DecodeError
from solarctl.registers.codec import decode

# PV1800 / PH1800 / EP1800 share this register map (20000 = "PV" is 0x5056).
PREFIXES = ("PV", "PH", "EP")
RATING = 1800


class NotPV1800(DecodeError):
    """The device at this address does not identify as a PV1800."""


def identify(words: Sequence[int]) -> str:
    """Registers 20000, 20001 (more may follow) -> model string such as "PV1800"."""
    if len(words) < 2:
        raise NotPV1800(f"not a PV1800: need registers 20000 and 20001, got {len(words)} register(s)")
    prefix = decode(PV1800["machine_type"], words[:1])
    if prefix not in PREFIXES:
        raise NotPV1800(f"not a PV1800: register 20000 = {words[0]:#06x} ({prefix!r}), expected one of {', '.join(PREFIXES)}")
    rating = decode(PV1800["machine_rating"], words[1:2])
    if rating != RATING:
        raise NotPV1800(f"not a PV1800: register 20001 = {rating} (a {prefix}{rating}), expected {RATING}")
    return f"{prefix}{rating}"
