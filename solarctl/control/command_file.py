"""The command file of the old Solar-Station setup: register writes queued in `inverter_cmd.lst`.

Other programs (batmon, mqtt-client, a person with `echo '20105=>0' >> inverter_cmd.lst`) add lines
`REGISTER=>VALUE`; `REGISTER=VALUE` is accepted too (the old README showed it, but the old parser
skipped such lines without a word). Both are decimal integers and the value is the raw register
value, as the old scripts wrote it: `20113=>50` is 5.0 A. Blank lines and `#` comments are skipped.

Every `interval` the file is taken: renamed aside, so a writer that opens it afterwards starts a
new file, and read only once it has stopped growing, so a writer that opened it just before the
rename still lands its line in it. Each line is checked (a writable setting of the device, never a
calibration register, a 16-bit value) and written through the SafeWriter (range, write-on-change,
read-back, daily budget, audit ledger), one at a time, in order; a bad line never stops the ones
after it. The taken file is removed after its lines have run, so lines survive a crash (a rerun
finds the setting already written). Each line's outcome is appended to the log as
`[YYYY-mm-dd HH:MM:SS] LINE = OK | FAIL: reason | REJECTED: reason`.

A setting of any configured device can be named instead of a register: `bms1.charge_enabled=off`,
`bms2.balancer_enabled => on`, `inverter.grid_connection=off-grid`; the value is in the setting's own
units or one of its choices (not raw). A line that fails (the device does not answer, the read-back
differs) is not dropped: it is tried again on the next looks, before newer lines, up to `tries` times in
all (the old script made 10 tries), and each try is logged. Lines waiting for a retry are kept beside
the file (`inverter_cmd.lst.retry`, written atomically), so a restart does not lose them.

Other users may be able to write the file's directory, and the daemon often runs as root, so the file
is only read when it is a regular file with one name, owned by root or the daemon's user and not
writable by group or others (owned_file.py); it is opened without following symlinks and without
blocking (a FIFO is refused, not waited on), and one larger than MAX_BYTES is refused unread. A refused
file is removed and its reason logged once. The log is opened the same way (created 0600).
"""

from __future__ import annotations

import errno
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime

from solarctl.clock import Clock
from solarctl.config import ConfigError
from solarctl.control.command_file_config import CommandFileConfig
from solarctl.control.owned_file import open_owned_file, writable_by_others
from solarctl.control.state_file import StateFile
from solarctl.control.safe_write import SafeWriter
from solarctl.registers import decode
from solarctl.sample import Value

log = logging.getLogger("solarctl.control")

LINE = re.compile(r"(\d+)\s*(?:=>|=)\s*(-?\d+)")
SETTLE_S = 0.1  # the file must keep its size this long before it is read
NAMED = re.compile(r"([A-Za-z_][\w-]*)\.([A-Za-z_]\w*)\s*(?:=>|=)\s*([^\s=]+)")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
MAX_BYTES = 64 * 1024  # a command file is a few lines; anything larger is refused unread
ECHO_CHARS = 120  # how much of a line the log repeats
RESULTS = {"written": "OK", "unchanged": "OK (already set)", "dry_run": "OK (dry run, nothing written)"}


class Rejected(ValueError):
    """A line that is never sent to the device."""


@dataclass(frozen=True)
class Command:
    register: int
    raw: int


@dataclass(frozen=True)
class Named:
    device: str
    setting: str
    value: Value


def parse(line: str) -> Command | Named:
    if match := LINE.fullmatch(line.strip()):
        return Command(int(match[1]), int(match[2]))
    if match := NAMED.fullmatch(line.strip()):
        text = match[3]
        value: Value = text if not NUMBER.fullmatch(text) else float(text) if "." in text else int(text)
        return Named(match[1], match[2], value)
    raise Rejected("malformed line: expected REGISTER=>VALUE (decimal integers) or DEVICE.SETTING=>VALUE "
                   "(e.g. bms1.charge_enabled=>off); `=` works as the separator too")


class CommandFile:
    def __init__(self, config: CommandFileConfig, writer: SafeWriter, clock: Clock) -> None:
        self.config = config
        self.writer = writer
        self.clock = clock
        device = writer.site.devices.get(config.device)
        if device is None:
            raise ConfigError(f"no device named {config.device!r}; configured devices: "
                              f"{', '.join(writer.site.devices) or 'none'}")
        self.device = device
        register_map = getattr(self.device, "register_map", None)
        if register_map is None:
            raise ConfigError(f"command_file.device {config.device!r} ({self.device.driver}) has no register map; "
                              f"the command file names registers of a device such as a must_pv1800")
        self._at = {r.address: r for r in register_map}
        # Spans the driver never writes whatever it is asked (PV1800 calibration coefficients).
        self._never = getattr(self.device, "never_written", ())
        self.taken = config.path.with_name(config.path.name + ".taken")
        self.retry_file = StateFile(config.path.with_name(config.path.name + ".retry"))
        self.retries: list[dict] = self.retry_file.load() or []  # {"line": ..., "tries": made so far}, oldest first
        self._last_warning = ""  # a refusal or log problem is logged once, not every interval
        if writable_by_others(config.path.parent):
            log.warning("command file: its directory %s is writable by group or others: anyone who can write there "
                        "can queue register writes; chmod go-w it", config.path.parent)

    async def run(self) -> None:
        while True:
            await self.process()
            await self.clock.sleep(self.config.interval)

    async def process(self) -> list[str]:
        """Retry the lines that failed before, then take the file (or finish one taken before a crash) and
        carry out its lines; return the log lines."""
        waiting, self.retries = self.retries, []
        logged = [await self._run(item["line"], item["tries"]) for item in waiting]
        if waiting:
            self.retry_file.save(self.retries)
        if not os.path.lexists(self.taken):
            try:
                os.rename(self.config.path, self.taken)  # renames a symlink itself, never its target
            except FileNotFoundError:
                return logged
        try:
            fh = os.fdopen(open_owned_file(self.taken, os.O_RDONLY), "rb")
        except OSError as exc:
            self._refuse(exc)
            return logged
        done = 0
        with fh:
            while True:
                size = await self._settled(fh)
                if size > MAX_BYTES:
                    self._refuse(OSError(errno.EFBIG, f"{self.taken} is larger than {MAX_BYTES} bytes; "
                                                      f"write a few lines at a time"))
                    return logged
                fh.seek(done)
                data = fh.read(max(size - done, 0))
                if not data:
                    break
                for line in data.decode("utf-8", "replace").splitlines():
                    line = line.strip()
                    if line and not line.startswith("#"):
                        logged.append(await self._run(line, 0))
                done += len(data)
        self.retry_file.save(self.retries)  # before the taken file goes: a crash in between runs a line twice, never zero times
        self.taken.unlink()
        return logged

    async def _run(self, line: str, tries: int) -> str:
        """Carry out one line (its `tries` + 1st try); a failure is queued for a retry until the tries are used up."""
        result, retry = await self.execute(line)
        if retry:
            tries += 1
            if tries < self.config.tries:
                self.retries.append({"line": line, "tries": tries})
                result += f" (try {tries} of {self.config.tries}; tried again in {self.config.interval:g} s)"
            else:
                result += f" (try {tries} of {self.config.tries}; given up)"
        return self._log(line, result)

    async def _settled(self, fh) -> int:
        """The taken file's size once it stops growing (a writer that opened it before the rename finishes)."""
        size = -1
        while (now := os.fstat(fh.fileno()).st_size) != size and now <= MAX_BYTES:
            size = now
            await self.clock.sleep(SETTLE_S)
        return now

    def _refuse(self, exc: OSError) -> None:
        """Remove a taken file that is not read (so the next one can be taken) and say why, once."""
        reason = exc.strerror or str(exc)
        try:
            if self.taken.is_dir() and not self.taken.is_symlink():
                self.taken.rmdir()
            else:
                self.taken.unlink(missing_ok=True)
        except OSError as stuck:
            reason += f"; cannot remove {self.taken} ({stuck.strerror or stuck}): remove it by hand"
        self._warn_once(f"command file refused: {reason}")

    def _warn_once(self, message: str) -> None:
        if message != self._last_warning:
            log.warning("%s", message)
            self._last_warning = message

    async def execute(self, line: str) -> tuple[str, bool]:
        """One line -> (its result text, whether a retry may help: it failed, it was not refused)."""
        try:
            command = parse(line)
            device, setting, value = ((command.device, command.setting, command.value) if isinstance(command, Named)
                                      else (self.device.name, *self.resolve(command)))
            outcome = await self.writer.write(device, setting, value, source="command_file")
        except Rejected as exc:
            return f"REJECTED: {exc}", False
        except Exception as exc:  # noqa: BLE001 - one line's failure must not stop the others
            log.exception("command file: %s failed", line)
            return f"FAIL: {exc}", True
        if outcome.outcome in RESULTS:
            return RESULTS[outcome.outcome], False
        if outcome.outcome == "rejected":
            return f"REJECTED: {outcome.reason}", False
        return f"FAIL: {outcome.reason}", True

    def resolve(self, command: Command) -> tuple[str, Value]:
        """(setting name, value in the setting's units) for a register line; raises Rejected."""
        address, reg = command.register, self._at.get(command.register)
        if any(first <= address <= last for first, last in self._never):
            raise Rejected(f"{address} is a calibration register; it is never written")
        if reg is None or not reg.writable:
            raise Rejected(f"{address} is not a writable setting of {self.device.name}")
        if reg.count != 1:
            raise Rejected(f"{address} ({reg.setting_name}) spans {reg.count} registers; set it with `solarctl set`")
        if not -0x8000 <= command.raw <= 0xFFFF:
            raise Rejected(f"{command.raw} is not a 16-bit register value")
        # A choice goes by its code; a number is decoded into the setting's units (20113=>50 -> 5.0 A).
        value = command.raw if reg.enum is not None else decode(reg, [command.raw & 0xFFFF], self.device.byte_order)
        return reg.setting_name, value

    def _log(self, line: str, result: str) -> str:
        shown = line if len(line) <= ECHO_CHARS else line[:ECHO_CHARS] + "…"
        entry = f"[{datetime.fromtimestamp(self.clock.time()):%Y-%m-%d %H:%M:%S}] {shown} = {result}"
        (log.info if result.startswith("OK") else log.warning)("command file: %s", entry)
        path = self.config.log_path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with os.fdopen(open_owned_file(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT), "a", encoding="utf-8") as fh:
                fh.write(entry + "\n")
        except OSError as exc:  # the line has run; its outcome is in the daemon's log and the audit ledger
            self._warn_once(f"command file log not written: {exc.strerror or exc}")
        return entry
