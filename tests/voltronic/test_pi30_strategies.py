"""greedy_offgrid and forecast drive the PI30 with no line of strategy, config or plant code naming it: they ask for
its capabilities, and every write goes through a SafeWriter (budget file, read-back from QPIRI, audit ledger) to the
PI30 simulator over a real pty pair, which moves the plant the run steps."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from pathlib import Path
from typing import Any

from solarctl.clock import SystemClock
from solarctl.config import parse_config
from solarctl.control.ledger import AuditLedger
from solarctl.control.offline import OfflineRun
from solarctl.control.safe_write import SafeWriter
from solarctl.control.strategies import make_strategies
from solarctl.installation import Installation
from solarctl.plant import Plant
from solarctl.sim.site import SimulatedSite

ZONE = zoneinfo.ZoneInfo("Europe/Vienna")
TARIFF = 'feed_in = 0.07\n[import_price]\n"0-6" = 0.20\n"6-22" = 0.36\n"22-24" = 0.20\n'


class PlantTime:
    """The SafeWriter's clock: the plant's time, so its budget days are the run's."""

    def __init__(self, plant: Plant) -> None:
        self.plant = plant

    def time(self) -> float:
        return self.plant.time


async def drive(tmp_path: Path, strategy: str, start: dt.datetime, hours: float, soc_pct: float) -> tuple[Any, Plant, Any, list[dict[str, Any]]]:
    config = parse_config(
        f'[general]\ndata_dir = "{tmp_path}"\n[[device]]\nname = "axpert"\ndriver = "voltronic"\n'
        f'port = "{tmp_path}/ttyAXPERT0"\ntimeout = 1.5\n[plant.battery]\ninitial_soc_pct = {soc_pct}\n{strategy}',
        "<test>")
    plant = Plant(config.plant, start=start.timestamp())
    simulators = SimulatedSite(config, plant)
    await simulators.start()
    site = Installation(config, SystemClock())
    writer = SafeWriter(site, AuditLedger(tmp_path / "audit.jsonl"), PlantTime(plant),
                        daily_budget=config.control.daily_write_budget)
    [made] = make_strategies(config.strategy, config.device)
    try:
        async with OfflineRun(config, plant, [made], writer=writer) as run:
            await run.run_for(hours * 3600)
    finally:
        await site.close()
        await simulators.stop()
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    return made, plant, run, audit


async def test_greedy_offgrid_switches_the_pi30_by_its_output_source_priority(tmp_path):
    table = '[[strategy]]\nname = "greedy_offgrid"\ninverter = "axpert"\nmeasure = "soc"\ncount = 2\ninterval = 300\n'
    strategy, plant, run, audit = await drive(tmp_path, table, dt.datetime(2025, 6, 21, 9, tzinfo=ZONE), 2, 75.0)
    assert strategy.settings == {"off-grid": {"output_source_priority": "SBU first"},
                                 "on-grid": {"output_source_priority": "Utility first"}}
    # Charged (75 % >= 70 %) on a June morning: SBU (POP02), then Utility first (POP00) again when the run stops.
    assert [(a["setting"], a["requested"], a["outcome"], a["source"]) for a in audit] == [
        ("output_source_priority", "SBU first", "written", "strategy:greedy_offgrid"),
        ("output_source_priority", "Utility first", "written", "strategy:greedy_offgrid")]
    assert audit[0]["register"] == 16 and audit[1].get("restore") is True  # QPIRI field 16 is the budget's key
    assert not [a for a in run.applied if a.refused]
    assert plant.settings.grid_support is False and plant.settings.pv_to_load == "after_charging"
    assert (tmp_path / "write_budget.jsonl").read_text().count('"register": 16') >= 2


async def test_forecast_charges_the_pi30_from_the_grid_at_night_within_its_steps(tmp_path):
    (tmp_path / "tariff.toml").write_text(TARIFF)
    table = (f'[[strategy]]\nname = "forecast"\ninverter = "axpert"\nbattery = "axpert"\n'
             f'tariff = "{tmp_path}/tariff.toml"\nreplan_s = 3600\n'
             '[[plant.pv_arrays]]\nname = "balcony"\npeak_w = 300.0\nmpp_voltage_v = 90.0\n')
    strategy, plant, run, audit = await drive(tmp_path, table, dt.datetime(2025, 1, 15, 0, tzinfo=ZONE), 6, 20.0)
    assert strategy.limits.grid_export_max_w == 0.0  # no battery_export capability
    written = [a for a in audit if a["outcome"] == "written"]
    assert all(a["outcome"] in ("written", "unchanged") for a in audit), audit
    assert {a["setting"] for a in written} >= {"charger_source_priority"}
    # Every utility charge current it set is one of the inverter's steps (MUCHGC 2, 10, 20 ... 120 A).
    assert all(a["requested"] in (2, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120)
               for a in written if a["setting"] == "grid_charge_current")
    charged = [a for a in written if a["setting"] == "charger_source_priority" and a["requested"] == "Solar + Utility"]
    assert charged and plant.counters("grid_import").lifetime > 0
    assert not [a for a in run.applied if a.refused]


def test_the_backtests_static_baseline_tries_the_pi30s_own_priorities(tmp_path):
    from solarctl.backtest.static import static_candidates

    config = parse_config('[[device]]\nname = "axpert"\ndriver = "voltronic"\nport = "/dev/ttyUSB0"\n', "<test>")
    candidates = static_candidates(config)
    assert list(candidates) == [f"{mode}, grid charging {state}" for mode in ("Utility first", "Solar first", "SBU first")
                                for state in ("on", "off")]
    assert candidates["SBU first, grid charging off"] == {"grid_support": True, "pv_to_load": "first", "grid_charge": False}
