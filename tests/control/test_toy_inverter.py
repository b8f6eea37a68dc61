"""A third inverter, declared only here (its register map, description and capabilities; registered for these tests
and never in the product registry), is driven by greedy_offgrid and forecast on the plant model with no line of
strategy, config or plant code naming it: each strategy asks for capabilities, the toy's simulator moves the plant
through sim/capability_plant.py, and every write goes through the SafeWriter to that simulator over loopback TCP
(validation, budget file, read-back, audit ledger)."""

import datetime as dt
import json
import zoneinfo
from typing import Literal

import pytest

from solarctl.backtest.static import static_candidates
from solarctl.clock import SystemClock
from solarctl.config import parse_config
from solarctl.control.ledger import AuditLedger
from solarctl.control.offline import OfflineRun
from solarctl.control.safe_write import SafeWriter
from solarctl.control.strategies import make_strategies
from solarctl.devices import registry
from solarctl.devices.capabilities import Capabilities, Level, Modes, Switch
from solarctl.devices.config import ModbusTcpDevice, Unit
from solarctl.devices.description import Catalogue, DriverDescription, note
from solarctl.devices.modbus_device import ModbusDevice
from solarctl.installation import Installation
from solarctl.plant import Plant
from solarctl.registers import ByteOrder, Register, RegisterMap
from solarctl.sim.capability_plant import current, written
from solarctl.sim.register_bank import RegisterBank
from solarctl.sim.site import SimulatedSite

TOY_MAP = RegisterMap("toy_inverter", (  # synthetic: no real device has this map
    Register("pv_power", 0, "u16", unit="W"),
    Register("load_power", 1, "u16", unit="W"),
    Register("grid_power", 2, "s16", unit="W"),
    Register("battery_soc", 3, "u16", scale=0.1, unit="%"),
    Register("priority", 10, "u16", enum={0: "mains", 1: "battery"}, writable=True, group="slow"),
    Register("ac_charge", 11, "u16", enum={0: "no", 1: "yes"}, writable=True, group="slow"),
    Register("ac_charge_amps", 12, "u16", unit="A", writable=True, min=1.0, max=60.0, group="slow"),
))
TOY_CAPABILITIES = Capabilities(
    output_priority=Modes({"battery_first": {"priority": "battery"}, "grid_first": {"priority": "mains"}}),
    grid_charging=Switch("ac_charge", on="yes", off="no"),
    grid_charge_current=Level("ac_charge_amps", "A", 1.0, 60.0),
    rated_power_w=3000.0,
)


class ToyInverterConfig(ModbusTcpDevice):
    driver: Literal["toy_inverter"]
    unit: Unit = 1


class ToyInverter(ModbusDevice):
    driver = "toy_inverter"
    link_kind = "modbus_tcp"
    register_map = TOY_MAP


def toy_unit(config, plant, index, byte_order: ByteOrder) -> RegisterBank:
    def values():
        return {"pv_power": sum(a.output_w for a in plant.pv), "load_power": plant.load_served_w,
                "grid_power": plant.grid.power_w, "battery_soc": plant.battery.soc_pct,
                **current(TOY_CAPABILITIES, plant.settings)}

    def on_write(name, value):
        for setting, plant_value in (written(TOY_CAPABILITIES, name, value) or {}).items():
            setattr(plant.settings, setting, plant_value)
    return RegisterBank(TOY_MAP, byte_order, values, on_write)


TOY = DriverDescription(
    config=ToyInverterConfig,
    device=f"{__name__}:ToyInverter",
    simulator=f"{__name__}:toy_unit",
    metrics=Catalogue(note("pv_power", role="pv_power"), note("load_power", role="load_power"),
                      note("grid_power", role="grid_power"), note("battery_soc", role="battery_soc"),
                      sources=(f"{__name__}:TOY_MAP",)),
    capabilities=TOY_CAPABILITIES,
)
TARIFF = 'feed_in = 0.07\n[import_price]\n"0-6" = 0.20\n"6-22" = 0.36\n"22-24" = 0.20\n'


@pytest.fixture
def toy():
    registry.register(TOY)
    yield TOY
    registry.unregister("toy_inverter")


def toy_config(tmp_path, port: int, strategy: str, soc_pct: float = 75.0):
    return parse_config(f'[general]\ndata_dir = "{tmp_path}"\n[[device]]\nname = "toy"\ndriver = "toy_inverter"\n'
                        f'host = "127.0.0.1"\nport = {port}\n[plant.battery]\ninitial_soc_pct = {soc_pct}\n{strategy}')


class PlantTime:
    """The SafeWriter's clock: the plant's time, so its budget days are the run's."""

    def __init__(self, plant: Plant) -> None:
        self.plant = plant

    def time(self) -> float:
        return self.plant.time


async def drive(tmp_path, strategy_table: str, start: dt.datetime, hours: float, soc_pct: float = 75.0):
    """Run the strategy on the plant for `hours`, its writes through a SafeWriter to the toy's simulator."""
    probe = toy_config(tmp_path, 1502, strategy_table, soc_pct)
    plant = Plant(probe.plant, start=start.timestamp())
    any_port = probe.model_copy(update={"device": [probe.device[0].model_copy(update={"port": 0})]})
    simulators = SimulatedSite(any_port, plant)  # serves the toy on a free loopback port, moving this plant
    await simulators.start()
    port = next(iter(simulators.servers.values())).port
    config = toy_config(tmp_path, port, strategy_table, soc_pct)
    site = Installation(config, SystemClock())
    ledger = AuditLedger(tmp_path / "audit.jsonl")
    writer = SafeWriter(site, ledger, PlantTime(plant), daily_budget=config.control.daily_write_budget)
    [strategy] = make_strategies(config.strategy, config.device)
    try:
        async with OfflineRun(config, plant, [strategy], writer=writer) as run:
            await run.run_for(hours * 3600)
    finally:
        await site.close()
        await simulators.stop()
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    return strategy, plant, run, audit


async def test_greedy_offgrid_switches_the_toy_by_its_output_priority(toy, tmp_path):
    table = '[[strategy]]\nname = "greedy_offgrid"\ninverter = "toy"\nmeasure = "soc"\ncount = 2\ninterval = 300\n'
    zone = zoneinfo.ZoneInfo("Europe/Vienna")
    strategy, plant, run, audit = await drive(tmp_path, table, dt.datetime(2025, 6, 21, 9, tzinfo=zone), 2)
    assert strategy.settings == {"off-grid": {"priority": "battery"}, "on-grid": {"priority": "mains"}}
    # Charged (75 % >= 70 %) with the June sun carrying the house: off-grid (battery first), then back on stop.
    assert [(a["setting"], a["requested"], a["outcome"], a["source"]) for a in audit] == [
        ("priority", "battery", "written", "strategy:greedy_offgrid"), ("priority", "mains", "written", "strategy:greedy_offgrid")]
    assert audit[0]["register"] == 10 and audit[1].get("restore") is True
    assert not [a for a in run.applied if a.refused]
    assert plant.settings.grid_support is False and plant.settings.pv_to_load == "after_charging"  # grid first again
    budget = (tmp_path / "write_budget.jsonl").read_text()
    assert budget.count('"register": 10') >= 2  # both writes counted in the machine-wide budget file


async def test_forecast_charges_the_toy_from_the_grid_at_night_within_its_capabilities(toy, tmp_path):
    (tmp_path / "tariff.toml").write_text(TARIFF)
    table = (f'[[strategy]]\nname = "forecast"\ninverter = "toy"\nbattery = "toy"\ntariff = "{tmp_path}/tariff.toml"\n'
             f'replan_s = 3600\n'
             '[[plant.pv_arrays]]\nname = "balcony"\npeak_w = 300.0\nmpp_voltage_v = 90.0\n')  # a winter day's PV: ~1 kWh
    zone = zoneinfo.ZoneInfo("Europe/Vienna")
    strategy, plant, run, audit = await drive(tmp_path, table, dt.datetime(2025, 1, 15, 0, tzinfo=zone), 6,
                                                 soc_pct=20.0)
    volts = plant.config.battery.cells_in_series * 3.3
    assert strategy.limits.inverter_max_w == min(plant.config.inverter.rated_w, 3000.0)  # the declared rating
    assert strategy.limits.grid_charge_max_w == min(plant.config.inverter.rated_w, 60.0 * volts)  # its current's top
    assert strategy.limits.grid_export_max_w == 0.0  # no battery_export capability
    written_ = [a for a in audit if a["outcome"] == "written"]
    assert {a["setting"] for a in written_} >= {"priority", "ac_charge", "ac_charge_amps"}
    assert all(a["outcome"] in ("written", "unchanged") for a in audit), audit
    assert all(1.0 <= a["requested"] <= 60.0 and a["requested"] == int(a["requested"])
               for a in written_ if a["setting"] == "ac_charge_amps")
    # A January night at 0.20 before a day at 0.36: the plan charges from the grid, and the plant did.
    charged = [a for a in written_ if a["setting"] == "ac_charge" and a["requested"] == "yes"]
    assert charged and plant.counters("grid_import").lifetime > 0
    assert not [a for a in run.applied if a.refused]


def test_the_static_baseline_tries_the_toys_own_modes(toy, tmp_path):
    config = toy_config(tmp_path, 1502, "")
    candidates = static_candidates(config)
    assert list(candidates) == ["battery, grid charging on", "battery, grid charging off",
                                "mains, grid charging on", "mains, grid charging off"]
    assert candidates["battery, grid charging off"] == {"grid_support": True, "pv_to_load": "first", "grid_charge": False}
