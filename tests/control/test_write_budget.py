"""The daily write budget holds across every writer, counted where it matters: writes that reached the gateway
simulator. Each test is one of the measured bypasses (issue 15): separate counts for `set` and the daemon, two
data dirs, a renamed device, a full disk, a torn or foreign ledger line; and attempts that never reached the
device do not use it up."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path


from solarctl.clock import SystemClock
from solarctl.config import load_config
from solarctl.control.command_file import CommandFile
from solarctl.control.command_file_config import CommandFileConfig
from solarctl.control.ledger import AuditLedger
from solarctl.control.safe_write import SafeWriter
from solarctl.daemon import Daemon
from solarctl.installation import Installation
from tests.api.rig import solarctl
from tests.conftest import StaticGateway, free_port
from tests.full_disk import fill, small_disk
from tests.mustjk.simulated import inverter, simulated, site_config

SETTING = "xw.low_battery_cut_out_hysteresis"  # 1 .. 6 V, starts at 2.0
VALUES = ["1.5", "2.5", "3.0", "3.5", "4.0"]


def config_file(tmp_path: Path, port: int, *, name: str = "xw", data_dir: str = "data", file: str = "site.toml",
                budget_file: Path | None = None) -> Path:
    control = f'budget_file = "{budget_file}"\n' if budget_file else ""
    path = tmp_path / file
    path.write_text(f"""
[general]
data_dir = "{tmp_path / data_dir}"

[control]
daily_write_budget = 2
{control}
[[device]]
name = "{name}"
driver = "conext_xw"
host = "127.0.0.1"
port = {port}
timeout = 0.5
""")
    return path


def writes(server) -> list:
    return [r for r in server.requests if r.function in (6, 16)]


async def set_value(config: Path, value: str, target: str = SETTING) -> tuple[int, str, str]:
    return await solarctl("set", "--config", str(config), target, value)


def writer_for(config: Path) -> tuple[Installation, SafeWriter]:
    """A SafeWriter built as `solarctl set` builds it when no daemon runs (the same config keys)."""
    cfg = load_config(config)
    site = Installation(cfg, SystemClock())
    writer = SafeWriter(site, AuditLedger(cfg.general.data_dir / "audit.jsonl"), SystemClock(),
                        daily_budget=cfg.control.daily_write_budget, budget_file=cfg.control.budget_file)
    return site, writer


async def test_set_without_a_daemon_and_a_daemon_started_later_share_one_count(tmp_path):
    async with StaticGateway(units=(10,)) as server:
        config = config_file(tmp_path, server.port)
        for value in VALUES[:2]:
            code, out, err = await set_value(config, value)
            assert code == 0, err
        daemon = Daemon(load_config(config))  # started the same day, on the same data dir
        try:
            over = await daemon.writer.write("xw", SETTING.split(".")[1], 3.0, source="strategy:test")
        finally:
            await daemon.site.close()
        assert over.outcome == "rejected" and "budget used up (2 of 2" in over.reason
        assert len(writes(server)) == 2


async def test_processes_writing_at_once_get_the_budget_between_them(tmp_path):
    async with StaticGateway(units=(10,)) as server:
        config = config_file(tmp_path, server.port)
        results = await asyncio.gather(*(set_value(config, value) for value in VALUES[:4]))
        # Two get through (one may read back the other's value: they race on one register), two are refused.
        assert [code for code, _, _ in results].count(2) == 2, results
        assert len(writes(server)) == 2


async def test_two_data_dirs_share_the_machine_budget_file(tmp_path):
    budget_file = tmp_path / "var-lib-solarctl" / "write_budget.jsonl"
    async with StaticGateway(units=(10,)) as server:
        first = config_file(tmp_path, server.port, data_dir="one", file="one.toml", budget_file=budget_file)
        second = config_file(tmp_path, server.port, data_dir="two", file="two.toml", budget_file=budget_file)
        assert (await set_value(first, VALUES[0]))[0] == 0
        assert (await set_value(second, VALUES[1]))[0] == 0
        code, out, err = await set_value(second, VALUES[2])
        assert code == 2 and "budget used up" in err
        assert len(writes(server)) == 2


async def test_renaming_the_device_keeps_its_count(tmp_path):
    async with StaticGateway(units=(10,)) as server:
        for name, value in [("xw", 1.5), ("xw", 2.5), ("inverter", 3.0), ("house_inverter", 3.5)]:
            site, writer = writer_for(config_file(tmp_path, server.port, name=name))
            try:
                outcome = await writer.write(name, "low_battery_cut_out_hysteresis", value)
            finally:
                await site.close()
        assert outcome.outcome == "rejected" and "budget used up" in outcome.reason
        assert len(writes(server)) == 2


async def test_a_full_disk_writes_nothing(tmp_path):
    async with StaticGateway(units=(10,)) as server:
        with small_disk(tmp_path / "disk") as disk:
            (disk / "data").mkdir()
            fill(disk)
            config = config_file(tmp_path, server.port, data_dir="disk/data")
            for value in VALUES:  # the command file wrote 5 times with budget 2
                code, out, err = await set_value(config, value)
                assert code == 1 and "Traceback" not in err, err
                assert "cannot record the write in the budget file" in err or "cannot use the write budget file" in err
                assert "nothing was written" in err.strip().splitlines()[-1], err
            assert writes(server) == []


async def test_torn_corrupt_and_foreign_lines_are_skipped_and_swallow_nothing(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="solarctl")
    data = tmp_path / "data"
    data.mkdir()
    junk = b'[]\n{"outcome":"written"}\n\xff\xfe not json\n{"time": 1, "attempt": "x", "dev'  # torn: no newline
    (data / "audit.jsonl").write_bytes(junk)
    (data / "write_budget.jsonl").write_bytes(junk)
    async with StaticGateway(units=(10,)) as server:
        config = config_file(tmp_path, server.port)
        for value in VALUES[:2]:
            code, out, err = await set_value(config, value)
            assert code == 0, err  # `set` starts despite the junk (it used to stop with a traceback)
        code, out, err = await set_value(config, VALUES[2])
        assert code == 2 and "budget used up (2 of 2" in err
        # The daemon starts too, and counts the same two writes.
        daemon = Daemon(load_config(config))
        try:
            over = await daemon.writer.write("xw", "low_battery_cut_out_hysteresis", 4.0)
        finally:
            await daemon.site.close()
        assert over.outcome == "rejected" and len(writes(server)) == 2
    assert "skipping" in caplog.text
    ledger = (data / "audit.jsonl").read_bytes().split(b"\n")
    outcomes = [json.loads(line)["outcome"] for line in ledger[4:] if line]
    assert outcomes == ["written", "written", "rejected", "rejected"]  # the torn line swallowed none of them


async def test_attempts_that_never_reached_the_device_leave_the_budget_alone(tmp_path):
    port = free_port()
    config = config_file(tmp_path, port)
    for value in VALUES[:3]:  # nobody listens: the port is unreachable
        code, out, err = await set_value(config, value)
        assert code == 1 and "cannot read the current value" in err
    site, writer = writer_for(config)
    try:
        server = StaticGateway(units=(10,), port=port).server
        await server.start()
        # The gateway goes away after answering the reads before the write (the current value, the serial number).
        bank, values, armed = server.units[10], server.units[10].values, [True, True]

        async def vanish() -> None:
            await site.link("xw").close()
            await server.stop()

        def values_then_vanish():
            if armed:
                armed.pop()
                if not armed:
                    asyncio.get_running_loop().create_task(vanish())
            return values()

        bank.values = values_then_vanish
        lost = await writer.write("xw", "low_battery_cut_out_hysteresis", 1.5)
        assert lost.outcome == "failed" and "write failed" in lost.reason and "cannot connect" in lost.reason
        assert writes(server) == []
        bank.values = values
        await server.start()
        backoff = site.link("xw").backoff
        await asyncio.sleep(backoff.initial * (1 + backoff.jitter) + 0.1)  # the link's reconnect backoff
        results = [await writer.write("xw", "low_battery_cut_out_hysteresis", v) for v in (1.5, 2.5, 3.0)]
        assert [r.outcome for r in results] == ["written", "written", "rejected"]
        assert len(writes(server)) == 2
        await server.stop()
    finally:
        await site.close()


async def test_the_command_file_with_a_full_disk_writes_nothing(tmp_path):
    async with simulated(site_config(tmp_path, [inverter(tmp_path)])) as (plant, site, install):
        with small_disk(tmp_path / "disk") as disk:
            fill(disk)
            writer = SafeWriter(install, AuditLedger(disk / "audit.jsonl"), SystemClock(), daily_budget=2)
            commands = CommandFile(CommandFileConfig(path=tmp_path / "inverter_cmd.lst", device="inverter"), writer,
                                   SystemClock())
            commands.config.path.write_text("".join(f"20113=>{raw}\n" for raw in range(11, 16)))
            results = await commands.process()
        assert len(results) == 5 and all("FAIL: cannot record the write in the budget file" in r for r in results), results
        assert [r for r in site.server_of["inverter"].requests if r.function in (6, 16)] == []
