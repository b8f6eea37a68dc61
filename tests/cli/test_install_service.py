"""Issue 12 item 4, running as a service: `install-service --dry-run` prints a unit that systemd-analyze
accepts and a udev template for the config's serial names; logs suit the journal; SIGTERM stops `solarctl run`
cleanly, saying offline on MQTT."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

from tests.cli.test_config_cli import solarctl
from tests.conftest import StaticGateway
from tests.publish.mosquitto import Mosquitto, Recorder
from tests.store.conftest import need

SERIAL_SITE = """\
[[device]]
name = "inverter"
driver = "must_pv1800"
port = "/dev/ttyINV0"

[[device]]
name = "bms1"
driver = "jk_pb"
protocol = "55aa"
port = "/dev/ttyBMS0"
"""


def printed_files(stdout: str) -> dict[str, str]:
    """`--dry-run` prints each file after a `# PATH` line."""
    files: dict[str, list[str]] = {}
    current = None
    for line in stdout.splitlines():
        if line.startswith("# /etc/"):
            current = files.setdefault(line[2:], [])
        elif current is not None:
            current.append(line)
    return {path: "\n".join(lines) + "\n" for path, lines in files.items()}


def test_the_dry_run_unit_passes_systemd_analyze_verify(tmp_path):
    (tmp_path / "site.toml").write_text(SERIAL_SITE)
    result = solarctl("install-service", "--dry-run", "--config", str(tmp_path / "site.toml"))
    assert result.returncode == 0, result.stderr
    files = printed_files(result.stdout)
    unit = files["/etc/systemd/system/solarctl.service"]
    for line in ("User=solarctl", "SupplementaryGroups=dialout", "StateDirectory=solarctl", "Restart=on-failure",
                 "KillSignal=SIGTERM", "WantedBy=multi-user.target",
                 f"ExecStart={sys.executable} -m solarctl run --config {tmp_path / 'site.toml'}"):
        assert line in unit.splitlines(), line
    (tmp_path / "solarctl.service").write_text(unit)
    verify = subprocess.run([need("systemd-analyze", "systemd"), "verify", str(tmp_path / "solarctl.service")],
                            capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0 and "solarctl.service" not in verify.stderr, verify.stderr

    udev = files["/etc/udev/rules.d/99-solarctl-serial.rules"]
    rules = [line for line in udev.splitlines() if "SYMLINK" in line]
    assert {'SYMLINK+="ttyBMS0"', 'SYMLINK+="ttyINV0"'} <= {part.strip(",") for r in rules for part in r.split()}
    assert any("ATTRS{serial}" in r for r in rules) and any("KERNELS" in r for r in rules)  # by serial number or path
    assert all(r.startswith("#") for r in rules)  # a template: nothing matches until it is filled in


def test_installing_for_real_needs_root():
    if os.geteuid() == 0:
        return  # as root it would install on this machine
    result = solarctl("install-service", "--config", "/nonexistent.toml")
    assert result.returncode == 1 and "needs root" in result.stderr


def test_logs_under_systemd_carry_journal_priorities_and_no_timestamps(tmp_path):
    log = tmp_path / "stderr"
    with log.open("w") as err:
        stat = os.fstat(err.fileno())
        code = ("import logging; from solarctl.logs import setup_logging; setup_logging('info'); "
                "logging.getLogger('solarctl.x').warning('link down')")
        subprocess.run([sys.executable, "-c", code], stderr=err, timeout=30,
                       env={**os.environ, "JOURNAL_STREAM": f"{stat.st_dev}:{stat.st_ino}"})
    assert log.read_text() == "<4>solarctl.x: link down\n"


async def test_sigterm_stops_run_cleanly_and_says_offline_on_mqtt(tmp_path):
    broker = Mosquitto(tmp_path / "broker")
    broker.start()
    try:
        async with asyncio.timeout(40), StaticGateway(units=(10,)) as server, Recorder(broker.port) as rec:
            (tmp_path / "site.toml").write_text(
                f'[general]\ndata_dir = "{tmp_path / "data"}"\n\n[[device]]\nname = "xw"\ndriver = "conext_xw"\n'
                f'host = "127.0.0.1"\nport = {server.port}\nunit = 10\npoll_interval = 0.5\n\n'
                f'[mqtt]\nhost = "127.0.0.1"\nport = {broker.port}\n')
            proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "solarctl", "run", "--config",
                                                        str(tmp_path / "site.toml"), stderr=asyncio.subprocess.PIPE)
            await rec.wait_for(lambda: rec.on("solarctl/xw/availability")[-1:] == [b"online"], timeout=30)
            proc.send_signal(signal.SIGTERM)
            _, stderr = await proc.communicate()
            await rec.wait_for(lambda: rec.on("solarctl/status")[-1:] == [b"offline"])
        assert proc.returncode == 0, stderr.decode()
        assert rec.on("solarctl/xw/availability")[-1] == b"offline"
        assert b"Traceback" not in stderr
    finally:
        broker.stop()
