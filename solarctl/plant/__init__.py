"""Physical model of one site (PV, load, battery, inverter modes, grid), stepped by a clock."""

# solarctl.config imports plant.config back; loading it first keeps that cycle resolvable
# when the plant package is the first thing imported.
import solarctl.config  # noqa: F401  isort: skip

from solarctl.plant.config import PlantConfig
from solarctl.plant.energy import PeriodEnergy
from solarctl.plant.extras import MissingExtraError
from solarctl.plant.inverter import ChargerState, InverterMode
from solarctl.plant.plant import Plant
from solarctl.plant.runner import run_plant
from solarctl.plant.settings import PlantSettings

__all__ = [
    "ChargerState",
    "InverterMode",
    "MissingExtraError",
    "PeriodEnergy",
    "Plant",
    "PlantConfig",
    "PlantSettings",
    "run_plant",
]
