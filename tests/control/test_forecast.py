"""The forecast strategy: its plan on the plant model (a few simulated days, time-of-use tariff) against no
control, the settings a plan step becomes on each inverter, and what it reads by catalogue role."""

import datetime as dt
import re
import zoneinfo

import pytest

from solarctl.control.config import ForecastStrategyConfig
from solarctl.control.offline import OfflineRun
from solarctl.control.strategies import make_strategies
from solarctl.control.strategies.forecast import Plan, actuate
from solarctl.control.strategies.view import Latest, View
from solarctl.demo.run import load_demo_config
from solarctl.devices.registry import capabilities
from solarctl.optimize.tariff import Tariff
from solarctl.plant import Plant

HORIZON_H = round(ForecastStrategyConfig.model_fields["horizon_h"].default)  # the default plan length, hours
TARIFF = 'feed_in = 0.07\n[import_price]\n"0-6" = 0.20\n"6-22" = 0.36\n"22-24" = 0.20\n'
DAYS = 2


def with_strategies(config, strategies):
    return config.model_validate({**config.model_dump(exclude={"strategy"}), "strategy": strategies})


def forecast_table(tmp_path, inverter="inverter", battery="bms1"):
    (tmp_path / "tariff.toml").write_text(TARIFF)
    return {"name": "forecast", "inverter": inverter, "battery": battery, "tariff": str(tmp_path / "tariff.toml")}


async def cost_of(config, strategies, start: float, tariff: Tariff):
    plant = Plant(config.plant, start=start)
    prices = tariff.import_prices(start, 3600, DAYS * 24, config.plant.timezone)
    cost = 0.0
    async with OfflineRun(config, plant, strategies) as run:
        for price in prices:  # hour by hour: the tariff's price holds for each
            imported, exported = plant.counters("grid_import").lifetime, plant.counters("grid_export").lifetime
            await run.run_for(3600)
            cost += ((plant.counters("grid_import").lifetime - imported) * price
                     - (plant.counters("grid_export").lifetime - exported) * tariff.feed_in)
    return cost, plant, run


async def test_forecast_costs_less_than_no_control_and_its_plans_keep_the_limits(tmp_path):
    config = load_demo_config(tmp_path, "solar_station_site")
    zone = zoneinfo.ZoneInfo(config.plant.timezone)
    start = dt.datetime(2025, 3, 20, 0, tzinfo=zone).timestamp()
    # A plan every half hour (the default is 15 minutes) keeps the test short.
    forecast_config = with_strategies(config, [{**forecast_table(tmp_path), "replan_s": 1800}])
    tariff = Tariff.load(tmp_path / "tariff.toml")
    none_cost, _, _ = await cost_of(with_strategies(config, []), [], start, tariff)

    [strategy] = make_strategies(forecast_config.strategy)
    plans = []
    original = strategy.make_plan
    strategy.make_plan = lambda *args: plans.append(original(*args)) or plans[-1]
    cost, plant, run = await cost_of(forecast_config, [strategy], start, tariff)

    assert cost < 0.8 * none_cost, (cost, none_cost)
    assert DAYS * 48 <= len(plans) <= DAYS * 48 + 1  # one every half hour (and one as the run closes)
    limits = strategy.limits
    for plan in plans:
        assert all(limits.soc_min_pct - 1e-6 <= soc <= limits.soc_max_pct + 1e-6 for soc in plan.soc_pct)
        assert all(-limits.discharge_max_w - 1e-6 <= b <= limits.charge_max_w + 1e-6 for b in plan.battery_w)
        assert all(-limits.grid_export_max_w - 1e-6 <= g for g in plan.grid_w)
        assert len(plan.battery_w) == HORIZON_H * 4
    assert re.fullmatch(r"load: profile of [23] day\(s\) seen, mean \d+ W; PV: clear sky x [01]\.\d\d", plans[-1].basis)
    assert not [a for a in run.applied if a.refused]
    assert {a.proposal.setting for a in run.applied} >= {"energy_use_mode", "charger_source_priority"}
    assert plant.counters("load_unserved").lifetime == 0


def plan_of(battery_w: float, grid_w: float, load_w: float = 500.0) -> Plan:
    return Plan(made_at=0.0, step_s=900.0, pv_w=[0.0], load_w=[load_w], price=[0.2], battery_w=[battery_w],
                grid_w=[grid_w], soc_pct=[50.0], cost=0.0, basis="test")


def settings(proposals) -> dict:
    return {p.setting: p.value for p in proposals}


def must_pv1800(device, step, volts):
    return actuate(capabilities("must_pv1800"), device, step, volts)


def conext_xw(device, step, volts):
    return actuate(capabilities("conext_xw"), device, step, volts)


def test_a_plan_step_becomes_the_settings_each_inverter_has():
    grid_charge = plan_of(battery_w=2600.0, grid_w=3100.0).step(0.0)  # 2.6 kW into the battery from the grid
    assert settings(must_pv1800("inverter", grid_charge, 52.8)) == {
        "energy_use_mode": "SBU", "charger_source_priority": "Solar and Utility", "discharge_to_grid": "off",
        "grid_charge_current_limit": 49.0}
    hold = plan_of(battery_w=0.0, grid_w=500.0).step(0.0)  # the grid carries the house, the battery waits
    assert settings(must_pv1800("inverter", hold, 52.8)) == {
        "energy_use_mode": "UTI", "charger_source_priority": "Only Solar", "discharge_to_grid": "off"}
    assert settings(conext_xw("xw", hold, 49.5)) == {"grid_support": "Disable"}
    discharge = plan_of(battery_w=-520.0, grid_w=0.0).step(0.0)
    assert settings(conext_xw("xw", discharge, 49.5)) == {"grid_support": "Enable"}
    assert "plan discharge: battery -520 W" in discharge.reason
    export = plan_of(battery_w=-2000.0, grid_w=-1400.0).step(0.0)
    assert settings(must_pv1800("inverter", export, 52.8))["discharge_to_grid"] == "on"


def view_of(now: float, **devices) -> View:
    return View(now, {name: Latest(values, now) for name, values in devices.items()}, lambda device, setting: None)


def test_it_reads_pv_load_and_soc_by_role_and_says_what_is_missing(tmp_path):
    config = with_strategies(load_demo_config(tmp_path, "scp_site"), [forecast_table(tmp_path, "xw", "battery")])
    [strategy] = make_strategies(config.strategy)
    assert strategy.sources["pv_power"] == [("mppt_east", "dc_output_power"), ("mppt_west", "dc_output_power")]
    assert strategy.sources["battery_soc"] == [("battery", "soc"), ("combox", "battery_soc")]
    now = dt.datetime(2025, 6, 21, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Vienna")).timestamp()
    assert strategy.decide(view_of(now, xw={"load_power": 700.0}), now) == []
    assert strategy.why_not == "no fresh pv_power, battery_soc from battery, combox, mppt_east, mppt_west"
    seen = view_of(now, xw={"load_power": 700.0}, mppt_east={"dc_output_power": 1500.0},
                   mppt_west={"dc_output_power": 1000.0}, battery={"soc": 60}, combox={"battery_soc": 62})
    [proposal] = strategy.decide(seen, now)
    assert proposal.device == "xw" and proposal.setting == "grid_support"
    assert strategy.plan.pv_w[0] == 2500.0 and strategy.plan.load_w[0] == 700.0
    # planned from the mean SoC, 61 %: the first step's end less what the first step stored
    limits, battery_w = strategy.limits, strategy.plan.battery_w[0]
    stored_kwh = strategy.plan.step_s / 3600 * (limits.charge_efficiency * max(battery_w, 0.0)
                                                + min(battery_w, 0.0) / limits.discharge_efficiency) / 1000
    assert strategy.plan.soc_pct[0] - 100 * stored_kwh / limits.battery_kwh == pytest.approx(61.0, abs=1e-6)


def test_an_inverter_it_cannot_drive_is_refused_in_one_sentence(tmp_path):
    with pytest.raises(ValueError, match=re.escape(
            "forecast needs an inverter with the capability grid_support or output_priority (both grid_first and "
            "battery_first), which combox (conext_combox) does not have")):
        with_strategies(load_demo_config(tmp_path, "scp_site"), [forecast_table(tmp_path, "combox", "battery")])


def test_a_tariff_file_that_cannot_be_read_is_a_config_error(tmp_path):
    from solarctl.config import ConfigError, validate_config

    config = load_demo_config(tmp_path, "scp_site").model_dump(exclude={"strategy"})
    table = {**forecast_table(tmp_path, "xw", "battery"), "tariff": str(tmp_path / "missing.toml")}
    with pytest.raises(ConfigError, match="cannot read the tariff file .*missing.toml"):
        validate_config({**config, "strategy": [table]})
