"""Both demo sites against a real Home Assistant (issue 20): through a real mosquitto, every entity solarctl
announces appears in HA with a state (none unknown or unavailable after two polls; event entities have no
state until an event), HA logs no warning or error about any of them, and a command sent by an HA automation
is written to the simulator and audited with source `mqtt`.

HA starts once for the module (its venv is cached outside the clone by scripts/ha-venv); the sites run as
`solarctl demo` runs them (plant, simulators, daemon, web page), each with an [mqtt] section of its own."""

from __future__ import annotations

import asyncio
import io
import json
import re
import time

import pytest
from rich.console import Console

from solarctl.demo.run import demo_config_text, run_demo
from solarctl.config import parse_config
from tests.publish.home_assistant import EVENT, HomeAssistant
from tests.publish.mosquitto import Mosquitto, Recorder
from tests.publish.test_mqtt import discovery

pytestmark = pytest.mark.slow

# site -> (MQTT client id and topic prefix, the settings HA may change)
SITES = {"scp_site": ("scp", ["xw.load_shave"]),
         "solar_station_site": ("station", ["inverter.grid_connection", "bms1.charge_enabled"])}
POLL_INTERVAL = 2.0  # both demo sites poll every device every 2 s


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    base = tmp_path_factory.mktemp("home-assistant")
    broker = Mosquitto(base / "broker")
    broker.start()
    ha = HomeAssistant(base / "ha", broker.port)
    try:
        ha.start()
        yield broker, ha
    finally:
        ha.stop()
        broker.stop()


def site_config(tmp_path, site: str, broker_port: int):
    node, control = SITES[site]
    data_dir = tmp_path / node
    data_dir.mkdir()
    text = demo_config_text(data_dir, site) + (
        f'\n[mqtt]\nhost = "127.0.0.1"\nport = {broker_port}\nclient_id = "{node}"\ntopic_prefix = "{node}"\n'
        f"control = {json.dumps(control)}\n")
    return parse_config(text, f"<{site} with [mqtt]>")


def expected_names(configs: dict[str, dict]) -> set[tuple[str, str]]:
    """(component, HA's friendly name: device name + entity name) of each announced entity."""
    return {(t.split("/")[1], f"{p['device']['name']} {p['name']}") for t, p in configs.items()}


def by_name(states: list[dict]) -> dict[tuple[str, str], dict]:
    return {(s["entity_id"].split(".")[0], s["attributes"].get("friendly_name")): s for s in states}


def not_alive(states: dict[tuple[str, str], dict], names: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Announced entities HA lacks or holds without a value (an event entity has none until an event)."""
    bad = {}
    for name in names:
        state = states.get(name)
        if state is None:
            bad[name] = "missing"
        elif name[0] != "event" and state["state"] in ("unknown", "unavailable"):
            bad[name] = state["state"]
    return bad


async def test_both_demo_sites_in_a_real_home_assistant(home, tmp_path):
    broker, ha = home
    configs = {site: site_config(tmp_path, site, broker.port) for site in SITES}
    console = Console(file=io.StringIO())
    async with Recorder(broker.port) as rec:
        runs = []
        try:
            for site, cfg in configs.items():  # one after the other: each makes its database first
                runs.append(asyncio.create_task(run_demo(cfg, speed=60.0, duration=None, console=console)))
                first = f"{SITES[site][0]}/{cfg.device[0].name}/state"
                await rec.wait_for(lambda: rec.on(first), timeout=30)
            # Discovery, then two polls of every device on both sites.
            devices = [f"{SITES[s][0]}/{d.name}/state" for s, cfg in configs.items() for d in cfg.device]
            await rec.wait_for(lambda: all(len(rec.on(topic)) >= 2 for topic in devices), timeout=90)
            announced = discovery(rec)
            names = expected_names(announced)
            assert len(names) == len(announced), "two announced entities share a name in HA"

            states: dict[str, dict] = {}
            deadline = time.monotonic() + 45  # a busy machine: HA may lag the broker by seconds
            while time.monotonic() < deadline:  # HA takes the messages in a moment after they are on the broker
                states = by_name(ha.states())
                if not not_alive(states, names):
                    break
                await asyncio.sleep(1.0)
            print(f"Home Assistant {len(ha.states())} states; solarctl announced {len(announced)} entities "
                  f"({sum(c == 'event' for c, _ in names)} event), {len(not_alive(states, names))} not alive")
            assert not_alive(states, names) == {}

            # A command from an HA automation: the station's inverter off the grid.
            switch = states[("switch", "inverter Grid connection")]
            assert switch["state"] == "on"
            ha.fire(EVENT, {"service": "switch.turn_off", "entity_id": switch["entity_id"]})
            await rec.wait_for(lambda: rec.on("station/inverter/grid_connection/result"), timeout=15)
            assert rec.last_json("station/inverter/grid_connection/result")["outcome"] == "written"
            await rec.wait_for(lambda: (rec.last_json("station/inverter/state") or {}).get("grid_connection") == "off-grid",
                               timeout=15)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and ha.api.get(f"/api/states/{switch['entity_id']}").json()["state"] != "off":
                await asyncio.sleep(0.5)
            assert ha.api.get(f"/api/states/{switch['entity_id']}").json()["state"] == "off"
        finally:
            for run in runs:
                run.cancel()
            await asyncio.gather(*runs, return_exceptions=True)

    audit = [json.loads(line) for line in (tmp_path / "station" / "audit.jsonl").read_text().splitlines()]
    assert [(e["source"], e["device"], e["setting"], e["outcome"]) for e in audit] == [
        ("mqtt", "inverter", "grid_connection", "written")]

    # HA's log names none of solarctl's topics or entities in a warning or an error.
    ours = re.compile("|".join(re.escape(w) for w in ("scp/", "station/", "homeassistant/", *(
        s["entity_id"] for s in states.values()))))
    # HA's own timing warning ("Updating state for X took 0.9 seconds") measures how busy this shared 2-core
    # machine is, not what solarctl sent: counted and printed, not a failure.
    busy = re.compile(r"\[homeassistant\.helpers\.entity\] Updating state for \S+ \(.*\) took [0-9.]+ seconds")
    complaints = [line for line in ha.log_text().splitlines()
                  if re.search(r"\b(WARNING|ERROR|CRITICAL)\b", line) and ours.search(line) and not busy.search(line)]
    every = [line for line in ha.log_text().splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL)\b", line)]
    print(f"HA log: {len(every)} warning/error lines, {len(complaints)} naming solarctl")
    print("\n".join(line[:300] for line in every))
    assert complaints == []
