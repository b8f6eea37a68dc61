"""`kill -9` of `solarctl sim` (issue 15): nothing of it keeps running (the serial cable is made in-process,
no socat), the next simulator replaces its stale links, and a simulator that is still running keeps its own
links: a second one is refused instead of taking them over."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from tests.api.rig import solarctl


def session_members(sid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid:  # field 6 of /proc/PID/stat: the session id
                members.append(int(entry.name))
    return members


async def start_sim(config: Path, port: Path) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "solarctl", "sim", "--config", str(config),
                                                stderr=asyncio.subprocess.DEVNULL, start_new_session=True)
    async with asyncio.timeout(20):
        while not (port.exists() and Path(f"{port}.lock").exists()):
            assert proc.returncode is None, "the simulator did not start"
            await asyncio.sleep(0.05)
    return proc


async def test_a_killed_sim_leaves_nothing_running_and_its_links_are_replaced(tmp_path):
    port = tmp_path / "ttyUSB0"
    config = tmp_path / "site.toml"
    config.write_text(f'[general]\ndata_dir = "{tmp_path}/data"\n\n[[device]]\nname = "battery"\n'
                      f'driver = "pylontech_console"\nport = "{port}"\nwakeup = "never"\ntimeout = 1.0\n')
    first = await start_sim(config, port)
    os.kill(first.pid, signal.SIGKILL)
    await first.wait()
    assert session_members(first.pid) == []  # no helper left behind
    assert os.path.islink(port) and not os.path.exists(port)  # a stale link to a pty that is gone

    second = await start_sim(config, port)
    try:
        code, out, err = await solarctl("read", "--config", str(config), "--json")
        assert code == 0 and "soc" in json.loads(out)["devices"]["battery"], err
        code, out, err = await solarctl("sim", "--config", str(config))  # while the second one runs
        assert code == 1 and f"another simulator serves {port}" in err and "Traceback" not in err
        code, out, err = await solarctl("read", "--config", str(config), "--json")
        assert code == 0, err  # its links are still its own
    finally:
        second.send_signal(signal.SIGTERM)
        async with asyncio.timeout(20):
            await second.wait()
    assert not os.path.lexists(port) and not os.path.lexists(f"{port}.lock")
