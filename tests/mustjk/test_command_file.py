"""The command file (inverter_cmd.lst) against the simulated PV1800 on a pty: valid lines in both
separators, out-of-range, calibration, malformed and unknown lines, a device that does not answer,
and writers appending while the file is taken - nothing lost, nothing unsafe written."""

import asyncio
import re
import threading
import time

import pytest

from solarctl.clock import SystemClock
from solarctl.config import ConfigError
from solarctl.control.command_file import CommandFile, Named, parse
from solarctl.control.command_file_config import CommandFileConfig
from tests.mustjk.simulated import inverter, packs, server, simulated, site_config, writer

WRITES = (6, 16)
ENTRY = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] (.+) = (OK.*|FAIL: .+|REJECTED: .+)$")


@pytest.fixture
async def station(tmp_path):
    async with simulated(site_config(tmp_path, [inverter(tmp_path)])) as (plant, site, install):
        config = CommandFileConfig(path=tmp_path / "inverter_cmd.lst", device="inverter")
        commands = CommandFile(config, writer(install, daily_budget=1000), SystemClock())
        yield plant, server(site, "inverter"), commands, config


def logged(config) -> list[tuple[str, str]]:
    lines = config.log_path.read_text().splitlines()
    assert all(ENTRY.match(line) for line in lines), lines
    return [ENTRY.match(line).groups() for line in lines]


async def test_valid_lines_with_either_separator_are_written_and_logged(station):
    plant, sim, commands, config = station
    config.path.write_text("20113=>50\n# the old README's form:\n20105=0\n\n20108 => 1")  # batmon wrote no final newline
    await commands.process()
    assert logged(config) == [("20113=>50", "OK"), ("20105=0", "OK"), ("20108 => 1", "OK")]
    assert plant.settings.max_sell_amps == 5.0  # raw 50 in 0.1 A
    assert plant.settings.grid_connected is False and plant.settings.discharge_to_grid is True
    assert [(r.function, r.address) for r in sim.requests if r.function in WRITES] == [(6, 20113), (6, 20105), (6, 20108)]
    assert not config.path.exists() and not commands.taken.exists()
    config.path.write_text("20105=>0\n")
    await commands.process()
    assert logged(config)[-1] == ("20105=>0", "OK (already set)")  # write-on-change: nothing sent
    assert len([r for r in sim.requests if r.function in WRITES]) == 3


async def test_bad_lines_are_rejected_and_never_stop_the_good_ones(station):
    plant, sim, commands, config = station
    bad = {
        "20113=>5000": "REJECTED: export_current_limit: 500.0 A is outside the valid range 1 to 21.7 A",
        "20125=>0": "REJECTED: grid_charge_current_limit: 0.0 A is outside the valid range 1 to 80 A",
        "20105=>7": "REJECTED: grid_connection: 7 is not one of 0=off-grid, 1=on-grid",
        "20010=>16384": "REJECTED: 20010 is a calibration register; it is never written",
        "20016=>16384": "REJECTED: 20016 is a calibration register; it is never written",
        "10007=>16000": "REJECTED: 10007 is a calibration register; it is never written",
        "25214=>0": "REJECTED: 25214 is not a writable setting of inverter",
        "20142=>1": "REJECTED: 20142 is not a writable setting of inverter",
        "20113=>70000": "REJECTED: 70000 is not a 16-bit register value",
        "20105=>": "REJECTED: malformed line",
        "20105": "REJECTED: malformed line",
        "20105=>1=>0": "REJECTED: malformed line",
        "0x4E89=>1": "REJECTED: malformed line",
        "20105=>on": "REJECTED: malformed line",
    }
    config.path.write_text("\n".join([*bad, "20125=>20", "20105=>0"]) + "\n")
    await commands.process()
    results = logged(config)
    assert [line for line, _ in results] == [*bad, "20125=>20", "20105=>0"]  # in order, every line logged
    for (line, result), expected in zip(results, bad.values()):
        assert result.startswith(expected), (line, result)
    assert results[-2:] == [("20125=>20", "OK"), ("20105=>0", "OK")]
    assert plant.settings.grid_charge_current_a == 2.0 and plant.settings.grid_connected is False
    assert [r.address for r in sim.requests if r.function in WRITES] == [20125, 20105]  # nothing unsafe sent


async def test_a_device_that_does_not_answer_is_a_fail(station):
    plant, sim, commands, config = station
    sim.faults.silent = True
    config.path.write_text("20105=>0\n")
    await commands.process()
    [(line, result)] = logged(config)
    assert result.startswith("FAIL: cannot read the current value:") and "did not answer" in result
    assert plant.settings.grid_connected is True


async def test_writers_appending_while_the_file_is_taken_lose_nothing(station):
    plant, sim, commands, config = station
    # A writer that opened the file just before it was taken, and writes after the rename.
    early = config.path.open("a")
    early.write("20113=>11\n")
    early.flush()
    taking = asyncio.create_task(commands.process())
    while not commands.taken.exists():
        await asyncio.sleep(0.001)
    early.write("20113=>12\n")
    early.close()
    await taking
    # Writers appending line by line (open, append, close) while the file is taken again and again.
    lines = [f"20113=>{value}" for value in range(13, 33)]

    def append() -> None:
        for line in lines:
            with config.path.open("a") as fh:
                fh.write(line + "\n")
            time.sleep(0.004)

    thread = threading.Thread(target=append)
    thread.start()
    while thread.is_alive() or config.path.exists():
        await commands.process()
        await asyncio.sleep(0.01)
    thread.join()
    results = logged(config)
    assert results == [(line, "OK") for line in ["20113=>11", "20113=>12", *lines]]  # each once, in order
    assert plant.settings.max_sell_amps == 3.2


async def test_a_file_taken_before_a_crash_is_carried_out_first(station):
    plant, sim, commands, config = station
    commands.taken.write_text("20105=>0\n")
    config.path.write_text("20105=>1\n")
    await commands.process()
    assert logged(config) == [("20105=>0", "OK")] and config.path.exists()
    await commands.process()
    assert logged(config)[-1] == ("20105=>1", "OK") and plant.settings.grid_connected is True


def test_parse_accepts_both_separators_only():
    assert parse(" 20113=>50 ") == parse("20113=50") == parse("20113 = 50")
    assert (parse("20113=>50").register, parse("20113=>50").raw) == (20113, 50)


async def test_the_command_file_device_must_name_registers(tmp_path):
    cfg = site_config(tmp_path, [{"name": "bms1", "driver": "jk_pb", "port": f"{tmp_path}/ttyBMS0"}])
    async with simulated(cfg) as (plant, site, install):
        with pytest.raises(ConfigError, match="no register map"):
            CommandFile(CommandFileConfig(path=tmp_path / "x.lst", device="bms1"), writer(install), SystemClock())
    with pytest.raises(ConfigError, match="command_file.device 'nobody' is not a configured device"):
        site_config(tmp_path, [inverter(tmp_path)], command_file={"path": "x.lst", "device": "nobody"})


async def test_a_line_that_fails_while_the_inverter_is_down_is_retried_until_it_is_back(station):
    plant, sim, commands, config = station
    sim.faults.silent = True
    config.path.write_text("20105=>0\n")
    await commands.process()
    await commands.process()  # retried first thing on the next look
    assert plant.settings.grid_connected is True and commands.retry_file.path.exists()
    sim.faults.silent = False
    restarted = CommandFile(config, commands.writer, SystemClock())  # the waiting line survives a restart
    config.path.write_text("20113=>50\n")
    await restarted.process()
    results = logged(config)
    assert [line for line, _ in results] == ["20105=>0", "20105=>0", "20105=>0", "20113=>50"]  # the retry before newer lines
    assert results[0][1].startswith("FAIL: cannot read the current value:") and results[0][1].endswith("(try 1 of 10; tried again in 5 s)")
    assert results[1][1].endswith("(try 2 of 10; tried again in 5 s)") and results[2:] == [("20105=>0", "OK"), ("20113=>50", "OK")]
    assert plant.settings.grid_connected is False and plant.settings.max_sell_amps == 5.0
    assert restarted.retries == [] and restarted.retry_file.load() == []


async def test_retries_are_bounded(station):
    plant, sim, commands, config = station
    sim.faults.silent = True
    bounded = CommandFile(config.model_copy(update={"tries": 3}), commands.writer, SystemClock())
    config.path.write_text("20105=>0\n20113=>5000\n")  # a refused line is never retried
    for _ in range(4):
        await bounded.process()
    results = logged(config)
    assert [(line, result.rsplit("(", 1)[-1]) for line, result in results if line == "20105=>0"] == [
        ("20105=>0", "try 1 of 3; tried again in 5 s)"), ("20105=>0", "try 2 of 3; tried again in 5 s)"),
        ("20105=>0", "try 3 of 3; given up)")]
    assert [line for line, _ in results].count("20113=>5000") == 1 and bounded.retries == []


async def test_settings_of_any_device_by_name_reach_the_jk_switches(tmp_path):
    async with simulated(site_config(tmp_path, [inverter(tmp_path), *packs(tmp_path, "55aa", units=(1, 2))])) as (plant, site, install):
        config = CommandFileConfig(path=tmp_path / "inverter_cmd.lst", device="inverter")
        commands = CommandFile(config, writer(install), SystemClock())
        config.path.write_text("bms1.charge_enabled=off\nbms2.discharge_enabled => off\nbms2.balancer_enabled=>off\n"
                               "inverter.grid_connection=off-grid\nbms1.charge_enabled=maybe\nbms9.charge_enabled=off\n"
                               "bms1.cell_count=8\n")
        await commands.process()
        results = dict(logged(config))
        assert [results[k] for k in ("bms1.charge_enabled=off", "bms2.discharge_enabled => off", "bms2.balancer_enabled=>off",
                                     "inverter.grid_connection=off-grid")] == ["OK"] * 4
        assert results["bms1.charge_enabled=maybe"].startswith("REJECTED: charge_enabled: 'maybe' is not one of")
        assert results["bms9.charge_enabled=off"].startswith("REJECTED: no device named 'bms9'")
        assert results["bms1.cell_count=8"].startswith("REJECTED: 'cell_count' is not a writable setting of bms1")
        switches = (0x1070, 0x1074, 0x1078)  # charge, discharge, balancer (the bus also carries FC10 poll triggers)
        writes = [(r.unit, r.address) for r in server(site, "bms1").requests if r.function == 16 and r.address in switches]
        assert writes == [(1, 0x1070), (2, 0x1074), (2, 0x1078)]
        assert plant.settings.grid_connected is False
        polled = {name: (await install.devices[name].read_setting(install.link(name), install.devices[name].setting(s)))
                  for name, s in (("bms1", "charge_enabled"), ("bms2", "balancer_enabled"))}
        assert polled == {"bms1": "off", "bms2": "off"}


def test_named_lines_parse_into_the_settings_units():
    assert parse("bms1.charge_enabled=>off") == Named("bms1", "charge_enabled", "off")
    assert parse("inverter.export_current_limit = 5.5") == Named("inverter", "export_current_limit", 5.5)
    assert parse("xw.low_battery_cut_out=46") == Named("xw", "low_battery_cut_out", 46)
