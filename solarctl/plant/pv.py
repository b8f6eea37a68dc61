"""A PV array behind its MPPT charge controller.

Power at the maximum power point = peak x POA/1000 x temperature derating (cells warm with
irradiance, NOCT model). The MPPT passes it to the battery bus with its efficiency, limited by its
output current. When the bus cannot take it all, the array is curtailed: it is moved off its
MPP towards open circuit, so voltage rises and current falls.
"""

from __future__ import annotations

import math

from solarctl.plant.config import PvArrayConfig

_VOLTAGE_TEMP_COEFF = -0.0035  # relative MPP voltage change per kelvin
_VOC_RATIO = 1.18  # open-circuit / MPP voltage


class PvArray:
    def __init__(self, config: PvArrayConfig) -> None:
        self.config = config
        self.name = config.name
        self.poa_w_m2 = 0.0
        self.cell_temp_c = 0.0
        self.available_w = 0.0  # at the MPP, array side
        self.power_w = 0.0  # actually drawn, array side (voltage_v x current_a)
        self.voltage_v = 0.0
        self.current_a = 0.0
        self.output_w = 0.0  # MPPT output to the battery bus
        self.output_current_a = 0.0
        self._mpp_v = 0.0

    @property
    def curtailed_w(self) -> float:
        return self.available_w - self.power_w

    def illuminate(self, poa_w_m2: float, air_temp_c: float, battery_v: float) -> float:
        """Set the light on the array; return what its MPPT could deliver to the battery bus (W)."""
        cfg = self.config
        self.poa_w_m2 = max(0.0, poa_w_m2)
        self.cell_temp_c = air_temp_c + self.poa_w_m2 / 800.0 * (cfg.noct_c - 20.0)
        if self.poa_w_m2 <= 0.0:
            self.available_w = self._mpp_v = 0.0
            return 0.0
        derate = max(0.0, 1.0 + cfg.temp_coefficient_per_c * (self.cell_temp_c - 25.0))
        self.available_w = cfg.peak_w * self.poa_w_m2 / 1000.0 * derate
        # MPP voltage falls with temperature and, logarithmically, in dim light.
        dim = max(0.5, 1.0 + 0.04 * math.log(max(self.poa_w_m2, 1.0) / 1000.0))
        self._mpp_v = cfg.mpp_voltage_v * (1.0 + _VOLTAGE_TEMP_COEFF * (self.cell_temp_c - 25.0)) * dim
        return min(self.available_w * cfg.mppt_efficiency, cfg.max_output_current_a * battery_v)

    def operate(self, output_w: float, battery_v: float) -> float:
        """Deliver `output_w` to the bus (at most what `illuminate` offered); return the MPPT loss in W."""
        eff = self.config.mppt_efficiency
        self.output_w = output_w
        self.output_current_a = output_w / battery_v if battery_v > 0.0 else 0.0
        self.power_w = output_w / eff
        if self.available_w > 0.0:
            share = min(1.0, self.power_w / self.available_w)
            self.voltage_v = self._mpp_v * (1.0 + (_VOC_RATIO - 1.0) * (1.0 - share))
            self.current_a = self.power_w / self.voltage_v
        else:
            self.voltage_v = self.current_a = 0.0
        return self.power_w - output_w
