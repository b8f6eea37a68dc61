"""What solarctl keeps is private (issue 19): a real `solarctl run` under umask 022 (root's) makes its data dir
0700 and every file in it 0600 (database and its -wal/-shm, spool and checkpoint, audit ledger, budget file,
strategy state, lock, log, command-file log), so an unprivileged user (`nobody`, by setuid in a child) reads
none of them; with `[general] group` the dir is 2750 and the files 0640, owned by that group.

The tree is built under a 0755 directory in /tmp (pytest's own temp dir is 0700, which would hide everything
from `nobody` and prove nothing); a public file beside it shows the probe can read what is readable."""

from __future__ import annotations

import asyncio
import contextlib
import grp
import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from solarctl.config import ConfigError, validate_config
from tests.api.rig import running_site, solarctl
from tests.api.test_alerts_audit_cli import GUARD

GROUP = "backup"  # a group every Debian machine has
EXPECTED = {"solarctl.db", "solarctl.db-wal", "solarctl.db-shm", "audit.jsonl", "write_budget.jsonl", "daemon.lock",
            "solarctl.log", "spool/checkpoint", "inverter_cmd.lst.log"}
NOBODY_READS = """
import os, sys
os.setgroups([]); os.setgid(65534); os.setuid(65534)
readable = []
for path in sys.argv[1:]:
    try:
        with open(path, "rb") as fh:
            fh.read(1)
        readable.append(path)
    except OSError:
        pass
print("\\n".join(readable))
"""


@contextlib.contextmanager
def public_base():
    base = Path(tempfile.mkdtemp(prefix="solarctl-private-"))
    base.chmod(0o755)
    old = os.umask(0o022)
    try:
        yield base
    finally:
        os.umask(old)
        shutil.rmtree(base)


def readable_by_nobody(paths: list[Path]) -> list[str]:
    result = subprocess.run([sys.executable, "-c", NOBODY_READS, *map(str, paths)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def files_under(root: Path) -> dict[str, os.stat_result]:
    found = {}
    for top, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(top, name)
            found[str(path.relative_to(root))] = os.lstat(path)
    return found


@pytest.mark.parametrize("group", [None, GROUP])
async def test_every_file_the_daemon_makes_is_private_under_umask_022(tmp_path, group):
    with public_base() as base:
        data = base / "data"
        probe = base / "public.txt"
        probe.write_text("readable")
        general = {"data_dir": str(data), "log_file": str(data / "solarctl.log")} | ({"group": group} if group else {})
        async with running_site(tmp_path, 0.5, general=general, strategy=[GUARD],
                                command_file={"path": str(data / "inverter_cmd.lst"), "device": "inverter",
                                              "interval": 0.2}) as rig:
            code, out, err = await solarctl("set", "--config", str(rig.config_path), "inverter.grid_connection", "off-grid")
            assert code == 0, err
            (data / "inverter_cmd.lst").write_text("20105=>1\n")
            (data / "inverter_cmd.lst").chmod(0o600)
            async with asyncio.timeout(20):
                while not (data / "inverter_cmd.lst.log").exists() or not (data / "spool" / "checkpoint").exists():
                    await asyncio.sleep(0.1)
            running = files_under(data)
        after = files_under(data)
        assert EXPECTED <= running.keys(), sorted(running)
        assert any(name.startswith("spool/") and name.endswith(".log") for name in running)
        wanted_dir, wanted_file = (0o2750, 0o640) if group else (0o700, 0o600)
        assert stat.S_IMODE(os.stat(data).st_mode) == wanted_dir
        for name, st in {**running, **after}.items():
            if name.startswith("inverter_cmd.lst") and not name.endswith(".log"):
                continue  # the command file is the test's (written 0600), not solarctl's
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISDIR(st.st_mode):
                assert mode & 0o7777 == (0o2750 if group else 0o700), (name, oct(mode))
            elif stat.S_ISSOCK(st.st_mode):
                assert mode == 0o600, name
            else:
                assert mode == wanted_file, (name, oct(mode))
            if group:
                assert st.st_gid == grp.getgrnam(GROUP).gr_gid, name
        regular = [data / name for name, st in after.items() if stat.S_ISREG(st.st_mode)]
        assert len(regular) >= 6
        assert readable_by_nobody([probe, *regular]) == [str(probe)]  # the probe works; nothing of solarctl's is read


def test_an_existing_data_dir_of_an_older_version_is_made_private(tmp_path):
    from solarctl.private_files import prepare_data_dir

    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "audit.jsonl").write_text("")
    (data / "inverter_cmd.lst.log").write_text("")
    prepare_data_dir(data, None, ("inverter_cmd.lst",))
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700


def test_a_directory_shared_with_other_programs_keeps_its_mode(tmp_path, caplog):
    """`data_dir = "/var/lib"` must not take /var/lib from every other service: its mode stays, with a warning."""
    from solarctl.private_files import prepare_data_dir

    caplog.set_level(logging.WARNING, logger="solarctl")
    shared = tmp_path / "lib"
    shared.mkdir(mode=0o755)
    (shared / "postgresql").mkdir()
    (shared / "audit.jsonl").write_text("")
    prepare_data_dir(shared, None)
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o755
    assert "is shared with other files (postgresql)" in caplog.text


def test_the_group_must_exist(tmp_path):
    with pytest.raises(ConfigError, match=r"general.group: 'no-such-group' is not a group on this machine; create it"):
        validate_config({"general": {"data_dir": str(tmp_path), "group": "no-such-group"}})


def test_state_files_of_every_kind_are_private_under_umask_022(tmp_path):
    """strategies/NAME.json, pending_restores.json, telegram_sent.json, mqtt_discovery.json: one StateFile each."""
    from solarctl.control.state_file import StateFile
    from solarctl.publish.mqtt_announced import AnnouncedTopics
    from solarctl.telegram.sent import SentRecord

    old = os.umask(0o022)
    try:
        StateFile(tmp_path / "data" / "strategies" / "soc_band.json").save({"on": True})
        StateFile(tmp_path / "data" / "pending_restores.json").save([])
        for record in (SentRecord(tmp_path / "data" / "telegram_sent.json"),
                       AnnouncedTopics(tmp_path / "data" / "mqtt_discovery.json")):
            record.file.save({"x": 1})
    finally:
        os.umask(old)
    modes = {name: stat.S_IMODE(st.st_mode) for name, st in files_under(tmp_path / "data").items()}
    assert modes == {"strategies": 0o700, "strategies/soc_band.json": 0o600, "pending_restores.json": 0o600,
                     "telegram_sent.json": 0o600, "mqtt_discovery.json": 0o600}, {k: oct(v) for k, v in modes.items()}
