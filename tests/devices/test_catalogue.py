"""Every driver's catalogue covers what it publishes: each driver polled once against its simulator (the demo
sites serve all six), every published metric (and every field of a list of dicts, e.g. Pylontech `modules`) is
in its catalogue, with the unit the driver reports."""

import asyncio

import pytest

from solarctl.clock import SystemClock
from solarctl.config import parse_config
from solarctl.demo.run import demo_config_text, load_demo_config
from solarctl.devices import registry
from solarctl.devices.description import KINDS
from solarctl.installation import Installation
from solarctl.plant import Plant
from solarctl.sample import Sample
from solarctl.sim.site import SimulatedSite


async def _poll_site(tmp_path, site: str, jk_protocol: str | None) -> dict:
    if jk_protocol == "pylontech_rs485":  # the SCP site's stack read over its RS485 port instead of its console
        text = demo_config_text(tmp_path, site).replace('driver = "pylontech_console"', 'driver = "pylontech_rs485"')
        config, jk_protocol = parse_config(text.replace("modules = 6\n", ""), "<rs485 variant>"), None
    else:
        config = load_demo_config(tmp_path, site)
    for dev in config.device:
        if dev.driver == "jk_pb" and jk_protocol:
            dev.protocol = jk_protocol
    simulated = SimulatedSite(config, Plant(config.plant, start=1_750_000_000.0))
    await simulated.start()
    installation = Installation(config, SystemClock())
    try:
        async with asyncio.timeout(60):
            samples = await installation.poll_once()
    finally:
        await installation.close()
        await simulated.stop()
    return {name: (config.device_named(name).driver, sample) for name, sample in samples.items()}


def _check(driver: str, values: dict, units: dict, catalogue, where: str) -> None:
    for name, value in values.items():
        assert name in catalogue, f"{where}: {driver} publishes {name!r}, which its catalogue lacks"
        metric = catalogue[name]
        assert metric.unit == units.get(name, ""), f"{where}.{name}: catalogue says {metric.unit!r}, driver {units.get(name)!r}"
        if metric.fields:
            fields = {m.name: m for m in metric.fields}
            assert isinstance(value, list), name
            for i, element in enumerate(value):
                _check(driver, element, units, fields, f"{where}.{name}[{i}]")


@pytest.mark.parametrize("site, jk_protocol", [("scp_site", None), ("scp_site", "pylontech_rs485"),
                                               ("solar_station_site", "55aa"),
                                               ("solar_station_site", "modbus"), ("solar_station_site", "4e57"),
                                               ("voltronic_site", None)])
async def test_every_published_metric_is_in_the_catalogue_with_its_unit(tmp_path, site, jk_protocol):
    polled = await _poll_site(tmp_path, site, jk_protocol)
    for device, (driver, sample) in polled.items():
        assert isinstance(sample, Sample), sample
        catalogue = registry.DRIVERS[driver].metrics
        _check(driver, sample.values, sample.units, catalogue.metrics, device)
        # the units the driver reports for what it published are the catalogue's (description.units())
        assert registry.DRIVERS[driver].units(sample.values) == {k: u for k, u in sample.units.items() if k in sample.values}


def test_catalogues_are_consistent():
    energy_roles = set()
    for description in registry.DRIVERS.values():
        labels = description.metrics.main_values()
        assert labels, f"{description.name} shows nothing in the demo table"
        for metric in description.metrics:
            assert metric.kind in KINDS
            if metric.unit == "kWh":
                assert metric.kind.startswith("total"), f"{description.name}.{metric.name} is a counter"
                assert metric.state_class == "total_increasing"
            if metric.kind == "list" and metric.name == "modules":
                assert metric.fields, "per-module values say what each module dict holds"
            if metric.role and metric.role.endswith("_power"):
                energy_roles.add(metric.role)
    assert energy_roles == {"pv_power", "load_power", "grid_power", "battery_power"}
