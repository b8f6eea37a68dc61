"""soc_band against the SCP site's plant over a simulated day: no daemon, no sockets, no SafeWriter."""

import datetime as dt
import socket
import zoneinfo

import pytest

from solarctl.control.offline import OfflineRun
from solarctl.control.plant_devices import PlantDevices
from solarctl.control.safe_write import SafeWriter
from solarctl.control.strategies.base import Proposal
from solarctl.control.strategies.soc_band import SocBandStrategy
from solarctl.daemon import Daemon
from solarctl.demo.run import load_demo_config
from solarctl.devices.registry import DRIVERS
from solarctl.plant import Plant

DAY = 86400.0


class Recording(SocBandStrategy):
    """soc_band as it is, noting the SoC it saw whenever it proposed something."""

    def __init__(self, config, drivers) -> None:
        super().__init__(config, drivers)
        self.decisions: list[tuple[float, float, str]] = []  # (now, SoC, value proposed)

    def decide(self, view, now):
        found = super().decide(view, now)
        self.decisions += [(now, self.fresh_soc(view), p.value) for p in found if isinstance(p, Proposal)]
        return found


def forbidden(*args, **kwargs):
    raise AssertionError("the offline runner must not use this")


@pytest.fixture
def scp(tmp_path):
    config = load_demo_config(tmp_path, "scp_site")
    # One module and a larger house: the band is crossed both ways within one June day.
    plant_config = config.plant.model_copy(update={
        "battery": config.plant.battery.model_copy(update={"module_count": 1}),
        "load": config.plant.load.model_copy(update={"annual_kwh": 6000.0}),
    })
    start = dt.datetime(2025, 6, 21, 6, tzinfo=zoneinfo.ZoneInfo(plant_config.timezone)).timestamp()
    return config, Plant(plant_config, start=start)


async def test_soc_band_over_a_simulated_day_on_the_scp_plant(scp, monkeypatch):
    config, plant = scp
    for target, name in ((socket, "socket"), (socket, "create_connection"), (SafeWriter, "write"), (Daemon, "__init__")):
        monkeypatch.setattr(target, name, forbidden)
    strategy = Recording(config.strategy[0], {d.name: d.driver for d in config.device})
    shave_by_hour = []
    start = plant.time
    async with OfflineRun(config, plant, [strategy]) as run:
        assert plant.settings.lbco_voltage_v == 45.5 and plant.settings.lbco_hysteresis_v == 2.0  # on_start
        for _ in range(24):
            await run.run_for(DAY / 24)
            shave_by_hour.append(plant.settings.load_shave)
    assert plant.time == run.clock.time() == start + DAY

    # decide() proposes on every step outside the band; the runner carries out only what is not in place yet.
    carried_out = [a for a in run.applied if a.proposal.reason not in ("start", "stop")]
    assert [(a.proposal.setting, a.proposal.value) for a in carried_out] == [("load_shave", "Enable"), ("load_shave", "Disable")]
    first = {value: (now, soc) for now, soc, value in reversed(strategy.decisions)}  # each value's first proposal
    assert [first["Enable"][0], first["Disable"][0]] == [a.time for a in carried_out]
    assert first["Enable"][1] >= 80 and first["Disable"][1] <= 30
    assert all(soc >= 80 if value == "Enable" else soc <= 30 for _, soc, value in strategy.decisions)
    # The plant obeyed: load shave on from the crossing above soc_high until the one below soc_low.
    on = shave_by_hour.index(True)
    assert all(shave_by_hour[on:shave_by_hour.index(False, on)])
    assert not any(a.refused for a in run.applied)
    assert plant.settings.lbco_voltage_v == 46.5 and plant.settings.lbco_hysteresis_v == 2.5
    assert plant.settings.load_shave is False


async def test_a_proposal_the_plant_cannot_take_is_recorded_as_refused(scp):
    config, plant = scp
    strategy = SocBandStrategy(config.strategy[0].model_copy(update={"on_start": {"no_such_setting": 1}}),
                               {d.name: d.driver for d in config.device})
    async with OfflineRun(config, plant, [strategy]) as run:
        await run.run_for(60)
    [refused] = [a for a in run.applied if a.refused]
    assert refused.proposal.setting == "no_such_setting" and "xw has no writable setting" in refused.refused


def test_every_driver_has_a_plant_view_and_writes_reach_the_plant(tmp_path):
    for driver in DRIVERS.values():  # a new driver needs its offline view too (a gateway unit's is its bank)
        assert driver.plant_view is not None or driver.wire == "tcp_gateway", driver.name
    config = load_demo_config(tmp_path, "solar_station_site")
    plant = Plant(config.plant, start=1_750_500_000.0)
    devices = PlantDevices(config, plant)
    view = devices.view()
    assert view.value("inverter", "battery_voltage") == plant.battery.voltage_v
    assert view.value("bms2", "soc") == round(plant.battery.module_soc_pct(1)) and view.fresh("bms2", 0)
    assert devices.apply(Proposal("inverter", "grid_connection", "off-grid", "test")) == ""
    assert plant.settings.grid_connected is False
    assert devices.apply(Proposal("bms2", "charge_enabled", "off", "test")) == ""
    assert devices.view().setting("bms2", "charge_enabled") == "off" and view.setting("bms1", "charge_enabled") == "on"
