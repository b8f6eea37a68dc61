"""States are not shown as faults, the wide tables fit at 1280 px, and the settings form, in headless Chromium against `solarctl run` polling the simulated PV1800: after Apply the
chosen setting stays selected (it used to jump back to the first one, `inverter.offgrid_output`, with the typed
value still in the box), and a value that cuts power to the loads (offgrid_output = off) is sent only after a
confirm dialog; the API refuses it without `confirm`."""

from __future__ import annotations

import shutil

import pytest
from playwright.async_api import async_playwright

from tests.web.rig import PASSWORD, USER, web_site
from tests.web.test_page import CHROMIUM, _writes

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="chromium is not installed (scripts/setup --test)")


async def test_apply_keeps_the_setting_and_a_power_cut_needs_a_confirm(tmp_path):
    async with web_site(tmp_path, poll_interval=1.0) as rig, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(rig.url)
            # States are no faults: the PV1800's "LcdLightEnable" and the JK's "port is RS485" are shown plain,
            # among the modes; the catalogue says what each list of flags is
            catalogue = await page.evaluate("fetch('/api/catalogue').then((r) => r.json())")
            assert (catalogue["inverter"]["system_setting"]["flags"], catalogue["inverter"]["inverter_errors_1"]["flags"],
                    catalogue["inverter"]["inverter_warnings_1"]["flags"], catalogue["bms1"]["control_switches"]["flags"]) == \
                ("state", "fault", "warning", "state")
            for device, metric, shown in (("inverter", "system_setting", "LcdLightEnable"),
                                          ("bms1", "control_switches", "port is RS485 (clear: CAN)")):
                cell = f'[data-device="{device}"][data-metric="{metric}"]'
                await page.wait_for_selector(f"{cell}:has-text('{shown}')", timeout=15_000)
                row = await page.evaluate(f"document.querySelector('{cell}').closest('tr').className")
                assert "bad" not in row and "warn" not in row, (metric, row)
            # At 1280 px the audit and daily-energy tables show every column inside their box
            for table in ("#audit", "#energy"):
                fits = await page.evaluate("(sel) => { const t = document.querySelector(sel); "
                                           "return [t.scrollWidth, t.parentElement.clientWidth]; }", table)
                assert fits[0] <= fits[1], (table, fits)
            await page.fill("#login-user", USER)
            await page.fill("#login-password", PASSWORD)
            await page.click("#login-button")
            await page.wait_for_selector("#settings-form", state="visible")
            assert await page.input_value("#setting-name") == "inverter/offgrid_output"  # the first in the list

            # Apply, then the list is refreshed: the chosen setting stays selected
            writes = _writes(rig)
            await page.select_option("#setting-name", "inverter/grid_connection")
            await page.fill("#setting-value", "off-grid")
            await page.click("#setting-apply")
            await page.wait_for_selector("#setting-message:has-text('written, read back OK')")
            await page.wait_for_timeout(1500)  # the list is reloaded after the write (one request)
            assert await page.input_value("#setting-name") == "inverter/grid_connection"
            assert _writes(rig) == writes + 1

            # A value that cuts power: a dialog first; dismissed, nothing is sent
            dialogs: list[str] = []
            answer = {"accept": False}

            async def on_dialog(dialog):
                dialogs.append(dialog.message)
                await (dialog.accept() if answer["accept"] else dialog.dismiss())
            page.on("dialog", on_dialog)
            await page.select_option("#setting-name", "inverter/offgrid_output")
            await page.fill("#setting-value", "off")
            await page.click("#setting-apply")
            await page.wait_for_selector("#setting-message:has-text('not applied')")
            assert dialogs == ["inverter.offgrid_output = off cuts power to the loads. Apply it?"]
            assert _writes(rig) == writes + 1

            # The API itself refuses it without confirm (another client, or a page without the dialog)
            refused = await page.evaluate("post('/api/settings/inverter/offgrid_output', {value: 'off'})")
            assert refused["status"] == 409 and "cuts power to the loads" in refused["data"]["detail"]
            assert _writes(rig) == writes + 1

            # Confirmed: written
            answer["accept"] = True
            await page.click("#setting-apply")
            await page.wait_for_selector("#setting-message:has-text('written, read back OK')")
            assert len(dialogs) == 2 and _writes(rig) == writes + 2
            assert await page.input_value("#setting-name") == "inverter/offgrid_output"
        finally:
            await browser.close()
