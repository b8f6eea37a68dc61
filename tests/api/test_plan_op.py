"""`solarctl plan` asks the running daemon for the forecast strategy's plan; without a daemon or without the
strategy it says what is missing."""

from __future__ import annotations

import asyncio
import json

from solarctl.control.config import ForecastStrategyConfig
from tests.api.rig import ask, running_site, solarctl, write_config

HORIZON_H = round(ForecastStrategyConfig.model_fields["horizon_h"].default)  # the default plan length, hours
FORECAST = [{"name": "forecast", "inverter": "inverter", "battery": "bms1", "interval": 1,
             "import_price": 0.3, "feed_in": 0.05}]


async def test_the_running_daemon_shows_its_plan(tmp_path):
    async with running_site(tmp_path, poll_interval=1, strategy=FORECAST) as rig:
        async with asyncio.timeout(30):
            while (answer := await ask(rig.data_dir, "plan"))["plans"][0]["plan"] is None:
                await asyncio.sleep(0.3)
        plan = answer["plans"][0]["plan"]
        assert len(plan["battery_w"]) == HORIZON_H * 4 and answer["zone"] == "Europe/Vienna"
        code, out, err = await solarctl("plan", "--config", str(rig.config_path))
        assert code == 0, err
        lines = out.splitlines()
        assert lines[0].startswith("[forecast] plan made ") and "load: profile of 1 day(s) seen" in lines[0]
        assert lines[1].split() == ["time", "PV", "W", "load", "W", "batt", "W", "grid", "W", "PV", "from", "price",
                                    "SoC", "%"]
        # one line an hour: where its PV forecast came from (the present measured, then the strategy's own), the flat price
        assert len(lines) == 2 + HORIZON_H and lines[2].split()[6:8] == ["measured+local", "0.3"]
        assert lines[3].split()[6:8] == ["local", "0.3"]
        code, out, err = await solarctl("plan", "--config", str(rig.config_path), "--json")
        assert code == 0 and json.loads(out)["plans"][0]["strategy"] == "forecast" and json.loads(out)["source"] == "daemon"
        assert f"new plan for {HORIZON_H} h" in (tmp_path / "daemon.log").read_text()


async def test_without_daemon_or_strategy_it_says_what_is_missing(tmp_path):
    with_strategy = write_config(tmp_path, poll_interval=1, strategy=FORECAST)
    code, out, err = await solarctl("plan", "--config", str(with_strategy))
    assert code == 1 and err.startswith(f"solarctl plan: no daemon runs for {tmp_path / 'data'}: ")
    without = write_config(tmp_path, poll_interval=1)
    code, out, err = await solarctl("plan", "--config", str(without))
    assert code == 1 and 'has no enabled [[strategy]] with name = "forecast"' in err
