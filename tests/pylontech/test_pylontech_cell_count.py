"""A `bat N` table that lost a row is refused by the driver: the module's cell count is known from `info`
(`Cell Number`), so a shorter table is a misread, not a smaller module."""

import pytest

from solarctl.devices.pylontech.errors import ConsoleParseError

EVERYTHING = frozenset({"fast", "slow", "once"})


async def test_a_cell_table_that_lost_a_row_is_refused(stack, plant, monkeypatch):
    sim, driver, link = await stack()
    first = await driver.read(link, EVERYTHING)  # `info` says 15 cells; `bat 1` has 15 rows
    assert len(first.values["modules"][0]["cell_voltages"]) == 15
    whole = plant.battery.cell_voltages
    monkeypatch.setattr(plant.battery, "cell_voltages", lambda index: whole(index)[:-1])  # the last row lost
    driver.cell_interval = 0.0
    with pytest.raises(ConsoleParseError, match="14 cell rows but the module has 15 cells"):
        await driver.read(link, frozenset({"fast"}))
