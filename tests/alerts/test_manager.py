"""The alert manager: one event per episode, release hysteresis per kind, re-arm after clearing, ack by id."""

from solarctl.alerts.config import AlertsConfig, ReleaseConfig
from solarctl.alerts.manager import AlertManager
from solarctl.alerts.model import Condition


class StepClock:
    """Time that moves only when a test steps it (the manager only reads it)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


def manager(**release):
    clock = StepClock(1000.0)
    published = []
    config = AlertsConfig(release=ReleaseConfig(**release), release_by_kind={"slow": ReleaseConfig(evaluations=1, seconds=60)})
    return AlertManager(config, clock, published.append), clock, published


def step(alerts, clock, active, kind="cell_low"):
    clock.now += 10  # one evaluation every 10 s
    return alerts.observe(Condition(kind, "bms1", active, message=f"{kind} {active}"))


def test_a_condition_that_stays_true_is_one_event_that_grows():
    alerts, clock, published = manager(evaluations=2)
    for _ in range(5):
        event = step(alerts, clock, True)
    assert [(e.id, e.state, e.count) for e in published] == [(1, "active", 1)]  # published once, as first seen
    assert (event.id, event.count, event.first_seen, event.last_seen) == (1, 5, 1010.0, 1050.0)


def test_it_clears_after_the_release_hysteresis_and_only_then_re_arms():
    alerts, clock, published = manager(evaluations=3)
    step(alerts, clock, True)
    for flicker in (False, False, True, False, False):  # two inactive in a row are not enough
        step(alerts, clock, flicker)
    assert [e.state for e in published] == ["active"]
    step(alerts, clock, False)
    assert [(e.id, e.state) for e in published] == [(1, "active"), (1, "cleared")]
    assert step(alerts, clock, False) is None
    step(alerts, clock, True)
    assert [(e.id, e.state) for e in published][-1] == (2, "active")


def test_release_by_kind_counts_seconds_since_last_active():
    alerts, clock, published = manager()
    step(alerts, clock, True, "slow")
    for _ in range(5):  # 50 s inactive: below the kind's 60 s
        step(alerts, clock, False, "slow")
    assert [e.state for e in published] == ["active"]
    step(alerts, clock, False, "slow")
    assert [e.state for e in published] == ["active", "cleared"]


def test_acknowledge_by_id_and_restore_after_a_restart():
    alerts, clock, published = manager(evaluations=1)
    step(alerts, clock, True)
    step(alerts, clock, True, "other")
    assert alerts.acknowledge(99) is None
    assert alerts.acknowledge(2).state == "acknowledged"
    assert published[-1].state == "acknowledged" and published[-1].acknowledged_at == clock.time()
    again, clock2, published2 = manager(evaluations=1)
    again.restore(alerts.events(active_only=True), next_id=alerts.next_id)
    step(again, clock2, True)  # the same episode goes on: no new event
    assert published2 == [] and [e.count for e in again.events()] == [2, 1]
    step(again, clock2, False)
    step(again, clock2, True, "third")
    assert [(e.id, e.state) for e in published2] == [(1, "cleared"), (3, "active")]
