"""`solarctl decode` reads only what a capture can be: a regular file of bounded size; its error messages quote
at most a few hundred characters of the input. Run as a subprocess, each bounded in time."""

import os
import subprocess
import sys

MAX_MESSAGE = 300 + 40  # the quoted part plus the note of the full length


def decode(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "solarctl", "decode", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "COLUMNS": "200"})


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "capture.hex"
    os.mkfifo(fifo)
    result = decode("jk-pb", str(fifo))
    assert result.returncode == 1
    assert "not a regular file" in result.stderr and "Traceback" not in result.stderr


def test_a_file_over_the_limit_is_refused_unread(tmp_path):
    big = tmp_path / "big.hex"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
    result = decode("jk-modbus", str(big))
    assert result.returncode == 1
    assert "larger than 1024 KiB" in result.stderr and "Traceback" not in result.stderr


def test_an_error_quotes_only_the_start_of_a_long_line(tmp_path):
    line = tmp_path / "line.txt"
    line.write_text("x" * 900_000 + "\nCommand completed successfully\n")  # its first line is quoted
    result = decode("pylontech-console", str(line))
    assert result.returncode == 1
    assert len(result.stderr) < len(str(line)) + 40 + MAX_MESSAGE and "characters)" in result.stderr
