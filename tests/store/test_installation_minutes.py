"""The installation's stored minutes read back (store/minutes.py) on every engine: span, series, latest, and the
history made from them with a hole filled by time of day (backtest/history.py)."""

from __future__ import annotations

import pytest

from solarctl.backtest.history import History
from solarctl.config import parse_config
from solarctl.store.minutes import NoHistory, stored_minutes
from tests.stored_history import record

T0 = 1_748_728_800.0  # 2025-06-01 00:00 Europe/Vienna (22:00 UTC the day before)
SITE = """
[general]
data_dir = "{data_dir}"
[storage]
url = "{url}"
[[device]]
name = "inverter"
driver = "must_pv1800"
port = "/dev/ttyUSB0"
unit = 4
[[device]]
name = "bms"
driver = "jk_pb"
protocol = "modbus"
port = "/dev/ttyUSB1"
unit = 1
"""


def test_the_installation_minutes_on_every_engine(db_url, tmp_path):
    config = parse_config(SITE.format(data_dir=tmp_path, url=db_url), "site.toml")
    hole = (T0 + 3 * 3600, T0 + 5 * 3600)  # two hours of six missing
    record(config, T0, 6 * 60, holes=(hole,))
    with stored_minutes(config) as minutes:
        assert minutes.span("load_power") == (T0, T0 + 6 * 3600)
        rows = minutes.series("load_power", T0, T0 + 6 * 3600)
        latest = minutes.latest()
    assert len(rows) == 4 * 60 and rows[0][0] == T0 and all(w > 0 for _, w in rows)
    assert not [t for t, _ in rows if hole[0] <= t < hole[1]]
    assert set(latest) == {"pv_power", "load_power", "grid_power", "battery_power", "soc"}
    assert latest["soc"][0] == T0 + 6 * 3600 - 60 and 0 < latest["soc"][1] <= 100
    history = History.from_minutes(rows, T0, T0 + 6 * 3600, "Europe/Vienna")
    assert history.filled_hours == 2.0 and len(history.times) == 6 * 60
    assert history.at(T0 + 4 * 3600) == pytest.approx(sum(w for _, w in rows) / len(rows))  # one day: the mean


def test_no_database_is_no_history(tmp_path):
    config = parse_config(SITE.format(data_dir=tmp_path, url=f"sqlite:///{tmp_path}/none.db"), "site.toml")
    with pytest.raises(NoHistory, match="no database at"):
        with stored_minutes(config):
            pass
    assert not (tmp_path / "none.db").exists()  # reading never creates one
