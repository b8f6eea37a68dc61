"""A high-voltage stack's cells (published at the stack level: it has no module rows) are stored in
`battery_cell` by module, as a low-voltage stack's module cells are; the RS485 driver's modules too."""

from __future__ import annotations

from solarctl.sample import Sample
from solarctl.store import schema
from tests.store.test_rows import rows


def test_high_voltage_stack_cells_are_stored_by_module():
    cells = [3.301, 3.304, 3.302, None, 3.305, 3.306]  # a lost row stays a None cell
    out = rows(Sample("hv", 0.0, {"soc": 68, "voltage": 240.0, "modules": [], "cell_voltages": cells,
                                  "cell_module_size": 3}), "pylontech_console")
    stored = [(c["module"], c["cell"], c["voltage"]) for c in out[schema.battery_cell]]
    assert stored == [(1, 1, 3.301), (1, 2, 3.304), (1, 3, 3.302), (2, 1, None), (2, 2, 3.305), (2, 3, 3.306)]


def test_high_voltage_cells_of_unknown_module_size_are_one_module():
    out = rows(Sample("hv", 0.0, {"modules": [], "cell_voltages": [3.3, 3.31]}), "pylontech_console")
    assert [(c["module"], c["cell"]) for c in out[schema.battery_cell]] == [(1, 1), (1, 2)]


def test_rs485_modules_cells_are_stored():
    out = rows(Sample("rs", 0.0, {"modules": [{"index": 1, "soc": 67.0, "cell_voltages": [3.303, 3.304]},
                                              {"index": 2, "soc": 67.0, "cell_voltages": [3.298]}]}), "pylontech_rs485")
    assert [(c["module"], c["cell"], c["voltage"]) for c in out[schema.battery_cell]] == [
        (1, 1, 3.303), (1, 2, 3.304), (2, 1, 3.298)]
    assert [r["device_name"] for r in out[schema.pylontech_bms]] == ["Battery: 1", "Battery: 2"]
