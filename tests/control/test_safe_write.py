"""Safe writes against the gateway simulator: validation, write-on-change, read-back, budget, ledger."""

import asyncio
import json
from dataclasses import dataclass

import pytest

from solarctl.bus.link import Link
from solarctl.clock import SystemClock
from solarctl.config import validate_config
from solarctl.devices.conext.describe import ConextXwConfig
from solarctl.control.ledger import AuditLedger
from solarctl.control.safe_write import SafeWriter
from solarctl.devices.base import Device
from solarctl.devices.conext.xw import ConextXw
from solarctl.installation import Installation
from solarctl.links import make_link
from tests.conftest import StaticGateway


def site_for(port):
    cfg = validate_config({"device": [{"name": "xw", "driver": "conext_xw", "host": "127.0.0.1", "port": port, "timeout": 0.5}]})
    return Installation(cfg, SystemClock())


def writes(server):
    return [r for r in server.requests if r.function in (6, 16)]


@pytest.fixture
async def setup(tmp_path):
    async with StaticGateway(units=(10,)) as server:
        site = site_for(server.port)
        ledger = AuditLedger(tmp_path / "audit.jsonl")
        yield server, site, ledger, SafeWriter(site, ledger, SystemClock(), daily_budget=3)
        await site.close()


async def test_write_reads_back_the_same_register(setup):
    server, site, ledger, writer = setup
    out = await writer.write("xw", "grid_support", "enable")
    assert out.outcome == "written" and out.before == "Disable" and out.after == "Enable"
    assert server_values(server)["inverter_grid_support_status"] == "Enable"
    # The read-back went to 0x01B3 itself (the old program read back 0x01B2, load shave).
    reads_after_write = [r for r in server.requests if r.function == 3][-1]
    assert (reads_after_write.address, reads_after_write.count) == (0x01B3, 1)
    assert writes(server)[-1].function == 6


def server_values(server):
    return server.units[10].values()


async def test_32_bit_settings_are_written_whole_with_fc16(setup):
    server, site, ledger, writer = setup
    out = await writer.write("xw", "low_battery_cut_out", 46.5)
    assert out.outcome == "written" and out.after == 46.5
    w = writes(server)[-1]
    assert (w.function, w.address, w.count) == (16, 0x017C, 2)


async def test_unchanged_value_is_not_written(setup):
    server, site, ledger, writer = setup
    out = await writer.write("xw", "load_shave", "Enable")  # already Enable
    assert out.outcome == "unchanged" and writes(server) == []


async def test_invalid_requests_are_rejected_before_any_io(setup):
    server, site, ledger, writer = setup
    before = len(server.requests)
    cases = [("low_battery_cut_out", 52), ("load_shave", "maybe"), ("grid_power", 0), ("nonsense", 1)]
    for setting, value in cases:
        out = await writer.write("xw", setting, value)
        assert out.outcome == "rejected", setting
    assert "outside the valid range 45 to 49 V" in (await writer.write("xw", "low_battery_cut_out", 52)).reason
    assert "writable: low_battery_cut_out" in (await writer.write("xw", "grid_power", 0)).reason
    assert len(server.requests) == before
    assert (await writer.write("nope", "load_shave", 1)).outcome == "rejected"


async def test_dry_run_reads_but_never_writes(setup):
    server, site, ledger, writer = setup
    out = await writer.write("xw", "load_shave", "Disable", dry_run=True)
    assert out.outcome == "dry_run" and out.before == "Enable" and writes(server) == []


async def test_daily_budget_survives_a_restart(setup, tmp_path):
    server, site, ledger, writer = setup
    for i in range(3):
        assert (await writer.write("xw", "low_battery_cut_out_hysteresis", 1.5 + i * 0.5)).outcome == "written"
    over = await writer.write("xw", "low_battery_cut_out_hysteresis", 4.0)
    assert over.outcome == "rejected" and "budget" in over.reason
    reloaded = SafeWriter(site, AuditLedger(tmp_path / "audit.jsonl"), SystemClock(), daily_budget=3)
    assert (await reloaded.write("xw", "low_battery_cut_out_hysteresis", 4.0)).outcome == "rejected"
    # Other registers have their own budget.
    assert (await reloaded.write("xw", "low_battery_cut_out", 47.0)).outcome == "written"


async def test_a_write_the_device_ignores_fails_the_read_back(setup):
    server, site, ledger, writer = setup
    server.units[10].on_write = lambda name, value: None  # device keeps the old value silently
    out = await writer.write("xw", "load_shave", "Disable")
    assert out.outcome == "failed" and "read back Enable, expected Disable" in out.reason


async def test_every_attempt_is_in_the_ledger(setup, tmp_path):
    server, site, ledger, writer = setup
    await writer.write("xw", "load_shave", "Disable")
    await writer.write("xw", "load_shave", "Disable")
    await writer.write("xw", "low_battery_cut_out", 99)
    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [e["outcome"] for e in lines] == ["written", "unchanged", "rejected"]
    assert lines[0]["before"] == "Enable" and lines[0]["after"] == "Disable" and lines[0]["register"] == 0x01B2


async def test_unreachable_device_is_a_failed_write_with_the_reason(tmp_path):
    site = site_for(1)  # nothing listens on port 1
    writer = SafeWriter(site, AuditLedger(None), SystemClock())
    out = await writer.write("xw", "load_shave", "Enable")
    assert out.outcome == "failed" and "cannot read the current value" in out.reason and "connect" in out.reason


@dataclass
class DevicesAndLinks:
    """A DeviceAccess that is not an Installation: no pollers, no hub, no config."""
    devices: dict[str, Device]
    links: dict[str, Link]

    def link(self, device: str) -> Link:
        return self.links[device]


async def test_a_writer_needs_only_devices_and_their_links():
    async with StaticGateway(units=(10,)) as server:
        config = ConextXwConfig(name="xw", driver="conext_xw", host="127.0.0.1", port=server.port, timeout=0.5)
        link = make_link(ConextXw.link_kind, config, SystemClock(), 0.0)
        writer = SafeWriter(DevicesAndLinks({"xw": ConextXw(config)}, {"xw": link}), AuditLedger(None), SystemClock())
        try:
            out = await writer.write("xw", "grid_support", "enable")
            unknown = await writer.write("pump", "grid_support", "enable")
        finally:
            await link.close()
    assert out.outcome == "written" and out.after == "Enable" and writes(server)
    assert unknown.outcome == "rejected" and unknown.reason == "no device named 'pump' (configured: xw)"


async def test_restores_have_a_reserve_of_one_write_a_day_beyond_the_budget(setup):
    server, site, ledger, writer = setup
    for value in ("Disable", "Enable", "Disable"):  # the budget of 3
        assert (await writer.write("xw", "load_shave", value)).outcome == "written"
    assert (await writer.write("xw", "load_shave", "Enable")).outcome == "rejected"
    restored = await writer.write("xw", "load_shave", "Enable", source="strategy:soc_band", restore=True)
    assert restored.outcome == "written" and server_values(server)["inverter_load_shave_status"] == "Enable"
    assert ledger.entries[-1]["restore"] is True and "restore" not in ledger.entries[-2]  # audited as a restore
    again = await writer.write("xw", "load_shave", "Disable", restore=True)  # still bounded
    assert again.outcome == "rejected" and "budget" in again.reason
    assert len(writes(server)) == 4


async def test_a_verified_write_is_published_by_the_next_poll(setup):
    """Settings are read on the slow cadence; after a verified write the next poll reads them, so every row and
    the hub show the new value at once rather than a slow interval later."""
    server, site, ledger, writer = setup
    poller, xw = site.pollers[0], site.devices["xw"]
    assert (await poller.poll(xw)).values["battery_low_voltage"] != 46.5  # the first poll reads every group
    assert "battery_low_voltage" not in (await poller.poll(xw)).values  # not due for a minute
    assert (await writer.write("xw", "low_battery_cut_out", 46.5)).outcome == "written"
    assert (await poller.poll(xw)).values["battery_low_voltage"] == 46.5
    assert "battery_low_voltage" not in (await poller.poll(xw)).values  # then the slow cadence again


async def test_a_write_cancelled_before_its_read_back_is_still_in_the_ledger(setup):
    """Found by the soak (bench/soak.py, daemon_restart): a stop (SIGTERM) that cancels a write after it reached
    the device but before the read-back left the device changed with no audit line."""
    server, site, ledger, writer = setup
    log = server.requests
    keep = log.append

    def append(request):  # the moment the write is in, the device's next answers (the read-back) hang
        keep(request)
        if request.function in (6, 16):
            server.faults.delay_s = 5.0
    log.append = append
    task = asyncio.create_task(writer.write("xw", "grid_support", "enable", source="strategy:test"))
    async with asyncio.timeout(5):
        while not writes(server):
            await asyncio.sleep(0.001)
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert server_values(server)["inverter_grid_support_status"] == "Enable"  # it reached the device ...
    lines = [json.loads(line) for line in (ledger.path).read_text().splitlines()]
    assert [(e["setting"], e["outcome"], e["source"]) for e in lines] == [("grid_support", "failed", "strategy:test")]  # ... and is audited
    assert "cancelled" in lines[0]["reason"]
