"""Driver `pylontech_console`: a Pylontech stack read over the RS232 console of its master module.

Every poll sends `pwr`: stack and module values and state words; the module count is what `pwr`
shows (a configured `modules` caps it). `info` is read once, for the capacity that weights the SoC.
Cells: at most one `bat N` per poll, for the module whose cell table is missing or older than
`cell_interval` (a table with another row count than the module's cells is refused: a row was lost);
each module's latest table stays in its `modules` entry (`cell_voltages`,
`cell_temperatures`, `cells_read_at`), so the hub always has them. State words other than `Normal`
(and the operating base states) are alarms, those of the latest cell tables included.

A high-voltage stack (Force H2, SC series) answers `pwr` with a system summary and `bat` with every
cell of the stack: then the stack values come from the summary and the cells, on the same cadence,
are the stack's `cell_voltages` / `cell_temperatures` (no per-module rows).
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from solarctl.devices.base import Device, Reading
from solarctl.devices.pylontech.commands import parse_bat, parse_info, parse_pwr
from solarctl.devices.pylontech.console_link import PylontechConsoleLink
from solarctl.devices.pylontech.describe import PylontechConsoleConfig
from solarctl.devices.pylontech.framing import Answer
from solarctl.devices.pylontech.stack import UNITS, cell_values, cells_by_module, stack_values, system_stack_values

STACK = 0  # the cell table key of a high-voltage stack's whole-stack `bat`


class CellTable(NamedTuple):
    values: dict[str, Any]  # `cell_values` of one `bat N`
    read_at: float  # epoch s
    read_monotonic: float


class PylontechConsole(Device[PylontechConsoleLink]):
    driver = "pylontech_console"
    link_kind = "pylontech_console"

    def __init__(self, config: PylontechConsoleConfig) -> None:
        super().__init__(config)
        self.module_cap: int | None = config.modules
        self.cell_interval: float = config.cell_interval
        self._info: dict[str, Any] | None = None
        self._cells: dict[int, CellTable] = {}  # module index -> its latest cell table

    @property
    def units(self) -> dict[str, str]:
        return dict(UNITS)

    async def _command(self, link: PylontechConsoleLink, text: str, parse: Callable[[Answer], Any]) -> Any:
        return await link.command(text, timeout=self.timeout, health=self.health, parse=parse)

    def _stack(self, answer: Answer) -> dict[str, Any]:
        """`pwr` -> stack values (a module row lost on the wire refuses the answer: the sums would be wrong)."""
        pwr = parse_pwr(answer)
        if "modules" not in pwr:
            return system_stack_values(pwr["system"], pwr.get("columns"))
        if self.module_cap is not None:
            pwr["modules"] = [module for module in pwr["modules"] if module["index"] <= self.module_cap]
            pwr["lost_rows"] = [lost for lost in pwr["lost_rows"] if lost["module"] <= self.module_cap]
        return stack_values(pwr, self._info)

    async def read(self, link: PylontechConsoleLink, groups: frozenset[str]) -> Reading:
        if "once" in groups:
            self._info = await self._command(link, "info", parse_info)
        values = await self._command(link, "pwr", self._stack)
        if not values["modules"]:
            return await self._read_stack(link, values)
        alarms = values.pop("alarms")
        due = self._cells_due([module["index"] for module in values["modules"]], link.clock.monotonic())
        if due is not None:
            bat = await self._command(link, f"bat {due}", parse_bat)
            self._cells[due] = CellTable(cell_values(bat, self._cell_count(due)), link.clock.time(),
                                         link.clock.monotonic())
        for module in values["modules"]:
            if (table := self._cells.get(module["index"])) is not None:
                module.update(cell_voltages=table.values["cell_voltages"],
                              cell_temperatures=table.values["cell_temperatures"], cells_read_at=table.read_at)
                alarms += [f"module {module['index']} {alarm}" for alarm in table.values["alarms"]]
        return Reading(values, tuple(alarms))

    def _cell_count(self, module: int) -> int | None:
        """How many rows module's `bat` must have: `info`'s `Cell Number`, else its previous table's."""
        if self._info is not None and self._info.get("cell_count") is not None:
            count: int = self._info["cell_count"]
            return count
        previous = self._cells.get(module)
        return None if previous is None else len(previous.values["cell_voltages"])

    async def _read_stack(self, link: PylontechConsoleLink, values: dict[str, Any]) -> Reading:
        """A high-voltage stack: the system summary's values, and every cell from `bat` when due."""
        alarms = values.pop("alarms")
        if self._cells_due([STACK], link.clock.monotonic()) is not None:
            bat = await self._command(link, "bat", parse_bat)
            summary = cell_values(bat)
            runs = cells_by_module(summary["cell_voltages"], bat, values.get("module_count"))
            summary["cell_module_size"] = len(runs[0]) if len({len(run) for run in runs}) == 1 else None
            self._cells[STACK] = CellTable(summary, link.clock.time(), link.clock.monotonic())
        table = self._cells.get(STACK)
        if table is None:
            return Reading(values, tuple(alarms))
        values.update(cell_voltages=table.values["cell_voltages"], cell_temperatures=table.values["cell_temperatures"],
                      cells_read_at=table.read_at, cell_module_size=table.values["cell_module_size"])
        return Reading(values, tuple(alarms + table.values["alarms"]))

    def _cells_due(self, modules: list[int], now: float) -> int | None:
        """The module whose cell table is missing or the oldest past `cell_interval`; None if none is due."""
        def age(index: int) -> float:
            table = self._cells.get(index)
            return float("inf") if table is None else now - table.read_monotonic

        stalest = max(modules, key=age)
        return stalest if age(stalest) >= self.cell_interval else None
