"""The daemon's own checks: a device with no good poll for device_lost_s is lost, and back when it polls; failed and
refused writes; the status report only inside its local-time window, once per period."""

from datetime import datetime
from zoneinfo import ZoneInfo

from solarctl.alerts.config import AlertsConfig, ReleaseConfig, StatusReportConfig
from solarctl.alerts.health import write_outcome
from solarctl.alerts.manager import AlertManager
from solarctl.alerts.watch import AlertWatch
from solarctl.hub import StateHub
from solarctl.sample import PollError, Sample
from tests.alerts.test_manager import StepClock

ZONE = ZoneInfo("Europe/Vienna")
AFTERNOON = datetime(2026, 6, 21, 14, 59, 0, tzinfo=ZONE).timestamp()


def rig(**config):
    clock = StepClock(AFTERNOON)
    events = []
    cfg = AlertsConfig(release=ReleaseConfig(evaluations=2), device_lost_s=60, **config)
    manager = AlertManager(cfg, clock, events.append)
    hub = StateHub()
    return AlertWatch(cfg, manager, hub, clock, {"bms1": "jk_pb", "inverter": "must_pv1800"}), hub, clock, events


def test_device_lost_after_its_limit_and_back_after_the_release():
    watch, hub, clock, events = rig()
    for _ in range(12):  # two minutes, a good poll of the inverter every 10 s, bms1 failing throughout
        clock.now += 10
        hub.publish(Sample("inverter", clock.now, {"pv_power": 100.0}))
        hub.publish(PollError("bms1", clock.now, "no answer"))
        watch.step()
    assert [(e.kind, e.device, e.state) for e in events] == [("device_lost", "bms1", "active")]
    assert "no good poll for 70 s" in events[0].message
    for _ in range(2):
        clock.now += 10
        hub.publish(Sample("bms1", clock.now, {"soc": 50}))
        watch.step()
    assert [(e.device, e.state) for e in events] == [("bms1", "active"), ("bms1", "cleared")]


def test_failed_and_refused_writes_raise_and_a_good_write_counts_towards_clearing():
    watch, hub, clock, events = rig()
    watch.manager.observe_all(write_outcome("xw", "load_shave", "failed", "write or read-back failed: timeout", "strategy:soc_band"))
    watch.manager.observe_all(write_outcome("xw", "load_shave", "rejected", "daily write budget used up", "strategy:soc_band"))
    assert [(e.kind, e.severity) for e in events] == [("write_failed", "critical"), ("write_refused", "warning")]
    assert events[1].values == {"setting": "load_shave", "reason": "daily write budget used up"}
    for _ in range(2):
        watch.manager.observe_all(write_outcome("xw", "load_shave", "written", "", "strategy:soc_band"))
    assert [e.state for e in events[2:]] == ["cleared", "cleared"]


def test_a_persons_refused_input_is_no_alert_and_each_setting_is_its_own_alert():
    """Typos from any channel are answered to their sender and audited, never broadcast (issue 20.3); a strategy's
    refused writes of two settings are two alerts, each naming its setting."""
    watch, hub, clock, events = rig()
    for source in ("telegram:42", "mqtt", "web:admin", "cli:uid=0", "command_file"):
        watch.manager.observe_all(write_outcome("inverter", "grid_connection", "rejected", "'maybe' is not one of …", source))
    assert events == []
    watch.manager.observe_all(write_outcome("xw", "load_shave", "rejected", "budget used up", "strategy:soc_band"))
    watch.manager.observe_all(write_outcome("xw", "grid_support", "rejected", "budget used up", "strategy:soc_band"))
    assert [(e.kind, e.device, e.message) for e in events] == [
        ("write_refused", "xw.load_shave", "xw.load_shave: a write was refused"),
        ("write_refused", "xw.grid_support", "xw.grid_support: a write was refused")]
    watch.manager.observe_all(write_outcome("xw", "load_shave", "failed", "timeout", "telegram:42"))
    assert (events[-1].kind, events[-1].device) == ("write_failed", "xw.load_shave")  # the device's failure: alerted


def test_the_status_report_runs_in_its_window_once_per_period():
    watch, hub, clock, events = rig(report=StatusReportConfig(start_hour=15, end_hour=21, period_s=3600, timezone="Europe/Vienna"))
    hub.publish(Sample("bms1", clock.now, {"soc": 81}))
    hub.publish(Sample("inverter", clock.now, {"pv_power": 1234.0, "load_power": 700.0}))
    for _ in range(8 * 60):  # 14:59 .. 22:59, every minute
        watch.step()
        hub.publish(Sample("bms1", clock.now, {"soc": 81}))
        hub.publish(Sample("inverter", clock.now, {"pv_power": 1234.0, "load_power": 700.0}))
        clock.now += 60
    reports = [e for e in events if e.kind == "status_report"]
    hours = [datetime.fromtimestamp(e.first_seen, ZONE).strftime("%H:%M") for e in reports]
    assert hours == ["15:00", "16:00", "17:00", "18:00", "19:00", "20:00"]
    assert reports[0].severity == "info" and reports[0].state == "cleared"
    assert reports[0].message == "status: bms1 SoC 81 %, inverter PV 1234 W, inverter load 700 W"
    assert [e.kind for e in events if e.kind != "status_report"] == []
