"""Tables of features this version does not have ([telegram]) are refused, not silently ignored."""

import tomllib

import pytest

from solarctl.config import parse_config
from solarctl.demo.run import demo_config_text
from tests.cli.test_config_cli import DATA, solarctl

UNBUILT = ("telegram",)  # [mqtt] landed: tests/publish/test_mqtt_config.py; [web]: tests/web/test_api.py


@pytest.mark.parametrize("table, body, feature", [
    ("telegram", 'token = "123:abc"\nchat_id = 42\n', "Telegram alerts"),
])
def test_config_check_refuses_a_table_whose_feature_is_not_built(tmp_path, table, body, feature):
    path = tmp_path / "site.toml"
    path.write_text(f'[general]\ndata_dir = "{tmp_path}"\n\n[{table}]\n{body}')
    result = solarctl("config", "check", "--config", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (f"{path}: {table}: {feature}" in result.stderr
            and f"is not in this version of solarctl yet; remove the [{table}] table" in result.stderr)


def test_a_config_without_those_tables_expects_none_of_them(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text(f'[general]\ndata_dir = "{tmp_path}"\n')
    result = solarctl("config", "check", "--config", str(path))
    assert result.returncode == 0, result.stderr
    cfg = parse_config(path.read_text())
    assert (cfg.web, cfg.mqtt, cfg.telegram) == (None, None, None)


@pytest.mark.parametrize("site", ["scp_site", "solar_station_site"])
def test_the_embedded_demo_configs_have_no_unbuilt_tables(tmp_path, site):
    text = demo_config_text(tmp_path, site)
    assert not set(tomllib.loads(text)) & set(UNBUILT)
    parse_config(text)


@pytest.mark.parametrize("scp_cfg", ["scp.cfg", "scp-first.cfg"])
def test_import_scp_writes_no_unbuilt_tables(scp_cfg):
    result = solarctl("config", "import-scp", str(DATA / scp_cfg))
    assert result.returncode == 0, result.stderr
    assert not set(tomllib.loads(result.stdout)) & set(UNBUILT)
    assert "web page" not in result.stdout  # no promise of a page that does not exist
