"""Safe writes: the only way solarctl changes a device setting.

Validate (whitelist, range, enum) -> read the current value -> skip if unchanged -> check the
daily budget -> (dry run stops here) -> write -> read the same register back -> compare.
Every attempt, whatever its outcome, goes into the audit ledger.

A restore (a safe setting put back on the way out, or when a strategy loses its data) may go beyond the
budget by a small reserve of its own (`RESTORE_RESERVE` writes per register per day): a budget spent on
switching must never keep the inverter from being made safe. It is audited like any write ("restore": true).
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import Literal

from solarctl.clock import Clock
from solarctl.control.device_access import DeviceAccess
from solarctl.control.ledger import AuditLedger, utc_day
from solarctl.registers import Register, WriteRejected, encode
from solarctl.registers.codec import check_write
from solarctl.sample import Value

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
                 daily_budget: int = 48, dry_run: bool = False) -> None:
        self.site = site
        self.ledger = ledger
        self.clock = clock
        self.daily_budget = daily_budget
        self.dry_run = dry_run
        self._locks: dict[tuple[str, int], asyncio.Lock] = {}

    async def write(self, device_name: str, setting: str, value: Value, *, source: str = "cli",
                    dry_run: bool | None = None, restore: bool = False) -> WriteOutcome:
        dry = self.dry_run if dry_run is None else dry_run
        device = self.site.devices.get(device_name)
        if device is None:
            known = ", ".join(self.site.devices) or "none"
            return self._log(WriteOutcome(device_name, setting, value, "rejected", f"no device named {device_name!r} (configured: {known})"), source)
        reg = device.setting(setting)
        if reg is None:
            names = ", ".join(r.setting_name for r in device.settings()) or "none"
            return self._log(WriteOutcome(device_name, setting, value, "rejected",
                                          f"{setting!r} is not a writable setting of {device_name} ({device.driver}); writable: {names}"), source)
        try:
            wanted = check_write(reg, value)
        except WriteRejected as exc:
            return self._log(WriteOutcome(device_name, setting, value, "rejected", str(exc), reg.address), source)
        lock = self._locks.setdefault((device_name, reg.address), asyncio.Lock())
        async with lock:
            return self._log(await self._write(device, reg, setting, wanted, dry, restore), source, restore)

    async def _write(self, device, reg: Register, setting: str, wanted: Value, dry: bool, restore: bool) -> WriteOutcome:
        link = self.site.link(device.name)
        result = dict(device=device.name, setting=setting, requested=wanted, register=reg.address)
        try:
            before = await device.read_setting(link, reg)
        except Exception as exc:  # noqa: BLE001 - reported, never raised to the caller
            return WriteOutcome(**result, outcome="failed", reason=f"cannot read the current value: {exc}")
        result["before"] = before
        if _same(reg, before, wanted):
            return WriteOutcome(**result, outcome="unchanged")
        used = self.ledger.writes_on(utc_day(self.clock.time()), device.name, reg.address)
        if used >= self.daily_budget + (RESTORE_RESERVE if restore else 0):
            return WriteOutcome(**result, outcome="rejected",
                                reason=f"daily write budget used up ({used} of {self.daily_budget} writes today, UTC) for {setting}; "
                                       f"raise [control] daily_write_budget if this is intended")
        if dry:
            return WriteOutcome(**result, outcome="dry_run")
        try:
            await device.write_setting(link, reg, wanted)
            after = await device.read_setting(link, reg)
        except Exception as exc:  # noqa: BLE001
            return WriteOutcome(**result, outcome="failed", reason=f"write or read-back failed: {exc}")
        if not _same(reg, after, wanted):
            return WriteOutcome(**result, after=after, outcome="failed", reason=f"read back {after}, expected {wanted}")
        return WriteOutcome(**result, after=after, outcome="written")

    def _log(self, outcome: WriteOutcome, source: str, restore: bool = False) -> WriteOutcome:
        self.ledger.record({"time": self.clock.time(), "source": source, **asdict(outcome), **({"restore": True} if restore else {})})
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
