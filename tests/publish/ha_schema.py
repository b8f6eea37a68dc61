"""Home Assistant's MQTT discovery rules, written down from its documentation (integrations/mqtt, sensor.mqtt,
binary_sensor.mqtt, switch.mqtt, number.mqtt, select.mqtt, event.mqtt, sensor device classes), so the tests can
check our payloads without installing Home Assistant.

HA's discovery schemas refuse unknown keys ("extra keys not allowed"), require some keys per component,
accept only its device classes and, for a device class, only its units; a unique_id is needed for a device.
"""

from __future__ import annotations

import re
from typing import Any

TOPIC = re.compile(r"^(?P<prefix>[^/#+]+)/(?P<component>[a-z_]+)/(?:(?P<node>[A-Za-z0-9_-]+)/)?(?P<object>[A-Za-z0-9_-]+)/config$")

COMMON = {"name", "unique_id", "device", "origin", "availability", "availability_mode", "availability_topic",
          "availability_template", "payload_available", "payload_not_available", "enabled_by_default",
          "entity_category", "entity_picture", "icon", "json_attributes_topic", "json_attributes_template",
          "object_id", "default_entity_id", "qos", "encoding"}
KEYS = {
    "sensor": {"state_topic", "value_template", "unit_of_measurement", "device_class", "state_class",
               "suggested_display_precision", "expire_after", "force_update", "last_reset_value_template", "options"},
    "binary_sensor": {"state_topic", "value_template", "device_class", "expire_after", "force_update", "off_delay",
                      "payload_on", "payload_off"},
    "switch": {"command_topic", "command_template", "state_topic", "value_template", "payload_on", "payload_off",
               "state_on", "state_off", "optimistic", "retain", "device_class"},
    "number": {"command_topic", "command_template", "state_topic", "value_template", "min", "max", "step", "mode",
               "unit_of_measurement", "device_class", "optimistic", "retain", "payload_reset"},
    "select": {"command_topic", "command_template", "state_topic", "value_template", "options", "optimistic", "retain"},
    "event": {"state_topic", "value_template", "event_types", "device_class"},
}
REQUIRED = {"sensor": {"state_topic"}, "binary_sensor": {"state_topic"}, "switch": {"command_topic"},
            "number": {"command_topic"}, "select": {"command_topic", "options"}, "event": {"state_topic", "event_types"}}
DEVICE_KEYS = {"identifiers", "connections", "name", "manufacturer", "model", "model_id", "sw_version", "hw_version",
               "serial_number", "suggested_area", "via_device", "configuration_url"}
ORIGIN_KEYS = {"name", "sw_version", "support_url"}

# Sensor device classes and the units HA accepts with each (None: no unit).
SENSOR_UNITS: dict[str, set[str | None]] = {
    "apparent_power": {"VA", "kVA"}, "aqi": {None}, "atmospheric_pressure": {"cbar", "bar", "hPa", "inHg", "kPa", "mbar", "Pa", "psi"},
    "battery": {"%"}, "carbon_dioxide": {"ppm"}, "carbon_monoxide": {"ppm"}, "current": {"A", "mA"},
    "data_rate": {"bit/s", "kbit/s", "Mbit/s", "Gbit/s", "B/s", "kB/s", "MB/s", "GB/s"},
    "data_size": {"bit", "kbit", "Mbit", "Gbit", "B", "kB", "MB", "GB", "TB"}, "date": {None},
    "distance": {"km", "m", "cm", "mm", "mi", "yd", "in", "ft"}, "duration": {"d", "h", "min", "s", "ms", "µs"},
    "energy": {"Wh", "kWh", "MWh", "GWh", "TWh", "mWh", "J", "kJ", "MJ", "GJ", "cal", "kcal", "Mcal", "Gcal"},
    "energy_storage": {"Wh", "kWh", "MWh", "GWh", "TWh", "mWh", "J", "kJ", "MJ", "GJ"}, "enum": {None},
    "frequency": {"Hz", "kHz", "MHz", "GHz"}, "humidity": {"%"}, "illuminance": {"lx"},
    "power": {"W", "kW", "MW", "GW", "TW", "mW", "BTU/h"}, "power_factor": {"%", None}, "pressure": {"Pa", "kPa", "hPa", "bar", "mbar", "psi"},
    "reactive_power": {"var", "kvar"}, "signal_strength": {"dB", "dBm"}, "speed": {"m/s", "km/h", "mph"},
    "temperature": {"°C", "°F", "K"}, "timestamp": {None}, "voltage": {"V", "mV", "µV", "kV", "MV"},
    "volume": {"L", "mL", "m³", "gal"}, "water": {"L", "m³", "gal"}, "weight": {"kg", "g", "lb", "oz"},
}
STATE_CLASSES = {"measurement", "measurement_angle", "total", "total_increasing"}
ONLY_TOTALS = {"energy", "energy_storage", "water", "volume"}  # device classes that refuse state_class measurement
NUMBER_CLASSES = set(SENSOR_UNITS) - {"date", "enum", "timestamp", "energy_storage"}


def problems(topic: str, payload: dict[str, Any]) -> list[str]:
    """What Home Assistant would refuse or log about this discovery message; [] if it takes it."""
    found: list[str] = []
    match = TOPIC.match(topic)
    if not match:
        return [f"{topic}: not <prefix>/<component>/[<node_id>/]<object_id>/config"]
    component = match["component"]
    if component not in KEYS:
        return [f"{topic}: component {component!r} not checked here"]
    extra = set(payload) - COMMON - KEYS[component]
    if extra:
        found.append(f"extra keys not allowed: {sorted(extra)}")
    missing = REQUIRED[component] - set(payload)
    if missing:
        found.append(f"required keys missing: {sorted(missing)}")
    device = payload.get("device")
    if device is not None:
        if not (device.get("identifiers") or device.get("connections")):
            found.append("device needs identifiers or connections")
        if set(device) - DEVICE_KEYS:
            found.append(f"device: extra keys {sorted(set(device) - DEVICE_KEYS)}")
        if not payload.get("unique_id"):
            found.append("a device needs a unique_id")
    if set(payload.get("origin", {})) - ORIGIN_KEYS or ("origin" in payload and "name" not in payload["origin"]):
        found.append("origin needs a name and only name / sw_version / support_url")
    for entry in payload.get("availability", []):
        if set(entry) - {"topic", "payload_available", "payload_not_available", "value_template"} or "topic" not in entry:
            found.append(f"availability entry {entry}")
    if payload.get("availability_mode", "latest") not in ("all", "any", "latest"):
        found.append("availability_mode")
    for key in ("state_topic", "command_topic", "json_attributes_topic"):
        if key in payload and (not isinstance(payload[key], str) or "+" in payload[key] or "#" in payload[key]):
            found.append(f"{key} must be a topic without wildcards")
    if payload.get("qos", 0) not in (0, 1, 2):
        found.append("qos")
    device_class = payload.get("device_class")
    unit = payload.get("unit_of_measurement")
    state_class = payload.get("state_class")
    if component == "sensor":
        if device_class is not None and device_class not in SENSOR_UNITS:
            found.append(f"unknown sensor device_class {device_class!r}")
        elif device_class is not None and unit not in SENSOR_UNITS[device_class]:
            found.append(f"unit {unit!r} is not valid together with device class {device_class!r}")
        if state_class is not None and state_class not in STATE_CLASSES:
            found.append(f"unknown state_class {state_class!r}")
        if state_class == "measurement" and device_class in ONLY_TOTALS:
            found.append(f"device class {device_class!r} takes state_class total or total_increasing")
        if "options" in payload and (state_class or unit or device_class not in (None, "enum")):
            found.append("options go only with device_class enum and no unit or state_class")
        if device_class == "enum" and not payload.get("options"):
            found.append("device_class enum needs options")
        if "expire_after" in payload and not (isinstance(payload["expire_after"], int) and payload["expire_after"] > 0):
            found.append("expire_after must be a positive integer")
    if component == "number":
        if not payload.get("min", 1) < payload.get("max", 100):
            found.append("min must be below max")
        if payload.get("step", 1) < 0.001:
            found.append("step must be at least 0.001")
        if payload.get("mode", "auto") not in ("auto", "box", "slider"):
            found.append("mode")
        if device_class is not None and device_class not in NUMBER_CLASSES:
            found.append(f"unknown number device_class {device_class!r}")
    if component == "select" and not (isinstance(payload.get("options"), list) and payload["options"]
                                      and all(isinstance(o, str) for o in payload["options"])):
        found.append("select options must be a non-empty list of strings")
    if component == "event" and not (isinstance(payload.get("event_types"), list) and payload["event_types"]):
        found.append("event_types must be a non-empty list")
    return found
