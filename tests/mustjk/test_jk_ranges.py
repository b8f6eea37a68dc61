"""A live value outside its physical range is a misread, never a sample: the poll fails with a reason naming the
metric, the value and the range (the same check `solarctl decode` applies: `Catalogue.check`)."""

import pytest

from solarctl.decoders import decoder_for
from solarctl.errors import DecodeError
from solarctl.sample import PollError, Sample
from tests.mustjk.fixtures import frame
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


# The misreads issue 19 measured: two neighbour bytes swapped pass the byte-sum checksums of the 0x55AA and 4E57
# frames. Each is refused now, with the value and what it breaks named. (file, protocol, swapped byte, reason)
SWAPS = {
    "capacity_remaining 12977 Ah beside capacity_full 314 Ah": (
        "jk_pb_live_v19.hex", "jk-pb", 175, r"capacity_remaining = 12977\.218 Ah is outside its physical range"),
    "smart_sleep_voltage 671092 V": (
        "jk_pb_settings_v19.hex", "jk-pb", 9, r"smart_sleep_voltage = 671092\.14 V is outside its physical range"),
    "current 206 A instead of 2.08 A": (
        "jk_4e57_read_all_14s.hex", "jk-4e57", 68, r"current = 206\.08 A is above 2 x charge_overcurrent_protection"),
    "cell_count_total 3584 beside cell_count 14": (
        "jk_4e57_read_all_14s.hex", "jk-4e57", 83, r"cell_count_total = 3584 is outside its physical range"),
    "-2305 degC": (
        "jk_4e57_read_all_14s.hex", "jk-4e57", 163, r"charge_undertemperature_recovery = -2305 °C is outside"),
    "capacity_full 3584 Ah": ("jk_4e57_read_all_14s.hex", "jk-4e57", 176, r"= 3584 Ah is outside its physical range"),
}


@pytest.mark.parametrize("name, protocol, at, reason", SWAPS.values(), ids=list(SWAPS))
def test_two_swapped_neighbour_bytes_are_refused_with_the_reason(name, protocol, at, reason):
    original = frame(name)
    swapped = original[:at] + original[at + 1:at + 2] + original[at:at + 1] + original[at + 2:]
    decoder_for(protocol)(original.hex(" ").encode())  # the capture itself decodes
    with pytest.raises(DecodeError, match=reason):
        decoder_for(protocol)(swapped.hex(" ").encode())
