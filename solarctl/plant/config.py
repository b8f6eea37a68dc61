"""[plant] table: the simulated installation used by `solarctl demo` and `solarctl sim`."""

from solarctl.config.base import StrictModel


class PlantConfig(StrictModel):
    pass
