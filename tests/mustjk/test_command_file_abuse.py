"""The command file cannot be abused by someone who can write its directory (issue 15): a symlink or a hard
link to a root-only file, a FIFO, a huge file, someone else's or a group-writable file, a symlinked log.
Each is refused with its reason logged once, nothing reaches the inverter simulator, and a running daemon
keeps polling through all of them. A refused regular file is removed so the next one can come; a symlink or
FIFO is left where it is (issue 19: only a regular file is ever moved or removed)."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

from solarctl.daemon import Daemon
from solarctl.plant import Plant
from solarctl.sim.site import SimulatedSite
from tests.mustjk.simulated import NIGHT, inverter, site_config
from tests.mustjk.test_command_file import WRITES, station  # noqa: F401 - station is a fixture

SECRET = "20105=>0\nroot-only-secret\n"


@pytest.fixture(autouse=True)
def warnings_seen(caplog):
    caplog.set_level(logging.INFO, logger="solarctl")  # whatever an earlier in-process CLI run left the root at


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret"
    path.write_text(SECRET)
    path.chmod(0o600)
    return path


def sent(sim) -> list[int]:
    return [r.address for r in sim.requests if r.function in WRITES]


def refusals(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("command file refused")]


async def refused(station, caplog, expected: str, left: bool = False) -> None:
    """`left`: the thing at the path is not a regular file, so it stays; otherwise it is removed."""
    plant, sim, commands, config = station
    async with asyncio.timeout(5):  # a FIFO used to block the loop here
        assert await commands.process() == []
    assert sent(sim) == [] and plant.settings.grid_connected is True
    assert os.path.lexists(config.path) is left and not os.path.lexists(commands.taken)
    assert expected in refusals(caplog)[-1], refusals(caplog)
    assert commands.status()["state"] == "refused" and expected in commands.status()["last_error"]


async def test_a_symlink_to_a_root_only_file_is_refused_and_its_target_never_read(station, secret, caplog):
    plant, sim, commands, config = station
    config.path.symlink_to(secret)
    await refused(station, caplog, "is a symbolic link", left=True)
    assert secret.read_text() == SECRET and not config.log_path.exists()  # nothing copied into a readable log


async def test_a_hard_link_to_a_root_only_file_is_refused(station, secret, caplog):
    plant, sim, commands, config = station
    os.link(secret, config.path)
    await refused(station, caplog, "has 2 names")
    assert secret.read_text() == SECRET


async def test_a_fifo_is_refused_without_waiting_for_a_writer(station, caplog):
    plant, sim, commands, config = station
    os.mkfifo(config.path)
    await refused(station, caplog, "is not a regular file", left=True)
    await refused(station, caplog, "is not a regular file", left=True)  # again: refused again, logged once
    assert len(refusals(caplog)) == 1


async def test_a_huge_file_is_refused_unread(station, caplog):
    plant, sim, commands, config = station
    config.path.write_text("20105=>0\n" * 200_000)  # 1.8 MB
    await refused(station, caplog, "is larger than 65536 bytes")


async def test_a_file_of_another_user_or_writable_by_others_is_refused(station, caplog):
    plant, sim, commands, config = station
    config.path.write_text("20105=>0\n")
    os.chown(config.path, 4321, 4321)
    await refused(station, caplog, "is owned by uid 4321, not by root or solarctl's user")
    config.path.write_text("20105=>0\n")
    config.path.chmod(0o666)
    await refused(station, caplog, "is writable by group or others (mode 666)")


async def test_a_symlinked_log_is_not_written_but_the_lines_run(station, secret, caplog):
    plant, sim, commands, config = station
    config.log_path.symlink_to(secret)
    config.path.write_text("20105=>0\n")
    await commands.process()
    assert sent(sim) == [20105] and plant.settings.grid_connected is False
    assert secret.read_text() == SECRET
    assert any("command file log not written" in r.getMessage() and "symbolic link" in r.getMessage()
               for r in caplog.records)


async def test_the_daemon_keeps_polling_through_every_abuse(tmp_path, secret, caplog):
    path = tmp_path / "inverter_cmd.lst"
    config = site_config(tmp_path, [inverter(tmp_path, poll_interval=0.2, slow_interval=0.2)],
                         command_file={"path": str(path), "device": "inverter", "interval": 0.1})
    plant = Plant(config.plant, start=NIGHT)
    plant.step(120)
    site = SimulatedSite(config, plant)
    await site.start()
    sim = site.server_of["inverter"]
    daemon = Daemon(config)
    running = asyncio.create_task(daemon.run())
    log_path = tmp_path / "inverter_cmd.lst.log"
    abuses = [lambda: path.symlink_to(secret), lambda: os.mkfifo(path), lambda: path.write_text("20105=>0\n" * 200_000),
              lambda: os.link(secret, path), lambda: log_path.symlink_to(secret)]
    try:
        async with asyncio.timeout(30):
            for abuse in abuses:
                abuse()
                seen = len(refusals(caplog))
                while os.path.lexists(path) and len(refusals(caplog)) == seen:  # refused (and removed if a file)
                    await asyncio.sleep(0.05)
                if os.path.lexists(path):  # a symlink or FIFO is left alone: its owner removes it
                    path.unlink()
                polled = len(sim.requests)
                await asyncio.sleep(0.6)
                assert len(sim.requests) >= polled + 2  # still polling every 0.2 s
            assert sent(sim) == [] and secret.read_text() == SECRET
            path.write_text("20105=>0\n")  # a good file, with the log still a symlink: the line runs
            while plant.settings.grid_connected:
                await asyncio.sleep(0.05)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await site.stop()
    assert sent(sim) == [20105] and secret.read_text() == SECRET
    assert len(refusals(caplog)) == 4, refusals(caplog)
