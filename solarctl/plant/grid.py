"""The utility grid at the site's connection point."""

from __future__ import annotations

from solarctl.plant.config import GridConfig
from solarctl.plant.noise import Noise


class Grid:
    def __init__(self, config: GridConfig, seed: int) -> None:
        self.config = config
        self.available = config.available  # set False to simulate an outage
        self.voltage_v = 0.0
        self.frequency_hz = 0.0
        self.power_w = 0.0  # + import, - export
        self.current_a = 0.0  # same sign as power_w
        # Slow deterministic wander: about ±1 % in voltage, ±0.02 Hz in frequency.
        self._v_noise = Noise(seed * 2 + 1, 0.01)
        self._f_noise = Noise(seed * 2 + 2, 0.02 / config.frequency_hz)

    def present(self, t: float) -> None:
        """Voltage and frequency at `t` before this sub-step's power flows (0 during an outage)."""
        if not self.available:
            self.voltage_v = self.frequency_hz = 0.0
            return
        sag = self.config.impedance_ohm * self.current_a
        self.voltage_v = self.config.voltage_v * self._v_noise.factor(t) - sag
        self.frequency_hz = self.config.frequency_hz * self._f_noise.factor(t)

    def flow(self, power_w: float) -> None:
        self.power_w = power_w
        self.current_a = power_w / self.voltage_v if self.voltage_v > 0.0 else 0.0
