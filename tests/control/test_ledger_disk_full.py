"""Nothing is sent whose audit line cannot be written (issue 19): on a full data dir a write went out to the
inverter and its ledger line was lost. Against the simulated PV1800 on a pty, writes counted at the simulator:
every write it received has its line in the ledger, the first write that could not have one is not sent, and
a log line says what could not be recorded. The budget file is on another disk (`[control] budget_file`: one
per machine), so it is the ledger alone that meets the full disk."""

from __future__ import annotations

import logging

from solarctl.clock import SystemClock
from solarctl.control.ledger import AuditLedger
from solarctl.control.safe_write import SafeWriter
from tests.full_disk import fill, small_disk
from tests.mustjk.simulated import inverter, server, simulated, site_config
from tests.mustjk.test_command_file import WRITES

TRIES = 120  # alternating writes after the disk is full: more than the room kept for their lines


def sent(sim) -> int:
    return len([r for r in sim.requests if r.function in WRITES])


def written_lines(path) -> int:
    return path.read_text().count('"outcome": "written"')


async def test_on_a_full_disk_every_write_sent_has_its_audit_line(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="solarctl")
    with small_disk(tmp_path / "data", size="512k") as disk:
        async with simulated(site_config(tmp_path, [inverter(tmp_path)])) as (plant, site, install):
            sim = server(site, "inverter")
            ledger = disk / "audit.jsonl"
            writer = SafeWriter(install, AuditLedger(ledger), SystemClock(), daily_budget=10_000,
                                budget_file=tmp_path / "write_budget.jsonl")  # one per machine, on another disk
            assert (await writer.write("inverter", "grid_connection", "off-grid")).outcome == "written"
            fill(disk)
            outcomes = []
            for i in range(TRIES):
                outcome = await writer.write("inverter", "grid_connection", "on-grid" if i % 2 == 0 else "off-grid")
                outcomes.append(outcome)
                if outcome.outcome == "failed":
                    break
            assert sent(sim) == written_lines(ledger)  # not one write without its line
            refused = outcomes[-1]
            assert refused.outcome == "failed" and "nothing sent: the audit ledger" in refused.reason, refused
            assert "No space left on device" in refused.reason
            sends = sent(sim)
            for _ in range(3):  # still full: still nothing sent
                assert (await writer.write("inverter", "grid_connection", "on-grid")).outcome in ("failed", "unchanged")
            assert sent(sim) == sends
            recorded = ledger.read_text()
    # The refusal itself is recorded when its line still fits, and logged when it does not: never lost unseen.
    lost = [r.getMessage() for r in caplog.records if r.getMessage().startswith("cannot append to the audit ledger")]
    assert "nothing sent: the audit ledger" in recorded or "inverter.grid_connection: FAILED: nothing sent" in lost[0]


async def test_a_full_fresh_data_dir_sends_nothing(tmp_path, caplog):
    """No ledger yet and no room for one: the first `set` is not sent, and the log says what was not recorded."""
    caplog.set_level(logging.INFO, logger="solarctl")
    with small_disk(tmp_path / "data", size="256k") as disk:
        async with simulated(site_config(tmp_path, [inverter(tmp_path)])) as (plant, site, install):
            fill(disk)
            writer = SafeWriter(install, AuditLedger(disk / "audit.jsonl"), SystemClock(),
                                budget_file=tmp_path / "write_budget.jsonl")
            outcome = await writer.write("inverter", "grid_connection", "off-grid")
            assert outcome.outcome == "failed" and sent(server(site, "inverter")) == 0
            assert plant.settings.grid_connected is True
    assert any(r.getMessage().startswith("cannot append to the audit ledger") and "grid_connection" in r.getMessage()
               for r in caplog.records)
