"""Pending restores against the gateway simulator: kept in the data dir while the inverter is away, written
when it is back, superseded by a newer write of the same setting, dropped when refused for good."""

import json

import pytest

from solarctl.clock import SystemClock
from solarctl.control.ledger import AuditLedger
from solarctl.control.pending_restores import PendingRestores
from solarctl.control.safe_write import SafeWriter
from solarctl.control.state_file import StateFile
from tests.conftest import StaticGateway
from tests.control.test_safe_write import site_for

XW = 10


@pytest.fixture
async def setup(tmp_path):
    async with StaticGateway(units=(XW,)) as server:
        site = site_for(server.port)
        writer = SafeWriter(site, AuditLedger(tmp_path / "audit.jsonl"), SystemClock(), daily_budget=1)
        yield server, writer, StateFile(tmp_path / "pending_restores.json")
        await site.close()


def pending(writer, file):
    return PendingRestores(file, writer, SystemClock())


async def test_a_restore_waits_in_the_data_dir_until_the_inverter_answers(setup):
    server, writer, file = setup
    server.faults.dead_units.add(XW)
    failed = await writer.write("xw", "load_shave", "Disable", restore=True)
    first = pending(writer, file)
    first.add(failed, "strategy:soc_band")
    await first.apply()
    assert json.loads(file.path.read_text()) == [{"device": "xw", "setting": "load_shave", "value": "Disable", "source": "strategy:soc_band"}]
    server.faults.dead_units.clear()
    again = pending(writer, file)  # a restart reads it back
    await again.apply()
    assert server.units[XW].values()["inverter_load_shave_status"] == "Disable"  # the two failed tries sent nothing,
    assert [e["outcome"] for e in writer.ledger.entries] == ["failed", "failed", "written"]  # so budget 1 was still free
    assert again.items == [] and json.loads(file.path.read_text()) == []
    assert writer.ledger.entries[-1]["restore"] is True and writer.ledger.entries[-1]["outcome"] == "written"


async def test_a_newer_write_supersedes_and_a_refusal_drops_it(setup):
    server, writer, file = setup
    server.faults.dead_units.add(XW)
    restores = pending(writer, file)
    restores.add(await writer.write("xw", "load_shave", "Disable", restore=True), "strategy:soc_band")
    restores.add(await writer.write("xw", "grid_support", "bogus", restore=True), "strategy:soc_band")
    restores.settled("xw", "load_shave")  # a strategy wrote load shave since
    assert [i["setting"] for i in restores.items] == ["grid_support"]
    server.faults.dead_units.clear()
    await restores.apply()  # "bogus" is not a choice: trying again cannot help
    assert restores.items == [] and server.units[XW].values()["inverter_load_shave_status"] == "Enable"
