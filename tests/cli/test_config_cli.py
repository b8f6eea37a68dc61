"""Config errors reach the user as one clear message with exit status 2, never a traceback."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from solarctl.config import ConfigError, parse_config

DATA = Path(__file__).parent.parent / "data" / "scp"


def solarctl(*args, **kw):
    return subprocess.run([sys.executable, "-m", "solarctl", *args], capture_output=True, text=True, timeout=60, **kw)


@pytest.mark.parametrize("toml, expected", [
    ('[[device]]\nname = "xw"\ndriver = "conext_xw"\nhots = "10.0.0.2"\n',
     ["device[0] (name 'xw').hots: unknown key 'hots'", "did you mean 'host'?", "missing connection setting 'host'"]),
    ('[[device]]\nname = "xw"\ndriver = "conext_xw"\nhost = "h"\nunit = "ten"\n',
     ["device[0] (name 'xw').unit: expected a valid integer", "got 'ten'"]),
    ('[[device]]\nname = "bms"\ndriver = "jk_pb"\nprotocol = "55aa"\n',
     ["missing connection setting 'port'", "/dev/ttyUSB0"]),
    ('[[device]]\nname = "x"\ndriver = "sma"\nhost = "h"\n', ["unknown driver 'sma'; expected one of: 'conext_xw'"]),
    ('[[device]]\nname = "xw"\ndriver = "conext_xw"\nhost = "h"\nport = 70000\n',
     ["device[0] (name 'xw').port: expected less than or equal to 65535, got 70000"]),
    ('[[device]]\nname = "a"\ndriver = "conext_mppt"\nhost = "h"\n[[device]]\nname = "b"\ndriver = "conext_mppt"\nhost = "h"\n',
     ["share unit 30"]),
    ('[[device]]\nname = "a"\ndriver = "conext_xw"\nhost = "h"\n[[device]]\nname = "a"\ndriver = "conext_mppt"\nhost = "h"\nunit = 31\n',
     ["two devices are named 'a'"]),
    ('[storage\nurl = 1', ["not valid TOML"]),
])
def test_bad_config_exits_2_naming_file_key_and_expectation(tmp_path, toml, expected):
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    result = solarctl("config", "check", "--config", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr
    for text in expected:
        assert text in result.stderr


def test_missing_config_file_is_a_clear_error(tmp_path):
    result = solarctl("read", "--config", str(tmp_path / "nope.toml"))
    assert result.returncode == 2 and "no such file" in result.stderr and "Traceback" not in result.stderr


def test_import_scp_converts_every_section():
    result = solarctl("config", "import-scp", str(DATA / "scp.cfg"))
    assert result.returncode == 0, result.stderr
    cfg = parse_config(result.stdout)  # the output is a valid solarctl config
    data = tomllib.loads(result.stdout)
    assert data["general"]["log_file"] == "/usr/local/Solar-Control-Program/var/scp.log"  # [LOG FILE]
    by_name = {d["name"]: d for d in data["device"]}
    assert by_name["xw"] == {"name": "xw", "driver": "conext_xw", "host": "192.168.0.210", "port": 502, "unit": 10, "poll_interval": 30.0}
    assert (by_name["mppt_west"]["unit"], by_name["mppt_east"]["unit"]) == (30, 31)
    assert by_name["battery"]["port"] == "/dev/ttyr00" and by_name["battery"]["modules"] == 6  # [PYLONTECH …]
    assert all(d["poll_interval"] == 30.0 for d in data["device"])  # the misspelt Cadance
    assert data["storage"]["url"].startswith("mysql+pymysql://grafanauser:") and data["storage"]["url"].endswith("@192.168.0.60/scpdata")
    strategy = cfg.strategy[0]
    assert (strategy.soc_high, strategy.soc_low, strategy.enabled) == (80, 20, True)
    assert strategy.on_start == {"low_battery_cut_out": 45.5, "low_battery_cut_out_hysteresis": 2.0}
    assert strategy.on_stop == {"low_battery_cut_out": 46.5, "low_battery_cut_out_hysteresis": 2.5, "load_shave": "Disable"}
    assert "BMS_log" in result.stdout and "Display = True" in result.stdout  # kept as explained comments


def test_import_scp_first_config_uses_scp_defaults_and_writes_a_private_file(tmp_path):
    out = tmp_path / "solarctl.toml"
    result = solarctl("config", "import-scp", str(DATA / "scp-first.cfg"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "modbus_address_xw is missing; using SCP's built-in 10" in result.stderr
    cfg = parse_config(out.read_text())
    assert cfg.device_named("battery").port == "/dev/ttyUSB0"  # quotes of the first format stripped
    assert cfg.strategy[0].soc_low == 40 and cfg.storage.url == ""  # no SQL section: built-in SQLite


def test_import_scp_password_file_is_private(tmp_path):
    out = tmp_path / "solarctl.toml"
    assert solarctl("config", "import-scp", str(DATA / "scp.cfg"), "-o", str(out)).returncode == 0
    assert out.stat().st_mode & 0o777 == 0o600


def test_import_scp_rejects_non_scp_files(tmp_path):
    bad = tmp_path / "x.cfg"
    bad.write_text("[COMMUNICATION SETTINGS]\nModbus_Host = h\n")
    result = solarctl("config", "import-scp", str(bad))
    assert result.returncode == 2 and "missing" in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(ConfigError):
        parse_config("[[device]]\nname='x'\ndriver='conext_xw'\nhost='h'\nunit=300\n")
