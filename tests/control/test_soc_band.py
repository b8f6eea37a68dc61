"""The SCP control loop as a strategy: acts on fresh SoC only, inside the band it holds, writes verified."""

import asyncio

import pytest

from solarctl.clock import SystemClock
from solarctl.config import validate_config
from solarctl.daemon import Daemon
from solarctl.sample import PollError, Sample
from tests.conftest import StaticGateway


def config(port, tmp_path, **strategy):
    return validate_config({
        "general": {"data_dir": str(tmp_path)},
        "device": [
            {"name": "xw", "driver": "conext_xw", "host": "127.0.0.1", "port": port, "timeout": 0.5},
            {"name": "combox", "driver": "conext_combox", "host": "127.0.0.1", "port": port, "timeout": 0.5},
        ],
        "strategy": [{"name": "soc_band", "inverter": "xw", "battery": "combox", "interval": 0.05, **strategy}],
    })


@pytest.fixture
async def rig(tmp_path):
    async with StaticGateway(units=(10, 201)) as server:
        server.units[10].values()["inverter_load_shave_status"] = "Disable"
        daemon = Daemon(config(server.port, tmp_path), SystemClock())
        yield server, daemon, daemon.strategies[0]
        await daemon.site.close()


def soc(daemon, value, *, error=False):
    now = SystemClock().time()
    daemon.hub.publish(PollError("combox", now, "timeout") if error else Sample("combox", now, {"battery_soc": value}))


def shave(server):
    return server.units[10].values()["inverter_load_shave_status"]


async def test_band_decisions(rig):
    server, daemon, strategy = rig
    soc(daemon, 85)
    await strategy.step()
    assert shave(server) == "Enable"
    soc(daemon, 50)  # inside the band: hold
    await strategy.step()
    assert shave(server) == "Enable"
    soc(daemon, 20)  # at soc_low (inclusive, as SCP): off
    await strategy.step()
    assert shave(server) == "Disable"
    writes = [r for r in server.requests if r.function in (6, 16)]
    assert len(writes) == 2  # one per crossing, nothing in between


async def test_never_acts_on_a_stale_or_failed_reading(rig):
    server, daemon, strategy = rig
    soc(daemon, 95)
    soc(daemon, None, error=True)  # the latest poll failed: the 95 % is stale
    await strategy.step()
    assert shave(server) == "Disable"
    assert not [r for r in server.requests if r.function in (6, 16)]


async def test_start_and_stop_settings_like_scp(tmp_path):
    async with StaticGateway(units=(10, 201)) as server:
        cfg = config(server.port, tmp_path,
                     on_start={"low_battery_cut_out": 46.0, "low_battery_cut_out_hysteresis": 2.5},
                     on_stop={"low_battery_cut_out": 46.5, "load_shave": "Disable"})
        daemon = Daemon(cfg, SystemClock())
        task = asyncio.create_task(daemon.run())
        for _ in range(500):  # bounded: 10 s
            await asyncio.sleep(0.02)
            if (server.units[10].values()["battery_low_voltage"], server.units[10].values()["battery_hysteresis"]) == (46.0, 2.5):
                break  # both start settings written (one after the other)
        values = server.units[10].values()
        assert values["battery_low_voltage"] == 46.0 and values["battery_hysteresis"] == 2.5
        await asyncio.sleep(0.3)  # it polls the ComBox (SoC 76 %, inside the band) and holds
        assert values["inverter_load_shave_status"] == "Enable"
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert values["battery_low_voltage"] == 46.5 and values["inverter_load_shave_status"] == "Disable"
        assert daemon.hub.devices["combox"].values["battery_soc"] == 76


async def test_a_setting_the_hub_shows_in_place_costs_no_request(rig):
    server, daemon, strategy = rig
    now = SystemClock().time()
    daemon.hub.publish(Sample("xw", now, {"inverter_load_shave_status": "Enable"}))
    soc(daemon, 85)
    await strategy.step()
    assert not server.requests  # not even the read-back the SafeWriter would start with
    daemon.hub.publish(PollError("xw", now, "timeout"))  # the XW's value is stale now: the SafeWriter asks it
    await strategy.step()
    # read, the serial number the budget counts by (once per process), write, read back
    assert [(r.unit, r.function, r.address) for r in server.requests] == [(10, 3, 0x01B2), (10, 3, 0x002B), (10, 6, 0x01B2), (10, 3, 0x01B2)]
    assert shave(server) == "Enable"


def test_soc_band_aimed_at_a_setting_the_inverter_lacks_fails_the_config_check(tmp_path):
    """On a PV1800 the default `load_shave` does not exist: refused on every step (104 718 times in a year's
    backtest) unless the config check stops it first."""
    from solarctl.config import ConfigError, load_config

    config = tmp_path / "site.toml"
    config.write_text(f"""
[general]
data_dir = "{tmp_path}"

[[device]]
name = "inverter"
driver = "must_pv1800"
port = "/dev/ttyUSB0"
unit = 4

[[device]]
name = "bms1"
driver = "jk_pb"
protocol = "55aa"
port = "/dev/ttyUSB1"
unit = 1

[[strategy]]
name = "soc_band"
inverter = "inverter"
battery = "bms1"
""")
    with pytest.raises(ConfigError) as refused:
        load_config(config)
    message = str(refused.value)
    assert "strategy 'soc_band' switches 'load_shave', which inverter (must_pv1800) does not have" in message
    assert "grid_connection" in message  # the settings it could switch instead
    config.write_text(config.read_text() + 'setting = "grid_connection"\n')
    assert load_config(config).strategy[0].setting == "grid_connection"
