"""Where the page is served: `solarctl demo` prints its URL and serves it; `solarctl run` with its [web] port
taken stops at start with one sentence; `solarctl web-password` makes a hash the config accepts."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time

import httpx

from solarctl.config import parse_config
from tests.cli.test_startup_errors import assert_one_sentence, config, solarctl


def test_the_demo_prints_its_url_and_serves_the_scp_site_with_decoded_xw_modes(tmp_path):
    demo = subprocess.Popen([sys.executable, "-m", "solarctl", "demo", "--duration", "60", "--data-dir", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = None
        while url is None:
            line = demo.stdout.readline()
            assert line, "the demo ended without printing its URL"
            found = re.search(r"http://127\.0\.0\.1:\d+", line)
            url = found and found.group(0)
        deadline = time.monotonic() + 30
        while True:
            xw = httpx.get(f"{url}/api/latest", timeout=5).json()["devices"]["xw"]
            if xw["sampled_at"] or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert xw["driver"] == "conext_xw" and not xw["stale"] and isinstance(xw["values"]["inverter_status"], str)
        assert "<title>solarctl</title>" in httpx.get(url, timeout=5).text
    finally:
        demo.send_signal(signal.SIGINT)
        demo.communicate(timeout=30)


def test_run_with_its_web_port_taken_stops_with_one_sentence(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = solarctl("run", "--config", str(config(tmp_path, f"[web]\nport = {port}\n")))
    assert_one_sentence(result, "run", f"the web page cannot listen on 127.0.0.1:{port}", "set another [web] port")


def test_web_password_prints_a_hash_the_config_takes_and_refuses_a_short_one():
    made = subprocess.run([sys.executable, "-m", "solarctl", "web-password"], input="long enough secret\n",
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    hashed = made.stdout.strip()
    assert parse_config(f'[web]\nusers = {{ admin = "{hashed}" }}\n').web.users == {"admin": hashed}
    short = subprocess.run([sys.executable, "-m", "solarctl", "web-password"], input="short\n",
                           capture_output=True, text=True, timeout=60)
    assert short.returncode == 1 and "shorter than 8 characters" in short.stderr
