"""The energy summary's roles come from the drivers' catalogues, choosing as before: PV from the charge controllers
or the PV1800, the ComBox harvest only without them; battery power from a BMS, else the ComBox, else the inverter."""

import pytest

from solarctl.store.config import EnergyRoles, StorageConfig
from solarctl.store.energy import roles

CASES = [
    ({"xw": "conext_xw", "west": "conext_mppt", "east": "conext_mppt", "combox": "conext_combox", "stack": "pylontech_console"},
     {"pv": [("east", "dc_output_power"), ("west", "dc_output_power")], "load": [("xw", "load_power")],
      "grid": [("xw", "grid_power")], "battery": [("stack", "power")]}),
    ({"xw": "conext_xw", "combox": "conext_combox"},
     {"pv": [("combox", "pv_harvest_power")], "load": [("xw", "load_power")], "grid": [("xw", "grid_power")],
      "battery": [("combox", "battery_power")]}),
    ({"xw": "conext_xw"},
     {"pv": [], "load": [("xw", "load_power")], "grid": [("xw", "grid_power")], "battery": [("xw", "battery_power")]}),
    ({"inverter": "must_pv1800", "bms1": "jk_pb", "bms2": "jk_pb"},
     {"pv": [("inverter", "pv_power")], "load": [("inverter", "load_power")], "grid": [("inverter", "grid_power")],
      "battery": [("bms1", "power"), ("bms2", "power")]}),
]


@pytest.mark.parametrize("drivers, expected", CASES)
def test_roles_follow_the_catalogues_preferences(drivers, expected):
    assert roles(StorageConfig(), drivers) == expected


def test_configured_roles_win():
    storage = StorageConfig(energy=EnergyRoles(pv=["roof.power"]))
    assert roles(storage, {"xw": "conext_xw", "west": "conext_mppt"})["pv"] == [("roof", "power")]
