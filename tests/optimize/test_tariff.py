"""Tariff files: flat or by local hour, and the one sentence a bad file gets."""

import datetime as dt
import re
import zoneinfo

import pytest

from solarctl.optimize.tariff import Tariff, TariffError

ZONE = "Europe/Vienna"


def test_time_of_use_by_local_hour_across_the_clock_change(tmp_path):
    path = tmp_path / "tariff.toml"
    path.write_text('feed_in = 0.08\n[import_price]\n"0-7" = 0.2\n"7-22" = 0.34\n"22-24" = 0.2\n')
    tariff = Tariff.load(path)
    assert tariff.feed_in == 0.08 and tariff.time_of_use
    assert tariff.import_by_hour == (0.2,) * 7 + (0.34,) * 15 + (0.2,) * 2
    # 30 March 2025: local clocks jump from 02:00 to 03:00; prices follow the local hour.
    start = dt.datetime(2025, 3, 30, 0, tzinfo=zoneinfo.ZoneInfo(ZONE)).timestamp()
    prices = tariff.import_prices(start, 3600, 24, ZONE)
    assert prices[:6] == [0.2] * 6 and prices[6:21] == [0.34] * 15 and prices[21:] == [0.2] * 3
    assert "import 0.2-0.34/kWh by hour" in tariff.describe()


@pytest.mark.parametrize("zone", ["Europe/Vienna", "Australia/Adelaide", "Asia/Kolkata"])
@pytest.mark.parametrize(("start", "step_s", "steps"), [
    ("2025-03-29 20:10", 900, 144),  # 36 h over the spring clock change (the forecast's plan)
    ("2025-10-25 23:00", 300, 576),  # two days over the autumn one
    ("2025-01-01 00:00", 3600, 8760),  # a year (the optimum): two changes, the same offset at both ends
])
def test_every_step_is_priced_by_its_local_hour(zone, start, step_s, steps):
    by_hour = Tariff(tuple(range(24)))  # the price says the hour
    info = zoneinfo.ZoneInfo(zone)
    first = dt.datetime.fromisoformat(start).replace(tzinfo=info).timestamp()
    local_hours = [dt.datetime.fromtimestamp(first + (i + 0.5) * step_s, info).hour for i in range(steps)]
    assert by_hour.import_prices(first, step_s, steps, zone) == local_hours


def test_flat(tmp_path):
    path = tmp_path / "flat.toml"
    path.write_text("import_price = 0.31\n")
    assert Tariff.load(path) == Tariff.flat(0.31) and Tariff.flat(0.31, 0.05).describe() == "import 0.31/kWh, feed-in 0.05/kWh"


@pytest.mark.parametrize("text, sentence", [
    ('[import_price]\n"0-7" = 0.2\n"7-23" = 0.3\n', "no import price for hour 23; cover 0-24 with the ranges"),
    ('[import_price]\n"0-12" = 0.2\n"11-24" = 0.3\n', "hour 11 is priced twice; make the ranges not overlap"),
    ('[import_price]\n"morning" = 0.2\n', "key 'morning' must be an hour range such as \"7-22\""),
    ('import_price = "cheap"\n', "import_price must be a number (price per kWh), not 'cheap'"),
    ('feed_in = 0.1\n', "it needs import_price (and optionally feed_in), which is missing"),
    ('import_price = 0.3\nexport = 0.1\n', "it needs import_price (and optionally feed_in), not export"),
    ('import_price = [\n', "cannot read the tariff file"),
])
def test_a_bad_file_gets_one_sentence(tmp_path, text, sentence):
    path = tmp_path / "tariff.toml"
    path.write_text(text)
    with pytest.raises(TariffError, match=re.escape(sentence)):
        Tariff.load(path)
