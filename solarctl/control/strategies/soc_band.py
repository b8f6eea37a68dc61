"""The old SCP control loop as a pure step.

Above `soc_high` switch an on/off capability of the inverter (load shave by default) on, below `soc_low` off,
in between leave it; which setting and values that is, the inverter's driver declares. It acts only on a fresh
SoC (never on a stale or failed reading); `on_start` settings are proposed when it starts and `on_stop` settings
when it stops, as SCP did on exit.

Unlike SCP it never leaves the inverter unattended: with no fresh battery data for `battery_lost_after`
seconds it proposes the `on_stop` (safe) settings as restores and reports the condition `battery_data_lost`
(active on every step while lost, inactive on the step the data returns); then it proposes the `on_start`
settings again and the band takes over. A switch is held
at least `min_hold` seconds before the opposite one.
"""

from __future__ import annotations

from typing import Any, Mapping

from solarctl.alerts.model import Condition
from solarctl.control.strategies.base import DataWatch, Decision, Proposal, Strategy, proposals
from solarctl.control.config import SocBandStrategyConfig
from solarctl.control.levers import switch_named
from solarctl.devices.capabilities import SettingValue
from solarctl.control.strategies.view import View
from solarctl.devices.registry import capabilities

SOC_METRICS = ("soc", "battery_soc")  # a BMS says `soc`, the ComBox `battery_soc`


class SocBandStrategy(Strategy):
    def __init__(self, config: SocBandStrategyConfig, drivers: Mapping[str, str] | None = None) -> None:
        super().__init__(config, drivers)
        config.check_drivers(self.drivers)  # the config check did it already; a strategy built by hand gets it too
        switch = switch_named(capabilities(self.drivers.get(config.inverter)), config.setting)
        assert switch is not None
        self.switch = switch
        self.watch = DataWatch()
        self.lost = False
        self.switched: tuple[SettingValue, float] | None = None  # (value, when) of the last change of decision

    def start_proposals(self) -> list[Proposal]:
        return proposals(self.config.inverter, self.config.on_start, "start")

    def stop_proposals(self) -> list[Proposal]:
        return proposals(self.config.inverter, self.config.on_stop, "stop")

    def state(self) -> Any:
        return None if self.switched is None else {"switched": list(self.switched)}

    def load_state(self, state: Any) -> None:
        if isinstance(state, dict) and isinstance(state.get("switched"), list) and len(state["switched"]) == 2:
            self.switched = (state["switched"][0], float(state["switched"][1]))

    def desired(self, soc: float) -> SettingValue | None:
        if soc >= self.config.soc_high:
            return self.switch.on
        if soc <= self.config.soc_low:
            return self.switch.off
        return None  # inside the band: keep whatever is set

    def fresh_soc(self, view: View) -> float | None:
        battery = self.config.battery
        if not view.fresh(battery, 3 * self.config.interval):
            return None
        soc = next((v for v in (view.value(battery, m) for m in SOC_METRICS) if v is not None), None)
        return float(soc) if isinstance(soc, (int, float)) and not isinstance(soc, bool) else None

    def decide(self, view: View, now: float) -> list[Decision]:
        c = self.config
        lost_for = self.watch.lost_for(view, c.battery, 3 * c.interval, now)
        lost = lost_for > c.battery_lost_after
        condition = Condition("battery_data_lost", c.battery, lost, "critical",
                              f"no fresh data from {c.battery} for {lost_for:.0f} s: {c.inverter} set to its safe (on_stop) settings")
        back, self.lost = self.lost and not lost, lost
        if lost:
            return [*proposals(c.inverter, c.on_stop, f"battery data lost for {lost_for:.0f} s", restore=True), condition]
        # Back to normal: the start settings again. The condition is reported inactive on every evaluation, so the
        # alert manager can clear it after its release hysteresis (it holds no memory of its own).
        found: list[Decision] = [*proposals(c.inverter, c.on_start, "battery data back"), condition] if back else [condition]
        soc = self.fresh_soc(view)
        want = None if soc is None else self.desired(soc)
        if want is not None and self.switched is not None and want != self.switched[0] and now - self.switched[1] < c.min_hold:
            want = None  # the last switch is too recent: hold it
        if want is not None:
            if self.switched is None or want != self.switched[0]:
                self.switched = (want, now)
            found.append(Proposal(c.inverter, self.switch.setting, want, f"SoC {soc:g} %"))
        return found
