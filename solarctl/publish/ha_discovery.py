"""Home Assistant MQTT discovery payloads, built from the drivers' metric catalogues and writable settings.

One HA device per configured device (model / manufacturer / firmware from its own identity values when it has
reported them), one entity per metric, a switch / select / number per setting enabled for MQTT control, and the
alerts (an event entity and a sensor of the active ones) on a device for solarctl itself. unique_ids are made of
the client id, the device name and the metric or setting, so they survive restarts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Collection, Iterable, Mapping

from solarctl.devices.description import Catalogue, DriverDescription, Metric
from solarctl.publish.mqtt_topics import Topics
from solarctl.registers import Register
from solarctl.sample import Value

ALERT_EVENT_TYPES = ("active", "cleared", "acknowledged")
ORIGIN = {"name": "solarctl"}
# Identity values a driver may report, in order of preference, for HA's device registry.
_IDENTITY = {"model": ("model", "device_model"), "sw_version": ("firmware_version", "software_version"),
             "hw_version": ("hardware_version",), "serial_number": ("serial_number",)}
IDENTITY_METRICS = frozenset(name for names in _IDENTITY.values() for name in names)  # read once, never stale


@dataclass(frozen=True)
class Entity:
    component: str  # sensor, binary_sensor, switch, select, number, event
    object_id: str
    payload: dict[str, Any]


def _title(name: str) -> str:
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def _get(key: str) -> str:
    return f"value_json.get('{key}')"


def delivered(description: DriverDescription, device_config: Any) -> DriverDescription:
    """The description as Home Assistant is told of it: narrowed to what the configured device delivers where
    its config says (`delivered_metrics`, e.g. a JK pack's protocol), so no entity waits for a value that
    never comes."""
    narrow = getattr(device_config, "delivered_metrics", None)
    return description if narrow is None else replace(description, metrics=Catalogue(*narrow()))


def ha_device(topics: Topics, device: str, description: DriverDescription, values: Mapping[str, Value]) -> dict[str, Any]:
    info: dict[str, Any] = {"identifiers": [f"{topics.node}_{device}"], "name": device, "model": description.name}
    if description.manufacturer:
        info["manufacturer"] = description.manufacturer
    for key, names in _IDENTITY.items():
        found = next((values[n] for n in names if values.get(n) not in (None, "", 0)), None)
        if found is not None:
            info[key] = str(found).strip()
    return info


def _common(topics: Topics, device: str, key: str, name: str, ha_dev: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "unique_id": f"{topics.node}_{device}_{key}", "device": ha_dev, "origin": ORIGIN,
            "availability": [{"topic": topics.status}, {"topic": topics.availability(device)}],
            "availability_mode": "all"}


def metric_entity(topics: Topics, device: str, metric: Metric, ha_dev: dict[str, Any], expire_after: float) -> Entity:
    payload = _common(topics, device, metric.name, _title(metric.name), ha_dev)
    payload |= {"state_topic": topics.state(device), "expire_after": max(1, round(expire_after))}
    if metric.kind == "on_off":
        payload["value_template"] = f"{{{{ 'ON' if {_get(metric.name)} else 'OFF' }}}}"
        return Entity("binary_sensor", f"{device}_{metric.name}", payload)
    if metric.kind == "list":  # how many (cells, modules, set flags), the list itself as an attribute
        payload["name"] = _title(f"{metric.name} count")
        # No list is not an empty one: "None" makes the (numeric) sensor unknown, never 0.
        payload["value_template"] = f"{{{{ {_get(metric.name)} | count if {_get(metric.name)} is not none else None }}}}"
        payload["suggested_display_precision"] = 0
        payload["json_attributes_topic"] = topics.state(device)
        payload["json_attributes_template"] = f"{{{{ {{'{metric.name}': {_get(metric.name)}}} | tojson }}}}"
        return Entity("sensor", f"{device}_{metric.name}", payload)
    payload["value_template"] = f"{{{{ {_get(metric.name)} }}}}"
    if metric.device_class == "timestamp":  # epoch seconds in the state; HA takes ISO 8601 only
        payload["value_template"] = (f"{{{{ {_get(metric.name)} | timestamp_custom('%Y-%m-%dT%H:%M:%S+00:00', false) "
                                     f"if {_get(metric.name)} is number else None }}}}")
    if metric.kind != "enum":  # enum metrics are plain text: HA's enum class would need every option listed
        extra = {"unit_of_measurement": metric.unit or None, "device_class": metric.device_class,
                 "state_class": metric.state_class, "suggested_display_precision": metric.precision}
        payload |= {k: v for k, v in extra.items() if v is not None}
    return Entity("sensor", f"{device}_{metric.name}", payload)


def metric_topics(topics: Topics, device: str, metrics: Iterable[Metric]) -> dict[str, str]:
    """metric -> the discovery config topic of its entity."""
    return {m.name: topics.config(e.component, e.object_id)
            for m in metrics if (e := metric_entity(topics, device, m, {}, 1))}


def setting_entity(topics: Topics, device: str, reg: Register, ha_dev: dict[str, Any]) -> Entity | None:
    """switch (an enum of two: 0 = off, 1 = on), select (other enums) or number (a range); None for text."""
    setting = reg.setting_name
    payload = _common(topics, device, f"set_{setting}", _title(setting), ha_dev)
    payload |= {"command_topic": topics.command(device, setting), "state_topic": topics.state(device),
                "value_template": f"{{{{ {_get(reg.name)} }}}}", "qos": 1, "retain": False}
    if reg.enum is not None and set(reg.enum) == {0, 1}:
        payload |= {"payload_on": reg.enum[1], "payload_off": reg.enum[0], "state_on": reg.enum[1],
                    "state_off": reg.enum[0]}
        return Entity("switch", f"{device}_{setting}", payload)
    if reg.enum is not None:
        return Entity("select", f"{device}_{setting}", payload | {"options": list(reg.enum.values())})
    if reg.type == "str":
        return None
    payload |= {"min": reg.min, "max": reg.max, "step": abs(reg.scale), "mode": "box"}
    if reg.unit:
        payload["unit_of_measurement"] = reg.unit
    return Entity("number", f"{device}_{setting}", payload)


def device_entities(topics: Topics, device: str, description: DriverDescription, values: Mapping[str, Value],
                    controlled: Iterable[Register], expire_after: float,
                    shown: Collection[str] | None = None) -> list[Entity]:
    """Its entities: of every metric, or only of those `shown`."""
    ha_dev = ha_device(topics, device, description, values)
    entities = [metric_entity(topics, device, m, ha_dev, expire_after) for m in description.metrics
                if shown is None or m.name in shown]
    entities += [e for reg in controlled if (e := setting_entity(topics, device, reg, ha_dev)) is not None]
    return entities


def alert_entities(topics: Topics) -> list[Entity]:
    ha_dev = {"identifiers": [topics.node], "name": topics.node, "manufacturer": "solarctl", "model": "solarctl"}
    status = [{"topic": topics.status}]
    base = {"device": ha_dev, "origin": ORIGIN, "availability": status}
    event = base | {"name": "Alert", "unique_id": f"{topics.node}_alert", "state_topic": topics.alert_event,
                    "event_types": list(ALERT_EVENT_TYPES)}
    active = base | {"name": "Active alerts", "unique_id": f"{topics.node}_alerts_active",
                     "state_topic": topics.alerts_active, "value_template": "{{ value_json.count }}",
                     "state_class": "measurement", "json_attributes_topic": topics.alerts_active,
                     "json_attributes_template": "{{ {'alerts': value_json.alerts} | tojson }}"}
    return [Entity("event", "alert", event), Entity("sensor", "alerts_active", active)]
