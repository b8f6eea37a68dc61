"""Writer process for the fault test: feeds deterministic Samples into a SampleStore at a steady rate.

Usage: fault_writer.py URL DATA_DIR FIRST LAST RATE
Submits samples FIRST..LAST-1 (sample i is `sample(i)`), RATE per second, and prints i once sample i is
durably spooled; then waits until the database has everything and exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time

from solarctl.config import validate_config
from solarctl.sample import Sample
from solarctl.store.store import SampleStore

T0 = 1_717_200_000.0
DEVICES = ("xw", "west", "stack")
DRIVERS = {"xw": "conext_xw", "west": "conext_mppt", "stack": "pylontech_console"}


def sample(i: int) -> Sample:
    device = DEVICES[i % 3]
    t = T0 + (i // 3) * 0.5  # every device polled every 0.5 s of sample time
    if device == "stack":
        return Sample(device, t, {"soc": 50.0, "power": float(i), "modules": [{"index": 1, "soc": 50.0, "current": -float(i)}]})
    return Sample(device, t, {"seq": i, "grid_power" if device == "xw" else "dc_output_power": float(i)})


async def main(url: str, data_dir: str, first: int, last: int, rate: float) -> None:
    cfg = validate_config({"general": {"data_dir": data_dir},
                           "storage": {"url": url, "flush_interval": 0.2, "retry_interval": 0.5}})
    store = SampleStore(cfg, drivers=DRIVERS)
    await store.start()
    started = time.monotonic()
    for i in range(first, last):
        await asyncio.sleep(max(0.0, started + (i - first) / rate - time.monotonic()))
        store.submit(sample(i))
        await store.sync()
        print(i, flush=True)
    ok = await store.flush(120)
    await store.stop()
    sys.exit(0 if ok else 3)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    url, data_dir, first, last, rate = sys.argv[1:6]
    asyncio.run(main(url, data_dir, int(first), int(last), float(rate)))
