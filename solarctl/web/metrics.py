"""Prometheus text exposition: every numeric metric of every device, each device's link health, each
sink's health and each supervised task's, from the same live view the page shows."""

from __future__ import annotations

from typing import Any, Iterator

from solarctl.web.live import LiveView

# health key -> (family, type, help)
_DEVICE = {
    "requests": ("solarctl_link_requests_total", "counter", "requests sent to the device"),
    "timeouts": ("solarctl_link_timeouts_total", "counter", "requests that timed out"),
    "bad_frames": ("solarctl_link_bad_frames_total", "counter", "answers with a bad CRC, address or length"),
    "exceptions": ("solarctl_link_exceptions_total", "counter", "Modbus exception answers"),
    "link_errors": ("solarctl_link_errors_total", "counter", "requests lost because the link was down"),
    "polls": ("solarctl_polls_total", "counter", "polls of the device"),
    "good_polls": ("solarctl_good_polls_total", "counter", "polls that gave trustworthy values"),
    "consecutive_errors": ("solarctl_consecutive_poll_errors", "gauge", "failed polls since the last good one"),
    "last_good_at": ("solarctl_last_good_poll_timestamp_seconds", "gauge", "time of the last good poll"),
    "latency_avg_ms": ("solarctl_link_latency_avg_milliseconds", "gauge", "average request round trip"),
}
_SINK = {
    "queued": ("solarctl_sink_queued", "gauge", "events accepted, not yet delivered"),
    "dropped": ("solarctl_sink_dropped_total", "counter", "events lost"),
    "delivered": ("solarctl_sink_delivered_total", "counter", "events delivered"),
    "failures": ("solarctl_sink_consecutive_failures", "gauge", "consecutive failed deliveries"),
}


def exposition(live: LiveView) -> str:
    snapshot = live.snapshot()
    families: dict[str, tuple[str, str, list[str]]] = {}

    def add(family: str, kind: str, help_text: str, labels: dict[str, Any], value: float) -> None:
        families.setdefault(family, (kind, help_text, []))[2].append(f"{family}{{{_labels(labels)}}} {_number(value)}")

    for device, state in snapshot["devices"].items():
        for metric, index, value in _numbers(state["values"]):
            labels = {"device": device, "metric": metric, "unit": state["units"].get(metric, "")}
            add("solarctl_value", "gauge", "latest value of a device metric (SI units; index: element of a list)",
                labels | ({"index": index} if index is not None else {}), value)
        add("solarctl_device_stale", "gauge",
            "1 while the device's latest values are not current (stale, failed or never read)", {"device": device},
            state["stale"])
        for key, (family, kind, help_text) in _DEVICE.items():
            if state["health"].get(key) is not None:
                add(family, kind, help_text, {"device": device}, state["health"][key])
    for sink, status in snapshot["sinks"].items():
        add("solarctl_sink_up", "gauge", "1 while the sink delivers (state ok)", {"sink": sink, "state": status["state"]},
            status["state"] == "ok")
        for key, (family, kind, help_text) in _SINK.items():
            add(family, kind, help_text, {"sink": sink}, status[key])
    for task, status in snapshot["tasks"].items():
        add("solarctl_task_up", "gauge", "1 while a supervised task runs (0: failed, waiting for its restart)",
            {"task": task, "state": status["state"]}, status["state"] != "down")
        add("solarctl_task_restarts_total", "counter", "restarts of a supervised task after a failure",
            {"task": task}, status["restarts"])
    for role, value in snapshot["flow"].items():
        if value is not None:
            add("solarctl_installation", "gauge", "installation power by role (W) and mean SoC (%)", {"role": role}, value)
    lines = []
    for family, (kind, help_text, samples) in families.items():
        lines += [f"# HELP {family} {help_text}", f"# TYPE {family} {kind}", *samples]
    return "\n".join(lines) + "\n"


def _numbers(values: dict[str, Any]) -> Iterator[tuple[str, int | None, float]]:
    for metric, value in values.items():
        if _numeric(value):
            yield metric, None, value
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value, 1):
                if _numeric(item):
                    yield metric, index, item


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float))  # bools too: on/off as 1/0


def _number(value: float) -> str:
    return repr(float(value)) if not isinstance(value, bool) else str(int(value))


def _labels(labels: dict[str, Any]) -> str:
    def escape(text: Any) -> str:
        return str(text).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
    return ",".join(f'{key}="{escape(value)}"' for key, value in labels.items())
