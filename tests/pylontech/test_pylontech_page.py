"""The page in headless Chromium against `solarctl run` polling a simulated Pylontech console stack: every
module's cell table is shown (the API has them in `modules`), each saying when its cells were read, apart
from the module's own lowest/highest cell of its last `pwr`."""

from __future__ import annotations

import shutil

import pytest
import tomli_w
from playwright.async_api import async_playwright

from solarctl.config import load_config
from solarctl.plant import Plant
from solarctl.sim.site import SimulatedSite
from tests.api.rig import Rig
from tests.conftest import free_port

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="chromium is not installed (scripts/setup --test)")


async def test_each_pylontech_module_shows_its_cells_and_when_they_were_read(tmp_path):
    port = free_port()
    path = tmp_path / "site.toml"
    path.write_text(tomli_w.dumps({
        "general": {"data_dir": str(tmp_path / "data")},
        "web": {"port": port},
        "device": [{"name": "stack", "driver": "pylontech_console", "port": f"{tmp_path}/ttyPylontech",
                    "poll_interval": 0.5, "cell_interval": 0.5, "wakeup": "never"}],
        "plant": {"battery": {"module_count": 2, "initial_soc_pct": 60.0}},
    }))
    config = load_config(path)
    plant = Plant(config.plant, start=1_750_000_000.0)
    site = SimulatedSite(config, plant)
    await site.start()
    rig = Rig(path, config, plant, site)
    try:
        await rig.start_daemon()
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                page = await browser.new_page(viewport={"width": 1280, "height": 900})
                await page.goto(f"http://127.0.0.1:{port}")
                for module in (1, 2):  # one `bat N` per poll: both tables after two polls
                    table = f'table.cells[data-device="stack"][data-module="{module}"]'
                    await page.wait_for_selector(table, timeout=15_000)
                    cells = await page.query_selector_all(f"{table} td[data-cell]")
                    assert len(cells) == plant.battery.cells
                    shown = [float((await cell.text_content()).split()[1]) for cell in cells]
                    assert all(2.5 < v < 3.65 for v in shown)
                    caption = await page.text_content(f'[data-module-caption="{module}"]')
                    assert caption.startswith("cells read ") and "from its last poll" in caption
                    read_at = float(await page.get_attribute(f'[data-module-caption="{module}"] [data-cells-read-at]',
                                                             "data-cells-read-at"))
                    assert read_at > 1_700_000_000  # epoch seconds of the daemon's clock
                assert await page.text_content('[data-device="stack"][data-metric="soc"]')
            finally:
                await browser.close()
    finally:
        await rig.stop_daemon()
        await site.stop()
