"""The PI30's capabilities: what it declares (output priority, grid charging and its current, the cut-off voltage),
and those declarations driving the plant in an offline run through the driver's settings, the plant view and the
run's write budget, as a strategy that asks for capabilities (not for a driver's name) does."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from solarctl.config import validate_config
from solarctl.control.offline import OfflineRun
from solarctl.control.strategies.base import Proposal, Strategy, proposals
from solarctl.control.strategies.view import View
from solarctl.devices import registry
from solarctl.devices.capabilities import Level, Modes, Switch
from solarctl.plant import Plant

MIDNIGHT = datetime(2026, 6, 21, 0, 0, tzinfo=ZoneInfo("Europe/Vienna")).timestamp()


def test_the_pi30_declares_its_levers():
    caps = registry.capabilities("voltronic")
    assert caps.output_priority == Modes({"grid_first": {"output_source_priority": "Utility first"},
                                          "solar_first": {"output_source_priority": "Solar first"},
                                          "battery_first": {"output_source_priority": "SBU first"}})
    assert caps.grid_charging == Switch("charger_source_priority", "Solar + Utility", "Only solar")
    assert caps.grid_charge_current is not None and caps.grid_charge_current.settings(25.0) == {"grid_charge_current": 20.0}
    assert caps.low_battery_cut_out == Level("battery_under_voltage", "V", 40.0, 48.0)
    assert caps.grid_connection is None and caps.battery_export is None  # no such lever on a PI30


class CapabilityBand(Strategy):
    """A toy of greedy_offgrid's shape, written against capabilities only: above `high` % run from PV and the
    battery without grid charging, below `low` % from the grid, charging from it at `amps`."""

    def __init__(self, device: str, driver: str, low: float, high: float, amps: float) -> None:
        super().__init__(SimpleNamespace(name="band", interval=300.0), {device: driver})
        self.device, self.low, self.high, self.amps = device, low, high, amps
        self.caps = registry.capabilities(driver)

    def decide(self, view: View, now: float) -> list[Proposal]:
        soc = view.value(self.device, "battery_soc")
        assert self.caps.output_priority and self.caps.grid_charging and self.caps.grid_charge_current
        if not isinstance(soc, (int, float)) or self.low <= soc <= self.high:
            return []
        battery = soc > self.high
        settings = {**self.caps.output_priority.settings("battery_first" if battery else "grid_first"),
                    **self.caps.grid_charging.settings(not battery),
                    **({} if battery else self.caps.grid_charge_current.settings(self.amps))}
        return proposals(self.device, settings, f"SoC {soc} %")


async def test_capabilities_drive_the_pi30_in_an_offline_day():
    config = validate_config({"device": [{"name": "inverter", "driver": "voltronic", "port": "/dev/ttyAXPERT0"}],
                              "plant": {"battery": {"module_count": 2, "module_capacity_ah": 100.0,
                                                    "cells_in_series": 16, "initial_soc_pct": 75.0},
                                        "pv_arrays": [{"name": "roof", "peak_w": 2200.0, "mpp_voltage_v": 250.0}],
                                        "settings": {"grid_charge": True}}})
    plant = Plant(config.plant, start=MIDNIGHT)
    async with OfflineRun(config, plant, [CapabilityBand("inverter", "voltronic", 64.0, 72.0, 25.0)]) as run:
        await run.run_for(86400)
    written = [(a.proposal.setting, a.proposal.value) for a in run.applied if not a.refused and not a.unchanged]
    assert not [a for a in run.applied if a.refused], [a.refused for a in run.applied if a.refused]
    # At midnight at 75 %: PV and battery first, no grid charging; the plant followed (SBU = grid support).
    assert written[:2] == [("output_source_priority", "SBU first"), ("charger_source_priority", "Only solar")]
    # The night drained the battery below 64 %: back to the grid, charging from it at 20 A (the step below 25 A).
    assert ("output_source_priority", "Utility first") in written and ("grid_charge_current", 20.0) in written
    assert ("charger_source_priority", "Solar + Utility") in written
    # ... until the battery was above 72 % again: PV and battery first once more.
    assert written.count(("output_source_priority", "SBU first")) >= 2
    last = {setting: value for setting, value in written}
    s = plant.settings
    assert s.grid_support == (last["output_source_priority"] == "SBU first")
    assert s.grid_charge == (last["charger_source_priority"] == "Solar + Utility")
    assert s.grid_charge_current_a == 20.0
