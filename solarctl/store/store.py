"""SampleStore: what the daemon and the demo plug in to store every sample.

    store = SampleStore(config)            # drivers default to the [[device]] tables
    await store.start()
    store.submit(sample_or_poll_error)     # the daemon: hub.attach(StoreSink(store)) does this for every event
    ...
    await store.stop()

submit() never blocks: it appends to an in-memory inbox. A journal task appends each group of events to
the spool and fsyncs it; a database task writes them in batches (every flush_interval) and then advances
the spool's checkpoint. While the database is away, events stay in the spool and are back-filled in order
when it returns; after a crash or SIGKILL the next start writes what was spooled but not committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Mapping, Union
from zoneinfo import ZoneInfo

from sqlalchemy import exc, inspect

from solarctl.alert_types import AlertEvent
from solarctl.clock import Clock, SystemClock
from solarctl.data_paths import ledger_path
from solarctl.sample import PollError, Sample
from solarctl.store.config import StoreSite
from solarctl.store import alerts as stored_alerts, audit, backup, records, retention, schema, schema_version
from solarctl.store.engine import StoreError, database_url, explain, make_engine
from solarctl.store.spool import Position, Spool
from solarctl.store.writer import BatchWriter
from solarctl.supervisor import Supervisor, TaskState, cancel_and_wait

log = logging.getLogger(__name__)

Event = Union[Sample, PollError, AlertEvent]
MAINTENANCE_INTERVAL = 3600.0  # seconds between retention / backup checks


@dataclass(frozen=True)
class StoreStatus:
    connected: bool  # the last database write succeeded
    error: str | None  # why it did not, as a sentence
    written: int  # events committed to the database since start
    spooled_bytes: int  # journal bytes not yet in the database
    dropped: int  # events lost: inbox overflow (disk stalled) or spool over its bound
    queued: int = 0  # events submitted, not yet in the spool
    spool_error: str | None = None  # why the spool's disk refuses writes, while it does
    task_down: TaskState | None = None  # one of the store's own tasks failed and waits for its restart


@dataclass
class _Batch:
    start: Position
    end: Position
    records: list[records.Record | AlertEvent]


def spool_dir(config: StoreSite) -> Path:
    return config.storage.spool_dir or Path(config.general.data_dir) / "spool"


def backup_dir(config: StoreSite) -> Path:
    return config.storage.backup_dir or Path(config.general.data_dir) / "backup"


class SampleStore:
    def __init__(self, config: StoreSite, *, drivers: Mapping[str, str] | None = None, clock: Clock | None = None,
                 inbox_limit: int = 100_000) -> None:
        self.config = config
        self.storage = config.storage
        self.url = database_url(config)
        self.drivers = dict(drivers) if drivers is not None else {d.name: d.driver for d in config.device}
        self.clock = clock or SystemClock()
        self.inbox_limit = inbox_limit
        self._inbox: list[Event] = []
        self._memory: deque[_Batch] = deque()
        self._memory_records = 0
        self._written = 0
        self._dropped_inbox = 0
        self._connected = False
        self._error: str | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False
        self._journal_busy = False
        self._spool_error: str | None = None  # why the spool's disk refuses writes, while it does
        self._checkpoint_error: str | None = None  # why it refuses the database loop (checkpoint, reads), while it does
        self._submitted = 0  # events accepted by submit()
        self._settled = 0  # of those, events durably in the spool (or dropped on inbox overflow)
        self.spool: Spool | None = None  # opened by start()
        self.ledger = ledger_path(config.general.data_dir)
        self._audit_due = True  # ledger lines may be missing from the `audit` table (always so at start)
        self._flushing = False  # flush() waits: copy the audit rows even without a batch to go with them

    # --- the API ------------------------------------------------------------------------------------

    TASKS = ("store journal", "store database", "store maintenance")

    async def start(self, supervisor: Supervisor | None = None) -> None:
        """Open the spool and start the store's tasks under `supervisor` (the daemon's; a private one if None)."""
        loop = asyncio.get_running_loop()
        self._journal_exec = ThreadPoolExecutor(1, thread_name_prefix="store-journal")
        self._db_exec = ThreadPoolExecutor(1, thread_name_prefix="store-db")
        self.spool = await loop.run_in_executor(
            self._journal_exec, lambda: Spool(spool_dir(self.config), int(self.storage.spool_max_mb * 1e6), self.storage.spool_warn_fraction))
        self.engine = make_engine(self.url)
        self.writer = BatchWriter(self.engine, self.drivers, self.storage)
        self._committed = self.spool.checkpoint
        self._inbox_ready = asyncio.Event()
        self._journal_done = asyncio.Condition()
        self._db_wake = asyncio.Event()  # new data in the spool
        self._hurry = asyncio.Event()  # flush()/stop(): cut a pause short
        self._checked = False  # schema migrated or checked on the first write
        self.supervisor = supervisor or Supervisor(self.clock)
        self._tasks = [self.supervisor.spawn(name, loop_) for name, loop_ in
                       zip(self.TASKS, (self._journal_loop, self._db_loop, self._maintenance_loop))]
        self._started = True
        if self.spool.pending_bytes():
            log.info("storage: %d spooled bytes from an earlier run will be written to %s", self.spool.pending_bytes(), self.where)

    def submit(self, event: Event) -> None:
        """Queue a Sample (or PollError, recorded as device health); returns at once."""
        if not self._started:
            raise RuntimeError("SampleStore.submit() outside start() .. stop()")
        self._inbox.append(event)
        self._submitted += 1
        if len(self._inbox) > self.inbox_limit:  # the disk has stalled for a long time
            del self._inbox[0]
            self._dropped_inbox += 1
            self._settled += 1
            if self._dropped_inbox in (1, 1000) or self._dropped_inbox % 100_000 == 0:
                log.error("storage: the spool disk does not keep up; %d samples dropped so far", self._dropped_inbox)
        self._inbox_ready.set()

    def audit_changed(self) -> None:
        """The ledger file has a new row: copy it to the `audit` table with the next batch (or when the database
        is back)."""
        self._audit_due = True

    async def sync(self) -> None:
        """Wait until everything submitted so far is durably in the spool (fsync'd): from then on a crash loses none of it."""
        target = self._submitted
        async with self._journal_done:
            await self._journal_done.wait_for(lambda: self._settled >= target)

    async def open_alerts(self) -> tuple[list[AlertEvent], int]:
        """The alerts a previous run left open and the next free id. A new database has no `alert` table until the
        store's first write migrates it: no alert was ever stored there, so none is open and ids start at 1
        (polling does not wait for that migration)."""
        def read() -> tuple[list[AlertEvent], int]:
            if not inspect(self.engine).has_table(schema.alert.name):
                return [], 1
            return stored_alerts.alerts(self.engine, active_only=True), stored_alerts.next_id(self.engine)
        return await asyncio.get_running_loop().run_in_executor(None, read)

    async def flush(self, timeout: float = 30.0) -> bool:
        """Wait until everything submitted so far is in the database; False on timeout (it stays spooled)."""
        deadline = asyncio.get_running_loop().time() + timeout
        self._flushing = True
        try:
            while self._inbox or self._committed < self._spool.end or self._journal_busy or self._audit_due:
                if asyncio.get_running_loop().time() > deadline:
                    return False
                self._db_wake.set()
                self._hurry.set()
                await asyncio.sleep(0.02)
        finally:
            self._flushing = False
        return True

    async def stop(self, drain_timeout: float = 10.0) -> None:
        """Journal what is queued, write what the database takes within drain_timeout, and close.

        Whatever is not written stays in the spool for the next start."""
        if not self._started:
            return
        if self._spool_error is None:  # a failing spool disk is not waited for: nothing more would be kept
            try:
                async with asyncio.timeout(drain_timeout):
                    await self.sync()
            except asyncio.TimeoutError:
                log.error("storage: the spool disk did not take %d queued samples at stop", len(self._inbox))
            if self._error is None:  # the database is there: give it the chance to take the rest now
                await self.flush(drain_timeout)
        if left := await cancel_and_wait(self._tasks):
            log.error("storage: %d task(s) did not end on the way out", len(left))
        self._started = False
        if self._inbox:  # submitted while draining: into the spool, for the next start
            try:
                await asyncio.get_running_loop().run_in_executor(self._journal_exec, self._journal, self._inbox)
            except OSError as error:
                log.error("storage: %d samples lost at stop: cannot write the spool in %s (%s)", len(self._inbox),
                          self._spool.dir, error.strerror or error)
            self._inbox = []
        self._journal_exec.shutdown(wait=True)
        self._db_exec.shutdown(wait=True)
        self._spool.close()
        self.engine.dispose()

    @property
    def running(self) -> bool:
        return self._started

    @property
    def status(self) -> StoreStatus:
        spool = self.spool
        return StoreStatus(self._connected, self._error, self._written, spool.pending_bytes() if spool else 0,
                           self._dropped_inbox + (spool.dropped_lines if spool else 0), len(self._inbox),
                           self._spool_error or self._checkpoint_error,
                           self.supervisor.down(*self.TASKS) if self._started else None)

    # --- journal: inbox -> spool --------------------------------------------------------------------

    async def _journal_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._inbox_ready.wait()
            self._inbox_ready.clear()
            if not self._inbox:
                continue
            events, self._inbox = self._inbox, []
            self._journal_busy = True
            try:
                batch = await loop.run_in_executor(self._journal_exec, self._journal, events)
            except OSError as error:  # the spool's own disk: keep the events queued and try again
                if self._spool_error is None:  # once per episode, not every retry
                    log.error("storage: cannot write the spool in %s (%s); keeping samples in memory and retrying every "
                              "%g s", self._spool.dir, error.strerror or error, self.storage.retry_interval)
                self._spool_error = error.strerror or str(error)
                self._inbox[:0] = events
                await self.clock.sleep(self.storage.retry_interval)
                self._inbox_ready.set()
                continue
            except Exception:  # anything else is the supervisor's to report; the events wait for the restart
                self._inbox[:0] = events
                self._inbox_ready.set()
                raise
            finally:
                self._journal_busy = False
            if self._spool_error is not None:
                log.warning("storage: the spool in %s takes samples again", self._spool.dir)
                self._spool_error = None
            async with self._journal_done:
                self._settled += len(events)
                self._journal_done.notify_all()
            self._memory.append(batch)
            self._memory_records += len(batch.records)
            while self._memory_records > 10 * self.storage.batch_size and len(self._memory) > 1:
                # The database is behind: keep only the newest batches in memory; the rest is read back from the spool.
                self._memory_records -= len(self._memory.popleft().records)
            self._db_wake.set()

    @property
    def _spool(self) -> Spool:
        """The spool start() opened (every task that uses it runs after start)."""
        if self.spool is None:
            raise RuntimeError("the sample store is not started")
        return self.spool

    def _journal(self, events: list[Event]) -> _Batch:
        encoded = [records.encode(e) for e in events]
        start, end = self._spool.append([line for line, _ in encoded])
        return _Batch(start, end, [rec for _, rec in encoded])

    # --- database: spool -> tables ------------------------------------------------------------------

    async def _db_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self._committed >= self._spool.end and not (self._audit_due and self._flushing):
                await self._db_wake.wait()
                self._db_wake.clear()
                continue
            if self._audit_due:  # with the next batch (or a flush): rows are few, and the samples' pace suits them
                self._audit_due = False
                try:
                    await loop.run_in_executor(self._db_exec, self._catch_up_audit)
                except (exc.DBAPIError, StoreError) as error:
                    self._audit_due = True
                    self._set_down(error)
                    await self._pause(self.storage.retry_interval)
                    continue
                if self._committed >= self._spool.end:
                    continue
            try:
                memory = self._from_memory()
                batch = memory if memory is not None else await loop.run_in_executor(self._db_exec, self._from_spool)
            except OSError as error:
                await self._spool_refuses("read", error)
                continue
            try:
                await loop.run_in_executor(self._db_exec, self._write, batch.records)
            except (exc.DBAPIError, StoreError) as error:
                self._set_down(error)
                await self._pause(self.storage.retry_interval)
                continue
            try:
                self._spool.commit(batch.end)
            except OSError as error:  # the batch is in the database: written again (upserted once) until this holds
                await self._spool_refuses("record the checkpoint of", error)
                continue
            if self._checkpoint_error is not None:
                log.warning("storage: the spool in %s takes its checkpoint again", self._spool.dir)
                self._checkpoint_error = None
            self._committed = max(self._committed, batch.end)
            self._written += len(batch.records)
            self._set_up()
            if self._committed >= self._spool.end:
                await self._pause(self.storage.flush_interval)  # let the next batch gather

    async def _spool_refuses(self, what: str, error: OSError) -> None:
        """The spool's disk failed the database loop (away, full, read-only): said once per episode, shown as the
        store's state, tried again after retry_interval; nothing is lost (the lines stay in the spool)."""
        if self._checkpoint_error is None:
            log.error("storage: cannot %s the spool in %s (%s); retrying every %g s", what, self._spool.dir,
                      error.strerror or error, self.storage.retry_interval)
        self._checkpoint_error = error.strerror or str(error)
        await self._pause(self.storage.retry_interval)

    async def _pause(self, seconds: float) -> None:
        """Sleep, cut short by flush()/stop() but not by new samples: they gather into the next batch."""
        self._hurry.clear()
        waiters = {asyncio.ensure_future(self.clock.sleep(seconds)), asyncio.ensure_future(self._hurry.wait())}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()

    def _from_memory(self) -> _Batch | None:
        while self._memory and self._memory[0].end <= self._committed:
            self._memory_records -= len(self._memory.popleft().records)
        if not self._memory or self._memory[0].start != self._committed:
            return None
        first = self._memory[0]
        merged = _Batch(first.start, first.end, list(first.records))
        for b in list(self._memory)[1:]:
            if b.start != merged.end or len(merged.records) + len(b.records) > self.storage.batch_size:
                break
            merged.end = b.end
            merged.records.extend(b.records)
        return merged

    def _from_spool(self) -> _Batch:
        lines, end = self._spool.read(self._committed, self.storage.batch_size)
        return _Batch(self._committed, end, [records.decode(line) for line in lines])

    def _catch_up_audit(self) -> None:
        self._check_schema()
        with self.engine.begin() as conn:
            stored = audit.catch_up(conn, self.ledger)
        if stored:
            log.debug("storage: %d ledger row(s) copied to the audit table", stored)

    def _check_schema(self) -> None:
        if not self._checked:
            if not schema_version.at_head(self.engine):
                from solarctl.store import migrate  # Alembic: only when the schema needs work

                if self.storage.auto_migrate:
                    migrate.upgrade(self.engine)
                else:
                    migrate.check_current(self.engine)  # says to run `solarctl db migrate`
            self._checked = True

    def _write(self, batch: list[records.Record | AlertEvent]) -> None:
        self._check_schema()
        try:
            self.writer.write(batch)
        except exc.DBAPIError:
            raise
        except Exception:  # a bug or an odd value: store the others, say which one failed, never block the spool
            log.exception("storage: a batch of %d failed; writing its samples one by one", len(batch))
            for rec in batch:
                try:
                    self.writer.write([rec])
                except exc.DBAPIError:
                    raise
                except Exception as error:
                    log.error("storage: skipped a %s of %s that cannot be stored: %s", type(rec).__name__, rec.device, error)

    def _set_down(self, error: BaseException) -> None:
        message = str(error if isinstance(error, StoreError) else explain(error, self.url))
        if message != self._error:
            log.error("storage: %s; spooling to %s", message, self._spool.dir)
        self._connected, self._error = False, message

    def _set_up(self) -> None:
        if self._error:
            log.warning("storage: %s is reachable again; back-filling the spool", self.where)
        self._connected, self._error = True, None

    @property
    def where(self) -> str:
        """The database URL with the password masked, for people."""
        return self.url.render_as_string(hide_password=True)

    # --- maintenance: retention and the daily backup ----------------------------------------------------

    async def _maintenance_loop(self) -> None:
        loop = asyncio.get_running_loop()
        await self.clock.sleep(60.0)
        while True:
            if self._connected:
                try:
                    await loop.run_in_executor(self._db_exec, self._maintain)
                except (exc.DBAPIError, OSError) as error:
                    log.error("storage: retention/backup failed: %s", explain(error, self.url) if isinstance(error, exc.DBAPIError) else error)
            await self.clock.sleep(MAINTENANCE_INTERVAL)

    def _maintain(self) -> None:
        now = self.clock.time()
        deleted = retention.prune(self.engine, self.storage, now)
        if any(deleted.values()):
            log.info("storage: retention deleted %s", ", ".join(f"{n} from {t}" for t, n in deleted.items() if n))
        yesterday = datetime.fromtimestamp(now, ZoneInfo(self.storage.timezone)).date().toordinal() - 1
        backup.daily(self.engine, backup_dir(self.config), datetime.fromordinal(yesterday).date(), self.storage)
