"""A simulated MUST/JK site on real pty pairs (socat) for the driver <-> simulator tests."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from solarctl.clock import SystemClock
from solarctl.config import validate_config
from solarctl.control.ledger import AuditLedger
from solarctl.control.safe_write import SafeWriter
from solarctl.installation import Installation
from solarctl.plant import Plant
from solarctl.sim.site import SimulatedSite

ZONE = ZoneInfo("Europe/Vienna")
NIGHT = datetime(2026, 6, 21, 23, 0, tzinfo=ZONE).timestamp()  # no sun: the grid feeds the house
NOON = datetime(2026, 6, 21, 12, 0, tzinfo=ZONE).timestamp()

# The old site's bank: 16 LiFePO4 cells, one plant module per JK pack.
PLANT = {
    "pv_arrays": [{"name": "roof", "peak_w": 1500.0, "mpp_voltage_v": 90.0, "max_output_current_a": 80.0}],
    "battery": {"module_count": 4, "module_capacity_ah": 100.0, "cells_in_series": 16, "initial_soc_pct": 60.0},
    "inverter": {"rated_w": 5000.0, "absorption_voltage_v": 56.0, "float_voltage_v": 54.4},
}


def inverter(tmp_path, **kw) -> dict:
    return {"name": "inverter", "driver": "must_pv1800", "port": f"{tmp_path}/ttyINV0", "timeout": 0.5, **kw}


def packs(tmp_path, protocol: str, units=(1, 2, 3, 4), **kw) -> list[dict]:
    return [{"name": f"bms{u}", "driver": "jk_pb", "protocol": protocol, "unit": u, "port": f"{tmp_path}/ttyBMS0",
             "timeout": 0.3, **kw} for u in units]


def site_config(tmp_path, devices: list[dict], **extra):
    return validate_config({"general": {"data_dir": str(tmp_path / "data")}, "device": devices, "plant": PLANT, **extra})


@asynccontextmanager
async def simulated(cfg, start: float = NIGHT, settle: float = 120.0, clock=None):
    """(plant, simulated site, installation polling it on `clock`); the plant has run `settle` seconds."""
    plant = Plant(cfg.plant, start=start)
    plant.step(settle)
    site = SimulatedSite(cfg, plant)
    await site.start()
    install = Installation(cfg, clock or SystemClock())
    try:
        yield plant, site, install
    finally:
        await install.close()
        await site.stop()


def writer(install: Installation, **kw) -> SafeWriter:
    return SafeWriter(install, AuditLedger(None), SystemClock(), **kw)


def server(site: SimulatedSite, device: str):
    """The RtuServer behind `device` (its request log and fault switches)."""
    return site.server_of[device]


async def mbpoll_rtu(path: str, baudrate: int, unit: int, ref: int, count: int) -> list[int]:
    """Read holding registers with mbpoll (libmodbus; an independent client), PDU addressing."""
    proc = await asyncio.create_subprocess_exec(
        "mbpoll", "-m", "rtu", "-b", str(baudrate), "-P", "none", "-a", str(unit), "-0", "-1", "-r", str(ref),
        "-c", str(count), "-t", "4:hex", "-o", "1", path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode() + out.decode()
    words = {}
    for line in out.decode().splitlines():
        if line.startswith("[") and "]:" in line:
            address, value = line[1:].split("]:")
            words[int(address)] = int(value.split()[0], 16)
    return [words[ref + i] for i in range(count)]
