"""What stops `sim`, `demo` or `run` from starting is one sentence with its fix on stderr, exit status 1,
never a traceback. Root may write almost anywhere, so "not writable" is a path under /sys, where nobody may
create files."""

import socket
import subprocess
import sys

import pytest

UNWRITABLE = "/sys/solarctl-test"


def solarctl(*args, env=None):
    return subprocess.run([sys.executable, "-m", "solarctl", *args], capture_output=True, text=True, timeout=60,
                          env=env)


def assert_one_sentence(result, command: str, *phrases: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"solarctl {command}: "), result.stderr
    for phrase in phrases:
        assert phrase in lines[0]


def config(tmp_path, text: str):
    path = tmp_path / "site.toml"
    path.write_text(f'[general]\ndata_dir = "{tmp_path}/data"\n\n{text}')
    return path


def console_at(port_path) -> str:
    return f'[[device]]\nname = "battery"\ndriver = "pylontech_console"\nport = "{port_path}"\n'


def test_sim_tcp_port_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cfg = config(tmp_path, f'[[device]]\nname = "xw"\ndriver = "conext_xw"\nhost = "127.0.0.1"\nport = {port}\n')
        result = solarctl("sim", "--config", str(cfg))
    assert_one_sentence(result, "sim", f"port {port} is already in use", "give these devices a free port")


@pytest.mark.parametrize("port_path, reason", [
    ("{tmp}/no-such-dir/ttyUSB0", "No such file or directory"),
    (f"{UNWRITABLE}-ttyUSB0", ""),  # EPERM for root, EACCES for others
])
def test_sim_serial_path_that_cannot_be_made(tmp_path, port_path, reason):
    port_path = port_path.format(tmp=tmp_path)
    result = solarctl("sim", "--config", str(config(tmp_path, console_at(port_path))))
    assert_one_sentence(result, "sim", f"cannot create the simulated serial port {port_path}", reason,
                        "set the device's port to a path in a writable directory")


def test_sim_refuses_to_shadow_a_real_device(tmp_path):
    device = tmp_path / "ttyUSB0"
    device.write_text("not a simulator link")
    result = solarctl("sim", "--config", str(config(tmp_path, console_at(device))))
    assert_one_sentence(result, "sim", f"{device} exists", "refusing to shadow a real device")
    assert device.read_text() == "not a simulator link"


def test_sim_request_log_not_writable(tmp_path):
    cfg = config(tmp_path, console_at(tmp_path / "ttyUSB0"))
    result = solarctl("sim", "--config", str(cfg), "--request-log", f"{UNWRITABLE}/requests.log")
    assert_one_sentence(result, "sim", "cannot write the request log", "give --request-log a path")


def test_sim_missing_weather_package(tmp_path):
    # A pvlib that cannot be imported stands in for one that is not installed.
    (tmp_path / "pvlib").mkdir()
    (tmp_path / "pvlib" / "__init__.py").write_text("raise ImportError('not installed')\n")
    cfg = config(tmp_path, console_at(tmp_path / "ttyUSB0") + '\n[plant]\nweather = "pvlib"\n')
    result = solarctl("sim", "--config", str(cfg), env={"PYTHONPATH": str(tmp_path), "PATH": "/nonexistent"})
    assert_one_sentence(result, "sim", "'pvlib', which is not installed", "pip install 'solarctl[weather]'")


def test_demo_data_dir_not_writable():
    result = solarctl("demo", "--data-dir", f"{UNWRITABLE}/demo", "--duration", "5")
    assert_one_sentence(result, "demo", f"the demo's data directory {UNWRITABLE}/demo is not writable",
                        "pass --data-dir a directory this user may write")


def test_demo_data_dir_under_a_file(tmp_path):
    (tmp_path / "file").write_text("")
    result = solarctl("demo", "--data-dir", str(tmp_path / "file" / "demo"), "--duration", "5")
    assert_one_sentence(result, "demo", "is not writable (Not a directory)")


def test_run_data_dir_not_writable(tmp_path):
    cfg = tmp_path / "site.toml"
    cfg.write_text(f'[general]\ndata_dir = "{UNWRITABLE}"\n')
    result = solarctl("run", "--config", str(cfg))
    assert_one_sentence(result, "run", f"the data directory {UNWRITABLE} is not writable",
                        f"set [general] data_dir in {cfg}")


def test_run_spool_dir_not_writable(tmp_path):
    cfg = config(tmp_path, f'[storage]\nspool_dir = "{UNWRITABLE}/spool"\n')
    result = solarctl("run", "--config", str(cfg))
    assert_one_sentence(result, "run", "the storage spool directory", "set [storage] spool_dir")


def test_run_log_file_not_writable(tmp_path):
    cfg = tmp_path / "site.toml"
    cfg.write_text(f'[general]\ndata_dir = "{tmp_path}/data"\nlog_file = "{UNWRITABLE}/solarctl.log"\n')
    result = solarctl("run", "--config", str(cfg))
    assert_one_sentence(result, "run", f"cannot write the log file {UNWRITABLE}/solarctl.log",
                        "set [general] log_file to a path")


def test_run_storage_url_that_is_not_a_url(tmp_path):
    cfg = config(tmp_path, '[storage]\nurl = "solarctl.db"\n')
    result = solarctl("run", "--config", str(cfg))
    assert_one_sentence(result, "run", "[storage] url 'solarctl.db' is not a database URL", "use sqlite:///PATH")
