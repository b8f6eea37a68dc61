"""`solarctl sim --request-log`: every request a simulator receives is a line, with the values a write carried,
the commands typed at a console and the frames that are not Modbus (issue 15)."""

from __future__ import annotations

from solarctl.control.ledger import AuditLedger
from solarctl.control.safe_write import SafeWriter
from solarctl.clock import SystemClock
from solarctl.installation import Installation
from solarctl.plant import Plant
from solarctl.sim.site import SimulatedSite
from tests.mustjk.simulated import NIGHT, inverter, packs, site_config


async def test_the_request_log_has_written_values_console_commands_and_frames(tmp_path):
    config = site_config(tmp_path, [
        inverter(tmp_path), *packs(tmp_path, "4e57", units=(1,)),
        {"name": "stack", "driver": "pylontech_console", "port": f"{tmp_path}/ttyPYL0", "wakeup": "never", "timeout": 1.0}])
    path = tmp_path / "requests.log"
    plant = Plant(config.plant, start=NIGHT)
    with path.open("a") as request_file:
        site = SimulatedSite(config, plant, request_file=request_file)
        await site.start()
        install = Installation(config, SystemClock())
        try:
            polled = await install.poll_once()
            written = await SafeWriter(install, AuditLedger(None), SystemClock()).write("inverter", "grid_connection", "off-grid")
        finally:
            await install.close()
            await site.stop()
    assert not [name for name, result in polled.items() if not hasattr(result, "values")], polled
    assert written.outcome == "written"
    lines = path.read_text().splitlines()
    assert any(line.endswith("unit=4 fc=6 address=20105 count=1 values=0") for line in lines), lines
    assert any(f"console={tmp_path}/ttyPYL0.sim command='pwr'" in line for line in lines), lines
    assert any(" frame=4e 57 " in line for line in lines), lines  # the JK 4E57 request, not Modbus
