"""MUST PV1800 inverter (pure part): the register map, the identity check, the derived values.

A driver reads 20000-20001 first and calls identify(); then it reads plan_map(PV1800, group)
blocks, decodes each with Block.decode(words, PV1800.byte_order), merges the dicts and passes
them to derive().
"""

from solarctl.devices.must_pv1800.derived import derive
from solarctl.devices.must_pv1800.identity import NotPV1800, identify
from solarctl.devices.must_pv1800.registers import BAUD_RATE, PV1800, SLAVE_ID

__all__ = ["BAUD_RATE", "PV1800", "SLAVE_ID", "NotPV1800", "derive", "identify"]
