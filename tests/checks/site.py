"""The SCP demo site with a plant whose battery moves both ways in a June day: one module, a larger house and
load shave on (as tests/control/test_offline.py's day), so the battery charges in the morning and carries
the house at night and every check sees current flow both ways."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from solarctl.config import Config
from solarctl.demo.run import load_demo_config
from solarctl.plant import Plant


def scp_site(tmp_path, hour: int) -> tuple[Config, Plant]:
    """The config (no strategies) and its plant at `hour` local time on 2025-06-21."""
    config = load_demo_config(tmp_path, "scp_site").model_copy(update={"strategy": []})
    plant_config = config.plant.model_copy(update={
        "battery": config.plant.battery.model_copy(update={"module_count": 1}),
        "load": config.plant.load.model_copy(update={"annual_kwh": 6000.0}),
    })
    start = dt.datetime(2025, 6, 21, hour, tzinfo=zoneinfo.ZoneInfo(plant_config.timezone)).timestamp()
    plant = Plant(plant_config, start=start)
    plant.settings.load_shave = True
    return config, plant
