"""A live value outside its physical range is a misread, never a sample: the poll fails with a reason naming the
metric, the value and the range (the same check `solarctl decode` applies: `Catalogue.check`)."""

import pytest

from solarctl.sample import PollError, Sample
from tests.mustjk.simulated import packs, simulated, site_config


@pytest.mark.parametrize("protocol", ["modbus", "55aa", "4e57"])
async def test_a_cell_outside_its_physical_range_fails_the_poll_with_the_reason(tmp_path, monkeypatch, protocol):
    cfg = site_config(tmp_path, packs(tmp_path, protocol, units=(1,)))
    async with simulated(cfg) as (plant, site, install):
        assert isinstance((await install.poll_once())["bms1"], Sample)
        real = plant.battery.cell_voltages
        monkeypatch.setattr(plant.battery, "cell_voltages", lambda i: [9.999, *real(i)[1:]])
        failed = (await install.poll_once())["bms1"]
        monkeypatch.setattr(plant.battery, "cell_voltages", real)
        recovered = (await install.poll_once())["bms1"]
    assert isinstance(failed, PollError)
    assert "cell_voltages = 9.999 V is outside its physical range 0.5..5 V" in failed.reason
    assert isinstance(recovered, Sample)
