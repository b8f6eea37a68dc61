"""Every driver's discovery payloads pass Home Assistant's rules (tests/publish/ha_schema.py): each metric of
each catalogue, and a switch / select / number for every writable register, as if all were opened to MQTT."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from solarctl.devices import registry
from solarctl.devices.description import load
from solarctl.publish.ha_discovery import alert_entities, device_entities
from solarctl.publish.mqtt_topics import Topics
from tests.publish.ha_schema import problems

TOPICS = Topics("solarctl", "homeassistant", "solarctl")


def writable_registers(description):
    """One register per setting name (a JK pack's protocols each have their own charge_enabled)."""
    found = {}
    for source in description.metrics._sources:
        table = load(source)
        for reg in table.values() if isinstance(table, Mapping) else table:
            if reg.writable:
                found.setdefault(reg.setting_name, reg)
    return list(found.values())


@pytest.mark.parametrize("driver", sorted(registry.DRIVERS))
def test_every_entity_of_every_driver_passes_home_assistants_rules(driver):
    description = registry.describe(driver)
    settings = list(writable_registers(description))
    entities = device_entities(TOPICS, "dev", description, {"firmware_version": "1.2"}, settings, 16.0)
    assert len(entities) >= len(list(description.metrics))
    bad = {e.object_id: found for e in entities if (found := problems(TOPICS.config(e.component, e.object_id), e.payload))}
    assert not bad, bad
    ids = [e.payload["unique_id"] for e in entities]
    assert len(ids) == len(set(ids))
    assert all(e.payload["device"]["sw_version"] == "1.2" for e in entities)


def test_writable_settings_become_switch_select_or_number():
    pv1800 = registry.describe("must_pv1800")
    kinds = {e.object_id.removeprefix("inv_"): e.component
             for e in device_entities(TOPICS, "inv", pv1800, {}, writable_registers(pv1800), 16.0)
             if e.component in ("switch", "select", "number")}
    assert kinds["grid_connection"] == "switch"  # off-grid / on-grid
    assert kinds["export_current_limit"] == "number"
    assert "select" in kinds.values()  # enums of more than two choices
    jk = registry.describe("jk_pb")
    jk_kinds = {e.object_id.removeprefix("bms1_"): e.component
                for e in device_entities(TOPICS, "bms1", jk, {}, writable_registers(jk), 16.0)}
    assert {jk_kinds[s] for s in ("charge_enabled", "discharge_enabled", "balancer_enabled")} == {"switch"}


def test_the_alert_entities_pass_too():
    for entity in alert_entities(TOPICS):
        assert problems(TOPICS.config(entity.component, entity.object_id), entity.payload) == []


def test_the_checker_catches_what_home_assistant_refuses():
    topic = "homeassistant/sensor/solarctl/x/config"
    good = {"name": "X", "unique_id": "u", "state_topic": "s", "device": {"identifiers": ["d"]}}
    assert problems(topic, good) == []
    assert problems(topic, {**good, "unit": "V"})  # unknown key
    assert problems(topic, {**good, "device_class": "energy", "unit_of_measurement": "kWh", "state_class": "measurement"})
    assert problems(topic, {**good, "device_class": "power", "unit_of_measurement": "kWh"})
    assert problems(topic, {k: v for k, v in good.items() if k != "state_topic"})
    assert problems(topic, {**good, "device_class": "enum"})  # without options
    assert problems("homeassistant/select/solarctl/x/config", {"command_topic": "c", "options": []})
