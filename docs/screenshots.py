"""Regenerate the README's screenshots of the web page: `solarctl demo` of each site, its page in headless Chromium
(the Debian package) at 1280 px, once the page has live values, history and a few rows of audit.

    .venv/bin/python docs/screenshots.py   # writes docs/web-page.png (solar-station) and docs/web-page-scp.png
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from playwright.async_api import async_playwright

CHROMIUM = "/usr/bin/chromium"
HERE = Path(__file__).parent
SHOTS = {"solar-station": HERE / "web-page.png", "scp": HERE / "web-page-scp.png"}
WARM_UP_S = 45  # a demo minute is an hour of plant time: some history and a strategy write to show


async def shoot(site: str, path: Path) -> None:
    demo = await asyncio.create_subprocess_exec(sys.executable, "-m", "solarctl", "demo", "--site", site,
                                                "--duration", str(WARM_UP_S + 60), stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    try:
        url = None
        async with asyncio.timeout(60):
            while url is None:
                line = (await demo.stdout.readline()).decode()
                if not line:
                    raise RuntimeError(f"the {site} demo stopped before printing its address")
                url = (m := re.search(r"http://127\.0\.0\.1:\d+", line)) and m.group(0)
        asyncio.get_running_loop().create_task(demo.stdout.read())  # keep its pipe drained
        await asyncio.sleep(WARM_UP_S)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(url)
            await page.wait_for_selector("[data-metric]", timeout=15_000)
            await page.wait_for_timeout(3000)
            await page.screenshot(path=str(path), full_page=True)
            await browser.close()
        print(f"{path}: {site}")
    finally:
        if demo.returncode is None:
            demo.terminate()
        await demo.wait()


async def main() -> None:
    for site, path in SHOTS.items():
        await shoot(site, path)


if __name__ == "__main__":
    asyncio.run(main())
