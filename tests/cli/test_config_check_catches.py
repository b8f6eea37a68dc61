"""Every bad config measured in issue 15 fails at `solarctl config check` (exit 2, one message naming the key and
the fix, no traceback) rather than later in the daemon, and a UTF-8 byte order mark is no reason to refuse one."""

import subprocess
import sys

import pytest

XW = '[[device]]\nname = "xw"\ndriver = "conext_xw"\nhost = "h"\n'
BAT = '[[device]]\nname = "bat"\ndriver = "pylontech_console"\nport = "/dev/ttyS9"\n'
STRATEGY = '[[strategy]]\nname = "soc_band"\ninverter = "xw"\nbattery = "bat"\n'


def pv1800(unit: str) -> str:
    return f'[[device]]\nname = "inv"\ndriver = "must_pv1800"\nport = "/dev/ttyUSB0"\nunit = {unit}\n'


def two_ways(tmp_path) -> str:
    (tmp_path / "rs485").symlink_to("/dev/ttyUSB0")
    return (f'[[device]]\nname = "inv"\ndriver = "must_pv1800"\nport = "/dev/ttyUSB0"\nbaudrate = 19200\n'
            f'[[device]]\nname = "bms"\ndriver = "jk_pb"\nport = "{tmp_path}/rs485"\nbaudrate = 115200\n')


# name -> (config text (or a function of tmp_path giving it), what the one message must say)
BAD = {
    "not UTF-8": (lambda tmp: b'[general]\nlog_level = "d\xe9bug"\n', ["line 2", "not UTF-8", "save the file as UTF-8"]),
    "database port not a number": ('[storage]\nurl = "mysql+pymysql://u:p@host:notaport/x"\n',
                                   ["storage.url", "port", "u:***@host", "HOST:PORT"]),
    "data_dir is a file": (lambda tmp: f'[general]\ndata_dir = "{tmp / "bad.toml"}"\n',
                           ["general.data_dir", "is not a directory", "give a directory"]),
    "log_file is a directory": (lambda tmp: f'[general]\nlog_file = "{tmp}"\n',
                                ["general.log_file", "is a directory", "give a file in it"]),
    "nan in on_stop": (XW + BAT + STRATEGY + "on_stop = {low_battery_cut_out = nan}\n",
                       ["on_stop.low_battery_cut_out", "nan", "give a number"]),
    "on_stop out of the register's range": (XW + BAT + STRATEGY + "on_stop = {low_battery_cut_out = 450}\n",
                                            ["on_stop.low_battery_cut_out", "outside the valid range 45 to 49 V"]),
    "on_start names no setting": (XW + BAT + STRATEGY + "on_start = {cut_out = 45.5}\n",
                                  ["on_start.cut_out", "has no setting 'cut_out'", "low_battery_cut_out"]),
    "unit = true": (XW + "unit = true\n", ["(name 'xw').unit", "expected a valid integer, got true"]),
    'poll_interval = "5"': (XW + 'poll_interval = "5"\n', ["(name 'xw').poll_interval", "expected a valid number, got '5'"]),
    "unit = 4.0": (pv1800("4.0"), ["(name 'inv').unit", "expected a valid integer, got 4.0"]),
    "PV1800 unit 0": (pv1800("0"), ["(name 'inv').unit", "got 0", "1 to 247"]),
    "PV1800 unit 248": (pv1800("248"), ["(name 'inv').unit", "got 248", "1 to 247"]),
    "PV1800 unit 255": (pv1800("255"), ["(name 'inv').unit", "got 255", "1 to 247"]),
    "JK unit 99": ('[[device]]\nname = "bms"\ndriver = "jk_pb"\nport = "/dev/ttyUSB0"\nunit = 99\n',
                   ["(name 'bms').unit", "got 99", "DIP-switch address, 1 to 15"]),
    "empty host": ('[[device]]\nname = "xw"\ndriver = "conext_xw"\nhost = ""\n', ["(name 'xw').host", 'host = "192.168.1.20"']),
    "one port written with //": (pv1800("4") + '[[device]]\nname = "bms"\ndriver = "jk_pb"\nport = "/dev//ttyUSB0"\n',
                                 ["'/dev/ttyUSB0' and '/dev//ttyUSB0' are one serial port", "write it the same way"]),
    "one port through a symlink": (two_ways, ["are one serial port (/dev/ttyUSB0)", "write it the same way"]),
    "greedy_offgrid on a device it cannot take off the grid": (
        XW + BAT + '[[strategy]]\nname = "greedy_offgrid"\ninverter = "bat"\n',
        ["greedy_offgrid needs an inverter with the capability grid_connection or grid_support or output_priority",
         "bat (pylontech_console) does not have"]),
    "battery_guard action by a capability no battery has": (
        XW + BAT + '[[strategy]]\nname = "battery_guard"\n'
                   'actions = { cell_low = { capability = "discharge_switch", value = false, restore = true } }\n',
        ["battery_guard's cell_low action needs the capability 'discharge_switch'", "bat (pylontech_console)"]),
    "missing driver": ('[[device]]\nname = "x"\nhost = "h"\n', ["required key 'driver' is missing", "'jk_pb'"]),
}


def check(path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "solarctl", "config", "check", "--config", str(path)],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("config, expected", BAD.values(), ids=list(BAD))
def test_a_bad_config_fails_the_check_with_one_message(tmp_path, config, expected):
    path = tmp_path / "bad.toml"
    path.write_text("")  # exists before the config is made: one case names it as its data_dir
    text = config(tmp_path) if callable(config) else config
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = check(path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    header, *messages = result.stderr.strip().splitlines()
    assert header == "solarctl: config error:" and len(messages) == 1, result.stderr
    for text in expected:
        assert text in messages[0]


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + XW.encode())
    result = check(path)
    assert result.returncode == 0, result.stderr
    assert "OK, 1 device(s): xw" in result.stdout  # OK goes to stdout (issue 15 item 5)
