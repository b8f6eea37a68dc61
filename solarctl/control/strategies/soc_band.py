"""The old SCP control loop as a pure step.

Above `soc_high` switch the inverter setting (load shave by default) on, below `soc_low` off, in
between leave it. It acts only on a fresh SoC (never on a stale or failed reading); `on_start`
settings are proposed when it starts and `on_stop` settings when it stops, as SCP did on exit.
"""

from __future__ import annotations

from solarctl.control.strategies.base import Proposal, Strategy, proposals
from solarctl.control.strategies.view import View

SOC_METRICS = ("soc", "battery_soc")  # a BMS says `soc`, the ComBox `battery_soc`


class SocBandStrategy(Strategy):
    def start_proposals(self) -> list[Proposal]:
        return proposals(self.config.inverter, self.config.on_start, "start")

    def stop_proposals(self) -> list[Proposal]:
        return proposals(self.config.inverter, self.config.on_stop, "stop")

    def desired(self, soc: float) -> str | None:
        if soc >= self.config.soc_high:
            return "Enable"
        if soc <= self.config.soc_low:
            return "Disable"
        return None  # inside the band: keep whatever is set

    def fresh_soc(self, view: View) -> float | None:
        battery = self.config.battery
        if not view.fresh(battery, 3 * self.config.interval):
            return None
        soc = next((v for v in (view.value(battery, m) for m in SOC_METRICS) if v is not None), None)
        return float(soc) if isinstance(soc, (int, float)) and not isinstance(soc, bool) else None

    def decide(self, view: View, now: float) -> list[Proposal]:
        soc = self.fresh_soc(view)
        want = None if soc is None else self.desired(soc)
        if want is None:
            return []
        return [Proposal(self.config.inverter, self.config.setting, want, f"SoC {soc:g} %")]
