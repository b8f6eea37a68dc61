"""The write budget counts devices, not spellings (issue 19): every route to one device shares one count.
Writes are counted where they land, in the request log of a `solarctl sim` subprocess (`--request-log`),
and made by `solarctl set` subprocesses with one config per spelling."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
import tomli_w

from solarctl.clock import SystemClock
from solarctl.config import load_config
from solarctl.control.ledger import AuditLedger
from solarctl.control.route_identity import route_aliases, usb_serial
from solarctl.devices.conext.describe import ConextXwConfig as ModbusTcpDevice
from solarctl.control.safe_write import SafeWriter
from solarctl.installation import Installation
from solarctl.sim.modbus_tcp_server import ModbusTcpServer
from tests.api.rig import solarctl
from tests.conftest import StaticGateway, free_port
from tests.mustjk.simulated import PLANT, inverter, packs, simulated, site_config

BUDGET = 2


def write_config(path: Path, devices: list[dict], budget_file: Path) -> Path:
    path.write_text(tomli_w.dumps({
        "general": {"data_dir": str(path.parent / f"data-{path.stem}")},
        "control": {"daily_write_budget": BUDGET, "budget_file": str(budget_file)},
        "device": devices, "plant": PLANT}))
    return path


@asynccontextmanager
async def simulator(config: Path, request_log: Path, ready: Path | None = None, port: int | None = None):
    """`solarctl sim` in a subprocess, until it serves (its TCP port answers or its serial port exists)."""
    log = open(config.parent / "sim.log", "ab")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "solarctl", "sim", "--config", str(config),
                                                "--request-log", str(request_log), stdout=asyncio.subprocess.DEVNULL,
                                                stderr=log, start_new_session=True)
    log.close()
    try:
        async with asyncio.timeout(30):
            while True:
                assert proc.returncode is None, (config.parent / "sim.log").read_text()
                if ready is not None and ready.exists():
                    break
                if port is not None:
                    try:
                        _, writer = await asyncio.open_connection("127.0.0.1", port)
                        writer.close()
                        break
                    except OSError:
                        pass
                await asyncio.sleep(0.1)
        yield
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        async with asyncio.timeout(30):
            await proc.wait()


def logged_writes(request_log: Path) -> list[str]:
    return [line for line in request_log.read_text().splitlines() if " fc=6 " in line or " fc=16 " in line]


async def test_three_spellings_of_one_host_share_one_budget(tmp_path):
    port = free_port()
    budget_file = tmp_path / "write_budget.jsonl"
    xw = {"name": "xw", "driver": "conext_xw", "port": port, "timeout": 1.0}
    sim_config = write_config(tmp_path / "sim.toml", [{**xw, "host": "127.0.0.1"}], budget_file)
    configs = [write_config(tmp_path / f"{name}.toml", [{**xw, "host": host}], budget_file)
               for name, host in [("dotted", "127.0.0.1"), ("name", "localhost"), ("short", "127.1")]]
    request_log = tmp_path / "requests.log"
    async with simulator(sim_config, request_log, port=port):
        codes = []
        for config, value in zip(configs * 2, ("1.5", "2.5", "3.0", "3.5", "4.0", "4.5")):  # 6 changes, budget 2
            code, out, err = await solarctl("set", "--config", str(config), "xw.low_battery_cut_out_hysteresis", value)
            codes.append(code)
            assert code in (0, 2) and "Traceback" not in err, err
            if code == 2:
                assert "budget used up (2 of 2" in err, err
    assert codes.count(0) == BUDGET, codes
    assert len(logged_writes(request_log)) == BUDGET, logged_writes(request_log)


async def test_a_symlinked_serial_port_shares_the_budget_of_its_target(tmp_path):
    budget_file = tmp_path / "write_budget.jsonl"
    device = inverter(tmp_path, timeout=1.0)
    sim_config = write_config(tmp_path / "sim.toml", [device], budget_file)
    alias = tmp_path / "ttyRS485"
    alias.symlink_to(device["port"])  # as a udev rule's stable name for the adapter
    direct = write_config(tmp_path / "direct.toml", [device], budget_file)
    linked = write_config(tmp_path / "linked.toml", [{**device, "port": str(alias)}], budget_file)
    request_log = tmp_path / "requests.log"
    async with simulator(sim_config, request_log, ready=Path(device["port"])):
        codes = []
        for config, value in [(direct, "41"), (linked, "42"), (linked, "43"), (direct, "44")]:
            code, out, err = await solarctl("set", "--config", str(config), "inverter.battery_low_voltage", value)
            assert code in (0, 2) and "Traceback" not in err, err
            codes.append(code)
    assert codes == [0, 0, 2, 2], codes
    assert len(logged_writes(request_log)) == BUDGET, logged_writes(request_log)


async def test_a_device_reached_through_two_gateways_is_counted_by_its_serial_number(tmp_path):
    """One XW behind two gateways (two ports, the same unit and registers): no spelling links the routes,
    the serial number the XW reports (Hardware Serial Number, 0x002B) does."""
    async with StaticGateway(units=(10,)) as first:
        second = ModbusTcpServer(first.units, port=0)
        await second.start()
        try:
            budget_file = tmp_path / "write_budget.jsonl"
            outcomes = []
            for server, value in [(first, 1.5), (second, 2.5), (second, 3.0), (first, 3.5)]:
                config = write_config(tmp_path / f"site{server.port}.toml", [
                    {"name": "xw", "driver": "conext_xw", "host": "127.0.0.1", "port": server.port, "timeout": 1.0}],
                    budget_file)
                cfg = load_config(config)
                site = Installation(cfg, SystemClock())
                writer = SafeWriter(site, AuditLedger(None), SystemClock(), daily_budget=BUDGET, budget_file=budget_file)
                try:
                    outcomes.append((await writer.write("xw", "low_battery_cut_out_hysteresis", value)).outcome)
                finally:
                    await site.close()
            writes = [r for s in (first, second) for r in s.requests if r.function in (6, 16)]
        finally:
            await second.stop()
    assert outcomes == ["written", "written", "rejected", "rejected"], outcomes
    assert len(writes) == BUDGET


async def test_routes_alone_join_spellings_of_one_host_and_a_symlinked_port(tmp_path):
    """Without any serial number reported: the aliases of the routes themselves meet."""
    tcp = [SimpleNamespace(driver="conext_xw", config=ModbusTcpDevice(name="xw", driver="conext_xw", host=host, port=502))
           for host in ("127.0.0.1", "localhost", "127.1")]
    aliases = [await route_aliases(device) for device in tcp]
    assert all("tcp:127.0.0.1:502#10" in names for names in aliases), aliases
    other = SimpleNamespace(driver="conext_xw", config=ModbusTcpDevice(name="xw", driver="conext_xw", host="127.0.0.2", port=502))
    assert not (await route_aliases(other)) & aliases[0]
    target = tmp_path / "ttyUSB0"
    target.touch()
    (tmp_path / "rs485").symlink_to(target)
    serial = [SimpleNamespace(driver="must_pv1800", config=SimpleNamespace(port=str(port), unit=4))
              for port in (target, tmp_path / "rs485")]
    first, second = [await route_aliases(device) for device in serial]
    assert f"serial:{target}#4" in first & second


def test_the_usb_serial_number_of_an_adapter_is_found_in_sysfs(tmp_path):
    """The sysfs layout of an FTDI adapter (no USB adapter can be plugged in here: the tree is made by hand,
    as /sys shows it); a pty has no entry, hence no USB identity."""
    usb = tmp_path / "sys/devices/pci0000:00/0000:00:14.0/usb1/1-2"
    port = usb / "1-2:1.0/ttyUSB0"
    (port / "tty/ttyUSB0").mkdir(parents=True)
    for name, text in [("serial", "A10KQ3RB\n"), ("idVendor", "0403\n"), ("idProduct", "6001\n")]:
        (usb / name).write_text(text)
    (tmp_path / "sys/class/tty").mkdir(parents=True)
    (tmp_path / "sys/class/tty/ttyUSB0").symlink_to(port / "tty/ttyUSB0")
    (port / "tty/ttyUSB0/device").symlink_to(port)
    assert usb_serial("/dev/ttyUSB0", sysfs=tmp_path / "sys") == "usb:0403:6001:A10KQ3RB:1.0"
    assert usb_serial("/dev/pts/3", sysfs=tmp_path / "sys") is None


@pytest.mark.parametrize("protocol", ["modbus", "55aa"])
async def test_the_pv1800_and_jk_packs_report_their_serial_numbers(tmp_path, protocol):
    """What the budget counts a PV1800 and a JK pack by, read from their simulators over the pty bus; a JK on
    the 4E57 protocol reports none (its route is all the budget has)."""
    config = site_config(tmp_path, [inverter(tmp_path), *packs(tmp_path, protocol, units=(1, 2))])
    async with simulated(config) as (plant, site, install):
        reported = {name: await device.serial_number(install.link(name)) for name, device in install.devices.items()}
    assert reported["inverter"] == str(0x18504802)
    assert reported["bms1"] and reported["bms2"] and reported["bms1"] != reported["bms2"], reported
