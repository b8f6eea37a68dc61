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
blocking (a FIFO is refused, not waited on), and one larger than MAX_BYTES is refused unread. It is
opened and checked before anything is moved, and only that file is ever moved or removed (its device and
inode compared after the rename, put back if they differ): a directory, symlink, FIFO or mount point at the
path is left alone (issue 19: `path = "/tmp"` once renamed the machine's /tmp). A refused regular file is
removed so the next one can come. A refusal, or a rename or unlink that fails (EPERM, EROFS …), is one log
line per episode and the service's health (`status()`), never a traceback. The log is opened the same way
(created 0600).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from solarctl.clock import Clock
from solarctl.errors import ConfigError
from solarctl.control.command_file_config import CommandFileConfig
from solarctl.devices.modbus_device import ModbusDevice
from solarctl.control.owned_file import UnsafeFile, open_owned_file, same_file, writable_by_others
from solarctl.control.state_file import StateFile
from solarctl.private_files import file_mode
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
        if not isinstance(device, ModbusDevice):
            raise ConfigError(f"command_file.device {config.device!r} ({device.driver}) has no register map; "
                              f"the command file names registers of a device such as a must_pv1800")
        self.device = device
        self._at = {r.address: r for r in device.register_map}
        # Spans the driver never writes whatever it is asked (PV1800 calibration coefficients).
        self._never = getattr(self.device, "never_written", ())
        self.taken = config.path.parent / (config.path.name + ".taken")  # `/` has no name: "/.taken", never "/" itself
        self.retry_file = StateFile(config.path.parent / (config.path.name + ".retry"))
        self.retries: list[dict[str, Any]] = self.retry_file.load() or []  # {"line": ..., "tries": made so far}, oldest first
        self._last_warning = ""  # a refusal or log problem is logged once, not every interval
        self._stuck: tuple[int, int] | None = None  # (dev, inode) of a taken file that ran but could not be removed
        self.health: dict[str, Any] = {"state": "ok", "last_error": None, "last_error_at": None}
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
            self._save_retries()
        taken = self._take()
        if taken is None:
            return logged
        fd, st = taken
        done = 0
        with os.fdopen(fd, "rb") as fh:
            while True:
                size = await self._settled(fh)
                if size > MAX_BYTES:
                    self._refuse(UnsafeFile(errno.EFBIG, f"{self.taken} is larger than {MAX_BYTES} bytes; "
                                                         f"write a few lines at a time", st), self.taken)
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
        self._save_retries()  # before the taken file goes: a crash in between runs a line twice, never zero times
        if problem := self._remove(self.taken, st):
            self._trouble(f"command file ran, but {problem}")
        return logged

    def _take(self) -> tuple[int, os.stat_result] | None:
        """The file to run, open and checked, and its identity: one taken before a crash, else the command file,
        opened and checked BEFORE anything is moved, then moved aside only while its name still holds that file
        (a directory, symlink or mount point at the path is never moved). None: nothing to run now."""
        resumed = os.path.lexists(self.taken)
        source = self.taken if resumed else self.config.path
        try:
            fd = open_owned_file(source, os.O_RDONLY, max_bytes=MAX_BYTES)
        except FileNotFoundError:
            self._healthy()
            return None
        except UnsafeFile as exc:
            self._refuse(exc, source)
            return None
        except OSError as exc:  # EACCES, ENAMETOOLONG …: not ours to read, so not ours to move either
            self._trouble(f"command file {source} cannot be opened ({exc.strerror or exc}); nothing is moved or run")
            return None
        st = os.fstat(fd)
        if resumed:
            if (st.st_dev, st.st_ino) == self._stuck:
                os.close(fd)  # its lines ran; it could not be removed (said once): never run them again
                return None
            return fd, st
        try:
            os.rename(self.config.path, self.taken)
        except OSError as exc:
            os.close(fd)
            self._trouble(f"command file {self.config.path} cannot be taken: rename to {self.taken.name} failed "
                          f"({exc.strerror or exc}); its lines are not run until it can be")
            return None
        if not same_file(self.taken, st):  # swapped between the check and the rename: put back what was moved
            os.close(fd)
            if not os.path.lexists(self.config.path):
                with contextlib.suppress(OSError):
                    os.rename(self.taken, self.config.path)
            self._trouble(f"command file {self.config.path} was replaced while it was being taken; "
                          f"nothing run (check who writes {self.config.path.parent})")
            return None
        return fd, st

    def _refuse(self, exc: UnsafeFile, where: Path) -> None:
        """Say once why a file is not read; remove it only when it is a regular file (so the next one can come)
        and its name still holds that very file. Anything else is left where it is."""
        reason = exc.strerror or str(exc)
        if exc.regular and exc.stat is not None and (problem := self._remove(where, exc.stat)):
            reason += f"; {problem}"
        self._trouble(f"command file refused: {reason}")

    def _remove(self, where: Path, st: os.stat_result) -> str:
        """Unlink `where` if its name still holds the file `st` describes; '' or what went wrong."""
        if not same_file(where, st):
            return f"{where} changed before it could be removed; left alone"
        try:
            os.unlink(where)
        except OSError as exc:
            self._stuck = (st.st_dev, st.st_ino)
            return f"cannot remove {where} ({exc.strerror or exc}): remove it by hand"
        return ""

    def _save_retries(self) -> None:
        try:
            self.retry_file.save(self.retries)
        except OSError as exc:  # kept in memory; lost only if the daemon stops before the disk takes them
            self._trouble(f"command file: cannot keep the lines to retry in {self.retry_file.path} "
                          f"({exc.strerror or exc})")

    def _trouble(self, message: str) -> None:
        """One log line per distinct problem (never one per interval), and the service's health says it."""
        if message != self._last_warning:
            log.warning("%s", message)
            self._last_warning = message
        self.health.update(state="refused" if message.startswith("command file refused") else "failing",
                           last_error=message, last_error_at=self.clock.time())

    def _healthy(self) -> None:
        self._last_warning = ""
        self.health["state"] = "ok"

    def status(self) -> dict[str, Any]:
        """The service's health for `read --json` (the daemon's `service:command file`): ok, refused (the file
        at the path is not one solarctl reads) or failing (it cannot be taken or removed), the last problem."""
        return dict(self.health)

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

    async def _settled(self, fh: IO[bytes]) -> int:
        """The taken file's size once it stops growing (a writer that opened it before the rename finishes)."""
        size = -1
        while (now := os.fstat(fh.fileno()).st_size) != size and now <= MAX_BYTES:
            size = now
            await self.clock.sleep(SETTLE_S)
        return now

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
            with os.fdopen(open_owned_file(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, file_mode(path.parent)), "a", encoding="utf-8") as fh:
                fh.write(entry + "\n")
        except OSError as exc:  # the line has run; its outcome is in the daemon's log and the audit ledger
            self._trouble(f"command file log not written: {exc.strerror or exc}")
        return entry
