"""[storage]: defaults, URLs, validation, energy roles."""

from __future__ import annotations

import pytest

from solarctl.config import ConfigError, validate_config
from solarctl.store.energy import roles
from solarctl.store.engine import StoreError, database_url


def test_empty_url_is_sqlite_in_data_dir(tmp_path):
    cfg = validate_config({"general": {"data_dir": str(tmp_path)}})
    assert str(database_url(cfg)) == f"sqlite:///{tmp_path}/solarctl.db"


def test_plain_schemes_get_the_shipped_drivers():
    url = lambda u: database_url(validate_config({"storage": {"url": u}}))
    assert url("mysql://u:p@h/db").drivername == "mysql+pymysql"
    assert url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(StoreError, match="unsupported database 'oracle'"):
        url("oracle://u:p@h/db")


def test_bad_values_are_sentences():
    with pytest.raises(ConfigError, match="storage.timezone: unknown time zone 'Mars/Base'"):
        validate_config({"storage": {"timezone": "Mars/Base"}})
    with pytest.raises(ConfigError, match="unknown key 'spool_max' in storage; did you mean 'spool_max_mb'"):
        validate_config({"storage": {"spool_max": 5}})


def test_energy_roles_from_drivers_or_config():
    drivers = {"xw": "conext_xw", "w": "conext_mppt", "e": "conext_mppt", "cb": "conext_combox", "bat": "pylontech_console"}
    cfg = validate_config({})
    auto = roles(cfg.storage, drivers)
    assert auto == {"pv": [("e", "dc_output_power"), ("w", "dc_output_power")], "load": [("xw", "load_power")],
                    "grid": [("xw", "grid_power")], "battery": [("bat", "power")]}  # not the ComBox: no double counting
    given = validate_config({"storage": {"energy": {"battery": ["cb.battery_power"]}}})
    assert roles(given.storage, drivers)["battery"] == [("cb", "battery_power")]
