"""The [mqtt] table: accepted with what it needs, refused with a sentence for what cannot work."""

from __future__ import annotations

import pytest

from solarctl.clock import SystemClock
from solarctl.config import ConfigError, parse_config
from solarctl.installation import Installation
from solarctl.publish.mqtt import daemon_mqtt_sink
from solarctl.publish.mqtt_config import MqttSetupError

DEVICE = '[[device]]\nname = "inverter"\ndriver = "must_pv1800"\nport = "/dev/ttyINV0"\n\n'


def site(tmp_path, mqtt: str) -> str:
    return f'[general]\ndata_dir = "{tmp_path}"\n\n{DEVICE}[mqtt]\n{mqtt}'


def test_an_mqtt_table_is_accepted_with_its_defaults(tmp_path):
    cfg = parse_config(site(tmp_path, 'host = "broker.lan"\ncontrol = ["inverter.grid_connection"]\n'))
    assert (cfg.mqtt.host, cfg.mqtt.port, cfg.mqtt.topic_prefix, cfg.mqtt.discovery_prefix) == \
        ("broker.lan", 1883, "solarctl", "homeassistant")
    assert cfg.mqtt.control == ["inverter.grid_connection"]


@pytest.mark.parametrize("body, problem", [
    ('host = "b"\npassword = "x"\npassword_file = "/etc/solarctl/mqtt.pw"\n', "either password or password_file"),
    ('host = "b"\ncontrol = ["bms9.charge_enabled"]\n', "names a device that is not configured"),
    ('host = "b"\ncontrol = ["grid_connection"]\n', "is not DEVICE.SETTING"),
    ('host = "b"\ntopic_prefix = "solar/ctl"\n', "only letters, digits"),
    ('host = "b"\nca_file = "/etc/ssl/ca.pem"\n', "set tls = true"),
    ('port = 1883\n', "host"),
])
def test_a_table_that_cannot_work_is_refused_with_a_sentence(tmp_path, body, problem):
    with pytest.raises(ConfigError, match="mqtt") as caught:
        parse_config(site(tmp_path, body))
    assert problem in str(caught.value)


def test_a_control_entry_that_is_no_writable_setting_stops_the_start(tmp_path):
    cfg = parse_config(site(tmp_path, 'host = "b"\ncontrol = ["inverter.pv_power"]\n'))
    with pytest.raises(MqttSetupError, match=r"'pv_power' is not a writable setting of 'inverter' \(writable: .*grid_connection"):
        daemon_mqtt_sink(cfg, Installation(cfg, SystemClock()).devices, None, SystemClock())


def test_an_unreadable_password_file_stops_the_start(tmp_path):
    cfg = parse_config(site(tmp_path, f'host = "b"\nusername = "u"\npassword_file = "{tmp_path}/missing"\n'))
    with pytest.raises(MqttSetupError, match="cannot read \\[mqtt\\] password_file"):
        daemon_mqtt_sink(cfg, Installation(cfg, SystemClock()).devices, None, SystemClock())
