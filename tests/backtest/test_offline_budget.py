"""The daily write budget holds in offline runs too, with the SafeWriter's own WriteBudget; unchanged settings cost nothing."""

from __future__ import annotations

import datetime as dt

from solarctl.control.offline import OfflineRun
from solarctl.control.write_budget import device_identity
from solarctl.control.strategies.base import Proposal, Strategy
from solarctl.demo.run import load_demo_config
from solarctl.plant import Plant


class Flapper(Strategy):
    """Flips load shave on every step, and asks for an unchanged setting every step too."""

    name = "flapper"
    interval = 600.0

    def __init__(self) -> None:
        super().__init__(None)
        self.on = False

    def decide(self, view, now):
        self.on = not self.on
        return [Proposal("xw", "load_shave", "Enable" if self.on else "Disable", "flap")]

    def start_proposals(self):
        return [Proposal("xw", "low_battery_cut_out", 45.5, "already so")]  # the plant's own value


async def test_offline_writes_stop_at_the_daily_budget_and_start_again_the_next_utc_day(tmp_path):
    config = load_demo_config(tmp_path, "scp_site")
    config = config.model_copy(update={"control": config.control.model_copy(update={"daily_write_budget": 5})})
    start = dt.datetime(2025, 6, 20, 22, tzinfo=dt.timezone.utc).timestamp()
    plant = Plant(config.plant, start)
    async with OfflineRun(config, plant, [Flapper()]) as run:
        await run.run_for(6 * 3600)  # 22:00 to 04:00 UTC: two UTC days
    flaps = [a for a in run.applied if a.proposal.setting == "load_shave"]
    written = [a for a in flaps if not a.refused and not a.unchanged]
    refused = [a for a in flaps if a.refused]
    days = [dt.datetime.fromtimestamp(a.time, dt.timezone.utc).day for a in written]
    assert days.count(20) == 5 and days.count(21) == 5  # 12 flips asked on the 20th (2 h), 24 on the 21st
    assert refused and all(a.refused.startswith("daily write budget used up (5 writes today, UTC) for load_shave")
                           for a in refused)
    xw = device_identity(run.devices.devices["xw"])
    register = run.devices.register("xw", "load_shave").address
    assert [run.budget.used(start + h * 3600, xw, register) for h in (0, 3)] == [5, 5]
    [kept] = [a for a in run.applied if a.proposal.setting == "low_battery_cut_out"]
    assert kept.unchanged and not kept.refused  # in place already: not a write, not counted
