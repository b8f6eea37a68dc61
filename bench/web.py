"""Benchmark: the web page of `solarctl run` with storage (SQLite), MQTT and the web app all on.

`solarctl sim` serves a Conext site (XW + 2 MPPT + ComBox) polled every `--interval` s; a mosquitto is
started here (127.0.0.1, free port, no persistence) for the MQTT sink. Headless Chromium (the Debian
package) then measures:
  - first load: navigation start until the first live value is on the page (the page, its script, the
    catalogue and the stream's snapshot), `--loads` fresh pages;
  - poll-to-page latency: from each sample's timestamp (taken when its poll starts, so the poll's own
    Modbus round trips are included) until the page has drawn it, over `--seconds` with one page open;
  - the daemon's RSS (psutil, every second) over that window.

Usage: .venv/bin/python bench/web.py [--seconds 30] [--interval 1] [--loads 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).parent))
from conext_poll import free_port, start_sim, wait_for_port, write_config  # noqa: E402
from mqtt_latency import start_broker  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def first_loads(browser, url: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        page = await browser.new_page()
        start = time.perf_counter()
        await page.goto(url)
        await page.wait_for_selector("[data-metric][data-value]")
        times.append(time.perf_counter() - start)
        await page.close()
    return times


async def measure(url: str, daemon: psutil.Process, seconds: float, loads: int) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            loads_s = await first_loads(browser, url, loads)
            page = await browser.new_page()
            await page.goto(url)
            await page.wait_for_selector("[data-metric][data-value]")
            await page.evaluate("window.solarctlLatencies.length = 0")
            rss = []
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                rss.append(daemon.memory_info().rss)
                await asyncio.sleep(1)
            latencies = await page.evaluate("window.solarctlLatencies")
        finally:
            await browser.close()
    print(f"First load (page, script, catalogue and live snapshot until a value shows), {loads} loads: "
          f"p50 {statistics.median(loads_s) * 1000:.0f} ms, max {max(loads_s) * 1000:.0f} ms (target < 1000 ms)")
    print(f"Poll-to-page latency over {seconds:.0f} s ({len(latencies)} device updates): "
          f"p50 {quantile(latencies, 0.5) * 1000:.0f} ms, p95 {quantile(latencies, 0.95) * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms")
    print(f"Daemon RSS with storage, MQTT and the web page (one page streaming): max {max(rss) / 2**20:.1f} MiB, "
          f"mean {statistics.mean(rss) / 2**20:.1f} MiB (target < 100 MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--loads", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="solarctl-bench-web-") as tmp:
        directory = Path(tmp)
        broker, mqtt_port = start_broker(directory)
        port, web_port = free_port(), free_port()
        config = write_config(directory, port, args.interval)
        with config.open("a") as fh:
            fh.write(f'\n[web]\nport = {web_port}\n\n[mqtt]\nhost = "127.0.0.1"\nport = {mqtt_port}\n')
        sim = start_sim(config, port)
        daemon = subprocess.Popen([sys.executable, "-m", "solarctl", "run", "--config", str(config)],
                                  stderr=subprocess.DEVNULL)
        try:
            wait_for_port(web_port)
            time.sleep(3)  # first polls
            asyncio.run(measure(f"http://127.0.0.1:{web_port}", psutil.Process(daemon.pid), args.seconds, args.loads))
        finally:
            for proc in (daemon, sim, broker):
                proc.terminate()
                proc.wait(10)


if __name__ == "__main__":
    main()
