"""A full spool disk (issue 15): the error is logged once per episode, not every retry; the store says when
the disk takes samples again; and stopping is quick, with one line for what is lost and no traceback."""

from __future__ import annotations

import asyncio
import logging
import time

from solarctl.store.store import SampleStore
from tests.full_disk import fill, small_disk
from tests.store.test_store import DEVICES, plant_samples
from solarctl.config import validate_config


async def test_a_full_spool_disk_is_logged_once_and_stop_stays_quick(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="solarctl")
    with small_disk(tmp_path / "spool", size="256k") as disk:
        config = validate_config({"general": {"data_dir": str(tmp_path / "data")}, "device": DEVICES,
                                  "storage": {"spool_dir": str(disk), "flush_interval": 0.2, "retry_interval": 0.2}})
        store = SampleStore(config)
        await store.start()
        filler = fill(disk)
        for i in range(15):  # 3 s of polls, 15 retries of the spool
            for sample in plant_samples(i):
                store.submit(sample)
            await asyncio.sleep(0.2)
        failures = [r for r in caplog.records if "cannot write the spool" in r.getMessage()]
        assert len(failures) == 1 and "No space left on device" in failures[0].getMessage()
        filler.unlink()  # space again: the episode ends, and the next one is logged again
        async with asyncio.timeout(5):
            while "takes samples again" not in caplog.text:
                await asyncio.sleep(0.05)
        fill(disk)
        for sample in plant_samples(99):
            store.submit(sample)
        await asyncio.sleep(0.5)
        assert len([r for r in caplog.records if "cannot write the spool" in r.getMessage()]) == 2
        started = time.monotonic()
        await store.stop()
        assert time.monotonic() - started < 2.0
    assert not [r for r in caplog.records if r.exc_info]  # no traceback
    assert "samples lost at stop" in caplog.text
