"""A driver is one folder plus one registry line: a toy Modbus-TCP driver, declared in this file and registered
here, is found by config loading, `solarctl read --json`, the store and the energy summary."""

import asyncio
import json
from typing import Literal

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from solarctl.cli.app import app
from solarctl.config import ConfigError, parse_config
from solarctl.devices import registry
from solarctl.devices.config import ModbusTcpDevice, Unit
from solarctl.devices.description import Catalogue, DriverDescription, note
from solarctl.devices.modbus_device import ModbusDevice
from solarctl.plant import Plant
from solarctl.registers import ByteOrder, Register, RegisterMap
from solarctl.sample import Sample
from solarctl.sim.register_bank import RegisterBank
from solarctl.sim.site import SimulatedSite
from solarctl.store import schema
from solarctl.store.engine import make_engine
from solarctl.store.store import SampleStore

TOY_MAP = RegisterMap("toy", (
    Register("pv_power", 0, "u16", unit="W"),
    Register("pv_voltage", 1, "u16", scale=0.1, unit="V"),
    Register("state", 2, "u16", enum={0: "off", 1: "on"}),
))


class ToyConfig(ModbusTcpDevice):
    driver: Literal["toy"]
    unit: Unit = 1


class Toy(ModbusDevice):
    driver = "toy"
    link_kind = "modbus_tcp"
    register_map = TOY_MAP


def toy_unit(config, plant, index, byte_order) -> RegisterBank:
    return RegisterBank(TOY_MAP, byte_order, lambda: {"pv_power": 1200, "pv_voltage": 95.5, "state": "on"}, lambda n, v: None)


TOY = DriverDescription(
    config=ToyConfig,
    device=f"{__name__}:Toy",
    simulator=f"{__name__}:toy_unit",
    metrics=Catalogue(note("pv_power", role="pv_power", label="PV"), sources=(f"{__name__}:TOY_MAP",)),
)


@pytest.fixture
def toy():
    registry.register(TOY)
    yield TOY
    registry.unregister("toy")


def _toml(tmp_path, port: int, extra: str = "") -> str:
    return (f'[general]\ndata_dir = "{tmp_path}"\n[storage]\nurl = "sqlite:///{tmp_path}/toy.db"\n'
            f'[[device]]\nname = "roof"\ndriver = "toy"\nhost = "127.0.0.1"\nport = {port}\n{extra}')


def test_config_accepts_the_toy_and_explains_its_mistakes(toy, tmp_path):
    config = parse_config(_toml(tmp_path, 1502))
    assert isinstance(config.device[0], ToyConfig) and config.device[0].unit == 1
    with pytest.raises(ConfigError) as err:
        parse_config(_toml(tmp_path, 1502, 'unti = 3\n'))
    assert "device[0] (name 'roof').unti: unknown key 'unti'" in str(err.value) and "did you mean 'unit'?" in str(err.value)
    assert TOY.units() == {"pv_power": "W", "pv_voltage": "V"}


def test_without_registration_the_driver_is_unknown(tmp_path):
    with pytest.raises(ConfigError, match="unknown driver 'toy'; expected one of: 'conext_xw'"):
        parse_config(_toml(tmp_path, 1502))


async def test_read_json_polls_the_toy_against_its_simulator(toy, tmp_path):
    probe = parse_config(_toml(tmp_path, 1502))
    site = SimulatedSite(probe.model_copy(update={"device": [probe.device[0].model_copy(update={"port": 0})]}),
                         Plant(probe.plant, start=1_717_228_800.0))
    await site.start()
    try:
        port = next(iter(site.servers.values())).port
        path = tmp_path / "toy.toml"
        path.write_text(_toml(tmp_path, port))
        async with asyncio.timeout(30):
            result = await asyncio.to_thread(CliRunner().invoke, app, ["read", "--config", str(path), "--json"])
    finally:
        await site.stop()
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["devices"]["roof"] == {"pv_power": 1200, "pv_voltage": 95.5, "state": "on"}


async def test_the_store_keeps_the_toy_and_counts_its_pv(toy, tmp_path):
    config = parse_config(_toml(tmp_path, 1502))
    store = SampleStore(config)
    await store.start()
    t0 = 1_717_228_800.0  # 2024-06-01 08:00 UTC
    for minute in range(61):
        store.submit(Sample("roof", t0 + 60 * minute, {"pv_power": 1200.0, "pv_voltage": 95.5, "state": "on"}, TOY.units()))
    assert await store.flush(30)
    await store.stop()
    engine = make_engine(f"sqlite:///{tmp_path}/toy.db")
    with engine.connect() as conn:
        drivers = set(conn.execute(select(schema.sample.c.driver).where(schema.sample.c.device == "roof")).scalars())
        minutes = conn.execute(select(schema.rollup_1m.c.mean).where(schema.rollup_1m.c.device == "roof",
                                                                     schema.rollup_1m.c.metric == "pv_power")).scalars().all()
        pv_kwh = conn.execute(select(schema.energy_daily.c.pv_kwh)).scalar()
    engine.dispose()
    assert drivers == {"toy"}
    assert len(minutes) == 61 and set(minutes) == {1200.0}
    assert pv_kwh == pytest.approx(1.2, rel=1e-6)  # 1.2 kW for the hour between the first and last sample
