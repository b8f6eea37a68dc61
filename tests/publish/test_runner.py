"""SinkRunner: the circuit opens and closes, drops are counted and logged once per episode; the hub's own drops."""

from __future__ import annotations

import asyncio
import logging

from solarctl.bus.backoff import Backoff
from solarctl.clock import VirtualClock
from solarctl.hub import StateHub
from solarctl.publish.breaker import CircuitBreaker
from solarctl.publish.runner import SinkRunner
from solarctl.sample import Sample

T0 = 1_717_200_000.0


def sample(i: int) -> Sample:
    return Sample("xw", T0 + i, {"grid_power": float(i)})


class Recorder:
    """A handler that fails while `broken`, and waits at `gate` while it is closed."""

    def __init__(self) -> None:
        self.broken = False
        self.calls = 0
        self.got: list[Sample] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def open(self) -> None:
        pass

    async def deliver(self, events) -> None:
        self.calls += 1
        await self.gate.wait()
        if self.broken:
            raise ConnectionError("peer refused")
        self.got.extend(events)

    async def close(self) -> None:
        pass


def runner(handler, clock, **options) -> SinkRunner:
    breaker = CircuitBreaker(threshold=3, backoff=Backoff(initial=10.0, maximum=40.0, jitter=0.0))
    return SinkRunner("probe", handler, clock, breaker=breaker, **options)


async def test_circuit_opens_after_consecutive_failures_and_closes_after_a_good_trial(caplog):
    caplog.set_level(logging.DEBUG, logger="solarctl")
    clock, handler = VirtualClock(), Recorder()
    handler.broken = True
    sink = runner(handler, clock)
    await sink.start()
    sink.submit(sample(0))
    await clock.run_for(0)
    status = sink.status()
    assert handler.calls == 3 and status.state == "open" and status.failures == 3
    assert status.last_error == "ConnectionError: peer refused" and status.queued == 1 and status.delivered == 0

    for i in range(1, 5):  # while open, events wait in the queue and the handler is left alone
        sink.submit(sample(i))
    await clock.run_for(9.0)
    assert handler.calls == 3 and sink.status().queued == 5

    await clock.run_for(1.0)  # the trial fails: open again, for twice as long
    assert handler.calls == 4 and sink.status().state == "open"
    await clock.run_for(19.0)
    assert handler.calls == 4

    handler.broken = False
    await clock.run_for(1.0)  # this trial gets through, and the rest follows at once
    status = sink.status()
    assert status.state == "ok" and status.failures == 0 and status.delivered == 5 and status.queued == 0
    assert [s.timestamp for s in handler.got] == [T0 + i for i in range(5)]  # in order, nothing lost
    assert status.dropped == 0
    opened = [r for r in caplog.records if "not fed for" in r.getMessage()]
    assert len(opened) == 1 and opened[0].levelno == logging.ERROR  # the outage said once, not per trial
    assert [r.getMessage() for r in caplog.records if "working again" in r.getMessage()] == [
        "sink probe: working again after 4 failed attempt(s)"]
    await sink.stop()
    assert sink.status().state == "stopped"


async def test_a_call_over_the_time_limit_opens_the_circuit_at_once():
    clock, handler = VirtualClock(), Recorder()
    handler.gate.clear()  # hangs
    sink = runner(handler, clock, call_timeout=0.05)
    await sink.start()
    sink.submit(sample(0))
    await asyncio.sleep(0.2)
    status = sink.status()
    assert handler.calls == 1 and status.state == "open" and status.failures == 1
    assert status.last_error == "a delivery took longer than 0.05 s" and status.queued == 1
    await sink.stop(timeout=0.2)  # bounded although the handler still hangs
    assert sink.status().dropped == 1  # the undelivered event is counted, not silently gone


async def test_drops_are_counted_and_logged_once_per_episode(caplog):
    caplog.set_level(logging.INFO, logger="solarctl")
    clock, handler = VirtualClock(), Recorder()
    handler.gate.clear()  # a slow peer: the first batch is in flight, the rest waits
    sink = runner(handler, clock, queue_limit=5, batch_size=2, call_timeout=60.0)
    await sink.start()
    sink.submit(sample(0))
    sink.submit(sample(1))
    await asyncio.sleep(0.01)  # batch [0, 1] in flight
    for i in range(2, 20):
        sink.submit(sample(i))
    assert sink.status().dropped == 15 and sink.status().queued == 5
    handler.gate.set()
    await asyncio.sleep(0.05)
    status = sink.status()
    assert status.queued == 0 and status.delivered == 5 and status.dropped == 15
    assert [s.timestamp - T0 for s in handler.got] == [0, 1, 17, 18, 19]  # the oldest waiting ones went
    warned = [r.getMessage() for r in caplog.records if r.name == "solarctl.publish.runner"]
    assert warned == ["sink probe: its queue is full; dropping events until it catches up",
                      "sink probe: caught up; 15 event(s) were lost"]

    handler.gate.clear()  # a second episode is logged again, with its own count
    sink.submit(sample(20))
    await asyncio.sleep(0.01)  # [20] in flight, room for 4 more
    for i in range(21, 28):
        sink.submit(sample(i))
    handler.gate.set()
    await asyncio.sleep(0.05)
    warned = [r.getMessage() for r in caplog.records if r.name == "solarctl.publish.runner"]
    assert warned[2:] == ["sink probe: its queue is full; dropping events until it catches up",
                          "sink probe: caught up; 3 event(s) were lost"]
    assert sink.status().dropped == 18
    await sink.stop()


class Raising:
    name = "raising"

    def submit(self, event) -> None:
        raise ValueError("bug")


async def test_hub_counts_and_logs_its_drops_once_per_episode(caplog):
    caplog.set_level(logging.INFO, logger="solarctl")
    hub = StateHub()
    slow = hub.subscribe(maxsize=2, name="slow")
    hub.attach(Raising())
    for i in range(5):
        hub.publish(sample(i))  # never raises into the publisher
    assert hub.devices["xw"].values["grid_power"] == 4.0
    assert hub.drops() == {"subscribers": {"slow": 3}, "sinks": {"raising": 5}}
    assert [(await slow.get()).timestamp - T0 for _ in range(2)] == [3, 4]
    messages = [r.getMessage() for r in caplog.records if r.name == "solarctl.hub"]
    assert messages == ["sink raising: submit failed (ValueError: bug); dropping events until it catches up",
                        "hub subscriber slow: its queue is full; dropping events until it catches up",
                        "hub subscriber slow: caught up; 3 event(s) were lost"]
