"""Feature tables ([web], [mqtt], [telegram]) are absent unless written, and the configs solarctl writes parse.
Every feature that was refused here has landed: [mqtt] tests/publish/test_mqtt_config.py, [web]
tests/web/test_api.py, [telegram] tests/telegram/test_telegram_config.py."""

import tomllib

import pytest

from solarctl.config import parse_config
from solarctl.demo.run import demo_config_text
from tests.cli.test_config_cli import DATA, solarctl


def test_a_config_without_those_tables_expects_none_of_them(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text(f'[general]\ndata_dir = "{tmp_path}"\n')
    result = solarctl("config", "check", "--config", str(path))
    assert result.returncode == 0, result.stderr
    cfg = parse_config(path.read_text())
    assert (cfg.web, cfg.mqtt, cfg.telegram, cfg.webhook) == (None, None, None, [])


@pytest.mark.parametrize("site", ["scp_site", "solar_station_site"])
def test_the_embedded_demo_configs_parse(tmp_path, site):
    parse_config(demo_config_text(tmp_path, site))


@pytest.mark.parametrize("scp_cfg", ["scp.cfg", "scp-first.cfg"])
def test_import_scp_writes_toml(scp_cfg):
    result = solarctl("config", "import-scp", str(DATA / scp_cfg))
    assert result.returncode == 0, result.stderr
    tomllib.loads(result.stdout)
    assert "web page" not in result.stdout  # no promise of a page it does not set up
