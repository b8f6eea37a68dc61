"""The command file never renames or removes what is not the file (issue 19: `[command_file] path = "/tmp"`
passed `config check`, and the root daemon renamed the machine's /tmp to /tmp.taken; an empty directory was
removed outright).

`config check` refuses a directory, an empty directory, `/`, a mount point and a symlink to a directory. A path
that became one of them after the check is left exactly as it is by the real service loop, run for several
intervals. A file that cannot be taken (EROFS, EPERM) is one log line and the service's health, never a
traceback loop, and nothing is sent. Trees are built under the test's temp dir; only `/` is real, and it is
only opened, never moved (today's main fails the constructor on it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w

from solarctl.clock import VirtualClock
from solarctl.config import ConfigError, validate_config
from solarctl.control.command_file import CommandFile
from solarctl.control.command_file_config import CommandFileConfig
from solarctl.daemon import Daemon
from solarctl.plant import Plant
from solarctl.sim.site import SimulatedSite
from tests.mustjk.simulated import NIGHT, PLANT, inverter, server, simulated, site_config, writer
from tests.mustjk.test_command_file import WRITES

INTERVAL = 5.0


@pytest.fixture(autouse=True)
def warnings_seen(caplog):
    caplog.set_level(logging.INFO, logger="solarctl")


@contextlib.contextmanager
def tmpfs(path: Path, options: str = "size=256k"):
    path.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=True, capture_output=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def tree(root: Path) -> dict[str, tuple]:
    """Every name under `root` (not following symlinks) with its kind, inode and mode: what must not change."""
    found = {}
    for top, dirs, files in os.walk(root):
        for name in [".", *dirs, *files]:
            st = os.lstat(os.path.join(top, name))
            found[os.path.relpath(os.path.join(top, name), root)] = (st.st_mode, st.st_ino, st.st_dev)
    return found


def fill(directory: Path) -> None:
    (directory / "keep.txt").write_text("20105=>0\n")
    (directory / "sub").mkdir()
    (directory / "sub" / "deep.lst").write_text("20105=>0\n")


def not_a_file(tmp_path: Path, kind: str, stack: contextlib.ExitStack) -> Path:
    """A command-file path that is something other than a regular file."""
    if kind == "/":
        return Path("/")
    path = tmp_path / "cmd" / "inverter_cmd.lst"
    path.parent.mkdir()
    if kind == "directory":
        path.mkdir()
        fill(path)
    elif kind == "empty directory":
        path.mkdir()
    elif kind == "mount point":
        stack.enter_context(tmpfs(path))
        fill(path)
    elif kind == "symlink to a directory":
        target = tmp_path / "target"
        target.mkdir()
        fill(target)
        path.symlink_to(target)
    return path


def snapshot(path: Path, tmp_path: Path) -> dict:
    if path == Path("/"):  # never walked: only its own entries and identity
        st = os.lstat("/")
        return {"/": (st.st_mode, st.st_ino), "names": sorted(os.listdir("/"))}
    return {"cmd": tree(path.parent), "target": tree(tmp_path / "target") if (tmp_path / "target").exists() else {}}


KINDS = ["directory", "empty directory", "/", "mount point", "symlink to a directory"]


@pytest.mark.parametrize("kind", KINDS)
def test_config_check_refuses_what_is_not_a_regular_file(tmp_path, kind):
    with contextlib.ExitStack() as stack:
        path = not_a_file(tmp_path, kind, stack)
        with pytest.raises(ConfigError) as refused:
            site_config(tmp_path, [inverter(tmp_path)], command_file={"path": str(path), "device": "inverter"})
    message = str(refused.value)
    assert message.count("\n") == 0 and "command_file.path" in message and "is not a regular file" in message


def test_config_check_refuses_a_path_whose_parent_is_not_a_directory(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match=r"command_file.path: .*file' is not a directory"):
        site_config(tmp_path, [inverter(tmp_path)], command_file={"path": str(tmp_path / "file" / "x.lst"),
                                                                  "device": "inverter"})


def test_solarctl_config_check_says_it_in_one_sentence(tmp_path):
    (tmp_path / "dir").mkdir()
    config = tmp_path / "site.toml"
    config.write_text(tomli_w.dumps({"general": {"data_dir": str(tmp_path / "data")}, "device": [inverter(tmp_path)],
                                     "command_file": {"path": str(tmp_path / "dir"), "device": "inverter"}}))
    result = subprocess.run([sys.executable, "-m", "solarctl", "config", "check", "-c", str(config)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"command_file.path: '{tmp_path / 'dir'}' exists and is not a regular file (it is a directory)" in result.stderr


@pytest.mark.parametrize("kind", KINDS)
async def test_a_path_that_became_something_else_is_left_alone_by_the_running_service(tmp_path, kind, caplog):
    async with simulated(site_config(tmp_path, [inverter(tmp_path)])) as (plant, site, install):
        with contextlib.ExitStack() as stack:
            path = not_a_file(tmp_path, kind, stack)
            before = snapshot(path, tmp_path)
            # As if the path turned into this after `config check`: the model is built without its checks.
            config = CommandFileConfig.model_construct(path=path, device="inverter", interval=INTERVAL, tries=10, log=None)
            clock = VirtualClock()
            commands = CommandFile(config, writer(install, daily_budget=1000), clock)
            running = asyncio.create_task(commands.run())
            try:
                await clock.run_for(INTERVAL * 4)  # five looks
                assert not running.done(), running
            finally:
                running.cancel()
                await asyncio.gather(running, return_exceptions=True)
            assert snapshot(path, tmp_path) == before
            assert not os.path.lexists(commands.taken)
            assert [r.address for r in server(site, "inverter").requests if r.function in WRITES] == []
    refusals = [r.getMessage() for r in caplog.records if r.getMessage().startswith("command file refused")]
    assert len(refusals) == 1 and str(path) in refusals[0], refusals  # once, not once per look
    assert commands.status()["state"] == "refused"
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize("obstacle", ["read-only file system", "immutable file"])
async def test_a_file_that_cannot_be_taken_is_one_line_and_the_health_of_the_service(tmp_path, obstacle, caplog):
    """EROFS (a read-only tmpfs) and EPERM (chattr +i): the daemon runs on, says it once, sends nothing."""
    with tmpfs(tmp_path / "ro") as disk:
        path = disk / "inverter_cmd.lst"
        path.write_text("20105=>0\n")
        path.chmod(0o600)
        if obstacle == "read-only file system":
            subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
            expected = "Read-only file system"
        else:
            subprocess.run(["chattr", "+i", str(path)], check=True)
            expected = "Operation not permitted"
        try:
            config = site_config(tmp_path, [inverter(tmp_path, poll_interval=0.2, slow_interval=0.2)],
                                 command_file={"path": str(path), "device": "inverter", "interval": 0.05})
            plant = Plant(config.plant, start=NIGHT)
            plant.step(120)
            site = SimulatedSite(config, plant)
            await site.start()
            sim = site.server_of["inverter"]
            daemon = Daemon(config)
            running = asyncio.create_task(daemon.run())
            try:
                await asyncio.sleep(1.5)  # ~30 looks
                health = daemon.health()["service:command file"]
            finally:
                running.cancel()
                await asyncio.gather(running, return_exceptions=True)
                await site.stop()
        finally:
            if obstacle == "immutable file":
                subprocess.run(["chattr", "-i", str(path)], check=True)
        assert path.read_text() == "20105=>0\n" and not os.path.lexists(disk / "inverter_cmd.lst.taken")
    lines = [r.getMessage() for r in caplog.records if "cannot be taken" in r.getMessage()]
    assert len(lines) == 1 and expected in lines[0], lines
    assert health["state"] == "failing" and expected in health["last_error"]
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]
    assert [r.address for r in sim.requests if r.function in WRITES] == [] and len(sim.requests) > 5  # polled on
    assert plant.settings.grid_connected is True


async def test_a_file_swapped_for_a_directory_during_the_take_is_put_back(tmp_path, monkeypatch, caplog):
    """Between the check and the rename someone puts a directory at the path: it is moved back, never run or removed."""
    async with simulated(site_config(tmp_path, [inverter(tmp_path)])) as (plant, site, install):
        path = tmp_path / "inverter_cmd.lst"
        path.write_text("20105=>0\n")
        path.chmod(0o600)
        commands = CommandFile(CommandFileConfig(path=path, device="inverter"), writer(install), VirtualClock())
        real_rename = os.rename

        def swap_then_rename(src, dst):
            if Path(src) == path and path.is_file():
                path.unlink()
                path.mkdir()
                (path / "keep.txt").write_text("x")
            return real_rename(src, dst)

        monkeypatch.setattr("solarctl.control.command_file.os.rename", swap_then_rename)
        assert await commands.process() == []
        assert (path / "keep.txt").read_text() == "x" and not os.path.lexists(commands.taken)
        assert [r.address for r in server(site, "inverter").requests if r.function in WRITES] == []
    assert any("was replaced while it was being taken" in r.getMessage() for r in caplog.records)


async def test_a_taken_file_that_cannot_be_removed_runs_once_and_is_said_once(tmp_path, caplog):
    """A file taken before a crash, in a directory that no longer lets names go (chattr +a: EPERM on unlink):
    its line runs once, the failed removal is one line and the health, and later looks never run it again."""
    async with simulated(site_config(tmp_path, [inverter(tmp_path)])) as (plant, site, install):
        with tmpfs(tmp_path / "cmd") as disk:
            taken = disk / "inverter_cmd.lst.taken"
            taken.write_text("20105=>0\n")
            taken.chmod(0o600)
            subprocess.run(["chattr", "+a", str(disk)], check=True)
            try:
                clock = VirtualClock()
                commands = CommandFile(CommandFileConfig(path=disk / "inverter_cmd.lst", device="inverter",
                                                         interval=INTERVAL), writer(install, daily_budget=1000), clock)
                running = asyncio.create_task(commands.run())
                try:
                    async with asyncio.timeout(30):
                        while plant.settings.grid_connected:  # the line ran (the pty answers in real time)
                            await clock.run_for(INTERVAL)
                            await asyncio.sleep(0.05)
                    for _ in range(4):  # four more looks
                        await clock.run_for(INTERVAL)
                        await asyncio.sleep(0.05)
                    assert not running.done(), running
                finally:
                    running.cancel()
                    await asyncio.gather(running, return_exceptions=True)
            finally:
                subprocess.run(["chattr", "-a", str(disk)], check=True)
            assert taken.exists()
        assert [r.address for r in server(site, "inverter").requests if r.function in WRITES] == [20105]
    stuck = [r.getMessage() for r in caplog.records if "cannot remove" in r.getMessage()]
    assert len(stuck) == 1 and "Operation not permitted" in stuck[0] and "remove it by hand" in stuck[0], stuck
    assert commands.status()["state"] == "failing"
    assert not [r for r in caplog.records if r.exc_info]
