"""The [[webhook]] channel keeps the old scripts' relay working: POST form `event=<text>` to
`reg_event.php?tag=…&host=…`, once per alert change it is configured for."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

import pytest

from solarctl.alerts.model import AlertEvent
from solarctl.clock import SystemClock
from solarctl.config import validate_config
from solarctl.config.loader import ConfigError
from solarctl.daemon import Daemon
from solarctl.publish.webhook import webhook_sink
from solarctl.sample import Sample
from tests.telegram.fake_http import FakeHttpServer, Request, wait_until


def event(state: str) -> AlertEvent:
    return AlertEvent(3, "device_lost", "warning", "bms", "bms has not answered for 300 s", {}, first_seen=1.0,
                      last_seen=2.0, count=2, state=state)  # type: ignore[arg-type]


async def test_the_webhook_posts_the_old_relays_form(tmp_path):
    answers = iter([500, 200, 200])  # the relay fails once: the alert is posted again

    async def relay(request: Request) -> tuple[int, dict]:
        return next(answers), {}

    async with asyncio.timeout(20), FakeHttpServer(relay) as server:
        config = validate_config({
            "general": {"data_dir": str(tmp_path)},
            "webhook": [{"name": "relay", "url": f"{server.url}/reg_event.php?tag=solar&host=shed",
                         "template": "{device}: {message} ({state})"}]})
        sink = Daemon(config, SystemClock()).sinks[-1]
        assert sink.name == "webhook:relay"
        await sink.start()
        sink.submit(Sample(device="bms", timestamp=1.0, values={"soc": 50}))  # no alert: not posted
        sink.submit(event("active"))
        sink.submit(event("acknowledged"))  # not among the default states
        sink.submit(event("cleared"))
        await wait_until(lambda: sink.status().delivered == 3)  # the acknowledged one passes without a post
        await sink.stop()
    posted = server.requests
    assert [(r.method, r.path, r.query) for r in posted] == [
        ("POST", "/reg_event.php", {"tag": ["solar"], "host": ["shed"]})] * 3
    assert {r.headers["content-type"] for r in posted} == {"application/x-www-form-urlencoded"}
    assert [parse_qs(r.body.decode()) for r in posted] == [
        {"event": ["bms: bms has not answered for 300 s (active)"]}] * 2 + [
        {"event": ["bms: bms has not answered for 300 s (cleared)"]}]


def test_a_template_with_an_unknown_field_is_refused():
    with pytest.raises(ConfigError, match=r"template '\{host\}: \{message\}': \{host\} uses an unknown field 'host'; use \{id\}"):
        validate_config({"webhook": [{"url": "http://127.0.0.1/x", "template": "{host}: {message}"}]})
