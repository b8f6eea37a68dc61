"""The page in headless Chromium (the Debian package; never `playwright install`) against `solarctl run`
polling simulators: live numbers change with the plant and agree with `solarctl read --json`, a history
chart has data, a wrong password is refused, and a change after login reaches the simulator and the audit."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from playwright.async_api import async_playwright

from tests.api.rig import solarctl
from tests.web.rig import PASSWORD, USER, web_site

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="chromium is not installed (scripts/setup --test)")


async def page_value(page, device: str, metric: str) -> float:
    return float(await page.get_attribute(f'[data-device="{device}"][data-metric="{metric}"]', "data-value"))


async def eventually(check, seconds: float = 10.0, step: float = 0.2):
    """Poll `check` (async, returns a truthy value when done) until it passes or time is up."""
    import asyncio

    async with asyncio.timeout(seconds):
        while not (result := await check()):
            await asyncio.sleep(step)
    return result


async def test_the_page_live_history_login_and_a_change_that_reaches_the_simulator(tmp_path):
    async with web_site(tmp_path, poll_interval=1.0) as rig, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(rig.url)
            voltage = '[data-device="bms1"][data-metric="voltage"]'
            await page.wait_for_selector(voltage, timeout=10_000)
            assert len(await page.query_selector_all('table.cells[data-device="bms1"] td[data-cell]')) == 16

            # live: the plant moves on from 21:00 to 07:00 (the sun charges the battery); the page follows
            before = await page_value(page, "bms1", "voltage")
            rig.plant.step(10 * 3600)
            await eventually(lambda: _differs(page, before), seconds=10)

            async def agrees():
                code, out, err = await solarctl("read", "--config", str(rig.config_path), "--json")
                assert code == 0, err
                polled = json.loads(out)["devices"]
                shown = [await page_value(page, "bms1", "voltage"), await page_value(page, "inverter", "battery_voltage")]
                return shown == [polled["bms1"]["voltage"], polled["inverter"]["battery_voltage"]]
            assert await eventually(agrees, seconds=10, step=0.5)
            assert (await page.text_content("#flow-load")).endswith(" W")
            assert await page.text_content('[data-sink="store"]') == "store ok"

            # history: the minute rollup of today, drawn
            await page.select_option("#history-metric", "bms1/soc")
            async def charted():
                await page.dispatch_event("#history-period", "change")
                await page.wait_for_timeout(300)
                return int(await page.get_attribute("#history-chart", "data-points")) > 0
            await eventually(charted, seconds=20, step=1.0)

            # a wrong password is refused; the settings stay locked
            await page.fill("#login-user", USER)
            await page.fill("#login-password", "not the password")
            await page.click("#login-button")
            await page.wait_for_selector("#login-message:has-text('wrong user name or password')")
            assert await page.is_hidden("#settings-form")

            await page.fill("#login-password", PASSWORD)
            await page.click("#login-button")
            await page.wait_for_selector("#settings-form", state="visible")
            writes = _writes(rig)
            await page.select_option("#setting-name", "inverter/grid_connection")
            await page.fill("#setting-value", "off-grid")
            await page.click("#setting-apply")
            await page.wait_for_selector("#setting-message:has-text('written, read back OK')")
            assert _writes(rig) == writes + 1 and rig.plant.settings.grid_connected is False
            await page.wait_for_selector(f"#audit td:has-text('web:{USER}')")

            shot = os.environ.get("SOLARCTL_WEB_SCREENSHOT") or str(tmp_path / "page.png")
            await page.screenshot(path=shot, full_page=True)
            assert open(shot, "rb").read(8) == b"\x89PNG\r\n\x1a\n"

            # readable on a phone: one column, nothing wider than the screen
            await page.set_viewport_size({"width": 390, "height": 844})
            await page.wait_for_timeout(200)
            assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            await browser.close()


async def _differs(page, before: float) -> bool:
    return await page_value(page, "bms1", "voltage") != before


def _writes(rig) -> int:
    return sum(1 for r in rig.site.server_of["inverter"].requests if r.function in (6, 16))
