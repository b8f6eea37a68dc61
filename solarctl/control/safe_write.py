"""Safe writes: the only way solarctl changes a device setting.

Validate (whitelist, range, enum) -> read the current value -> skip if unchanged -> find the device's
aliases (its route resolved, the serial number it reports: route_identity.py) -> check the daily budget
-> (dry run stops here) -> record the attempt in the budget file (no record, no write) -> room for its
audit line on the disk (no room, no write) -> write -> read the same register back -> compare -> record the outcome.
Every attempt, whatever its outcome, goes into the audit ledger.
Then `on_outcome(outcome, source)` (the daemon: alerts for failed writes, and for refused ones an automatic
source asked for; a callback, so this layer knows nothing of alerts). `refusal()` says beforehand why a
request would be refused, so a channel can answer a typo before asking anyone to confirm it.

A restore (a safe setting put back on the way out, or when a strategy loses its data) may go beyond the
budget by a small reserve of its own (`RESTORE_RESERVE` writes per register per day): a budget spent on
switching must never keep the inverter from being made safe. It is audited like any write ("restore": true).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Literal

from solarctl.bus.errors import NotSent
from solarctl.bus.link import Link
from solarctl.clock import Clock
from solarctl.control.device_access import DeviceAccess
from solarctl.control.ledger import AuditLedger
from solarctl.control.route_identity import UnknownRoute, reported_alias, route_aliases
from solarctl.control.write_budget import BudgetFileError, WriteBudget, device_identity
from solarctl.devices.base import Device
from solarctl.registers import Register, WriteRejected, encode
from solarctl.registers.codec import check_write
from solarctl.sample import Value

log = logging.getLogger("solarctl.control")

Status = Literal["written", "unchanged", "dry_run", "rejected", "failed"]
RESTORE_RESERVE = 1  # extra writes per register per day, for restores only


@dataclass(frozen=True)
class WriteOutcome:
    device: str
    setting: str
    requested: Value
    outcome: Status
    reason: str = ""
    register: int | None = None
    before: Value = None
    after: Value = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("written", "unchanged", "dry_run")

    def describe(self) -> str:
        target = f"{self.device}.{self.setting}"
        if self.outcome == "written":
            return f"{target}: {self.before} -> {self.after} (written, read back OK)"
        if self.outcome == "unchanged":
            return f"{target}: already {self.before}; nothing written"
        if self.outcome == "dry_run":
            return f"{target}: would write {self.requested} (now {self.before}); dry run, nothing written"
        return f"{target}: {self.outcome.upper()}: {self.reason}"


class SafeWriter:
    def __init__(self, site: DeviceAccess, ledger: AuditLedger, clock: Clock, *,
                 daily_budget: int = 48, dry_run: bool = False, budget_file: Path | None = None,
                 on_outcome: Callable[["WriteOutcome", str], None] = lambda outcome, source: None) -> None:
        self.site = site
        self.on_outcome = on_outcome
        self.ledger = ledger
        self.clock = clock
        self.daily_budget = daily_budget
        self.dry_run = dry_run
        # One budget file for every writer on the machine; by default beside the ledger (in the data dir).
        if budget_file is None and ledger.path is not None:
            budget_file = ledger.path.with_name("write_budget.jsonl")
        self.budget = WriteBudget(budget_file, daily_budget)
        self._locks: dict[tuple[str, int], asyncio.Lock] = {}
        self._reported: dict[str, str | None] = {}  # device name -> the alias its serial number gives

    async def write(self, device_name: str, setting: str, value: Value, *, source: str = "cli",
                    dry_run: bool | None = None, restore: bool = False) -> WriteOutcome:
        dry = self.dry_run if dry_run is None else dry_run
        checked = self._check(device_name, setting, value)
        if isinstance(checked, WriteOutcome):
            return self._log(checked, source)
        device, reg, wanted = checked
        identity = device_identity(device)
        lock = self._locks.setdefault((identity, reg.address), asyncio.Lock())
        async with lock:
            return self._log(await self._write(device, identity, reg, setting, wanted, dry, source, restore), source, restore)

    def refusal(self, device_name: str, setting: str, value: Value) -> str | None:
        """Why `write` would refuse this request before touching the device (no such device, not a writable
        setting, a value it does not take), as one sentence; None when it would try. Nothing is recorded:
        a channel asks before it asks a person to confirm."""
        checked = self._check(device_name, setting, value)
        return checked.reason if isinstance(checked, WriteOutcome) else None

    def _check(self, device_name: str, setting: str, value: Value) -> WriteOutcome | tuple[Any, Register, Value]:
        """The device, register and encoded-ready value, or the refusal."""
        device = self.site.devices.get(device_name)
        if device is None:
            known = ", ".join(self.site.devices) or "none"
            return WriteOutcome(device_name, setting, value, "rejected", f"no device named {device_name!r} (configured: {known})")
        reg = device.setting(setting)
        if reg is None:
            names = ", ".join(r.setting_name for r in device.settings()) or "none"
            return WriteOutcome(device_name, setting, value, "rejected",
                                f"{setting!r} is not a writable setting of {device_name} ({device.driver}); writable: {names}")
        try:
            return device, reg, check_write(reg, value)
        except WriteRejected as exc:
            return WriteOutcome(device_name, setting, value, "rejected", str(exc), reg.address)

    async def _write(self, device: Device, identity: str, reg: Register, setting: str, wanted: Value, dry: bool,
                     source: str, restore: bool) -> WriteOutcome:
        link = self.site.link(device.name)
        result: dict[str, Any] = dict(device=device.name, setting=setting, requested=wanted, register=reg.address)
        try:
            before = await device.read_setting(link, reg)
        except Exception as exc:  # noqa: BLE001 - reported, never raised to the caller
            return WriteOutcome(**result, outcome="failed", reason=f"cannot read the current value: {exc}")
        result["before"] = before
        if _same(reg, before, wanted):
            return WriteOutcome(**result, outcome="unchanged")
        try:
            aliases = await self._aliases(device, link)
        except UnknownRoute as exc:
            return WriteOutcome(**result, outcome="failed", reason=str(exc))
        except Exception as exc:  # noqa: BLE001
            return WriteOutcome(**result, outcome="failed", reason=f"cannot read the device's serial number: {exc}")
        allowance = RESTORE_RESERVE if restore else 0
        try:
            attempt = None if dry else self.budget.reserve(self.clock.time(), aliases, reg.address, source, allowance)
            used = self.budget.used(self.clock.time(), aliases, reg.address) if attempt is None else 0
        except BudgetFileError as exc:
            return WriteOutcome(**result, outcome="failed", reason=str(exc))
        if used >= self.daily_budget + allowance:
            return WriteOutcome(**result, outcome="rejected",
                                reason=f"daily write budget used up ({used} of {self.daily_budget} writes today, UTC) for {setting}; "
                                       f"raise [control] daily_write_budget if this is intended")
        if dry:
            return WriteOutcome(**result, outcome="dry_run")
        assert attempt is not None  # reserve() gives none only when the budget is used up (returned above)
        try:
            self.ledger.make_room()  # no audit line, no write
        except OSError as exc:
            self._settle(attempt, reached=False)
            return WriteOutcome(**result, outcome="failed", reason=f"nothing sent: the audit ledger {self.ledger.path} "
                                                                  f"cannot take its line ({exc.strerror or exc})")
        try:
            await device.write_setting(link, reg, wanted)
        except asyncio.CancelledError:  # a stop while it was on its way: it may have reached the device
            self._settle(attempt, reached=True)  # counted: failing closed
            self._log(WriteOutcome(**result, outcome="failed", reason="cancelled while writing (stopping); it may have "
                                                                    "reached the device"), source, restore)
            raise
        except Exception as exc:  # noqa: BLE001
            self._settle(attempt, reached=not isinstance(exc, NotSent))
            return WriteOutcome(**result, outcome="failed", reason=f"write failed: {exc}")
        self._settle(attempt, reached=True)
        try:
            after = await device.read_setting(link, reg)
        except asyncio.CancelledError:  # the device has it: a stop must not leave that unaudited
            self._log(WriteOutcome(**result, outcome="failed", reason="written, but cancelled before the read-back (stopping)"),
                      source, restore)
            raise
        except Exception as exc:  # noqa: BLE001
            return WriteOutcome(**result, outcome="failed", reason=f"read-back failed: {exc}")
        if not _same(reg, after, wanted):
            return WriteOutcome(**result, after=after, outcome="failed", reason=f"read back {after}, expected {wanted}")
        device.setting_written()
        return WriteOutcome(**result, after=after, outcome="written")

    async def _aliases(self, device: Device, link: Link) -> frozenset[str]:
        """Every name of the device: its route's, and the serial number it reports (asked once per process)."""
        if device.name not in self._reported:
            self._reported[device.name] = reported_alias(device.driver, await device.serial_number(link))
        reported = self._reported[device.name]
        return await route_aliases(device) | ({reported} if reported else set())

    def _settle(self, attempt: str, *, reached: bool) -> None:
        try:
            self.budget.settle(self.clock.time(), attempt, reached=reached)
        except BudgetFileError as exc:  # the attempt stays counted: failing closed
            log.error("%s", exc)

    def _log(self, outcome: WriteOutcome, source: str, restore: bool = False) -> WriteOutcome:
        try:
            self.ledger.record({"time": self.clock.time(), "source": source, **asdict(outcome), **({"restore": True} if restore else {})})
        except OSError as exc:  # the budget file already holds the attempt; the caller still gets the outcome
            log.error("cannot append to the audit ledger %s (%s): %s", self.ledger.path, exc.strerror or exc, outcome.describe())
        self.on_outcome(outcome, source)
        return outcome

    def refuse(self, device_name: str, setting: str, value: Value, reason: str, *, source: str) -> WriteOutcome:
        """Record a request refused before it reached `write` (e.g. a setting not open to that source)."""
        return self._log(WriteOutcome(device_name, setting, value, "rejected", reason), source)


def _same(reg: Register, a: Value, b: Value) -> bool:
    """Equal at the device's resolution (compare the registers, not floats)."""
    try:
        return encode(reg, a) == encode(reg, b)
    except WriteRejected:
        return False
