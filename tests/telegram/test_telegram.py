"""Telegram against a fake Bot API on 127.0.0.1: alerts once per alert and state (also across a restart),
commands only from configured chats, setting changes only after /confirm, landing at a simulated XW."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging


from solarctl.alerts.model import AlertEvent, Condition
from solarctl.clock import SystemClock
from solarctl.compose import build_daemon
from solarctl.config import validate_config
from solarctl.telegram.bot_api import BotApi
from solarctl.telegram.sent import SentRecord
from solarctl.telegram.sink import alert_text, telegram_sink
from tests.conftest import StaticGateway
from tests.telegram.fake_http import FakeBotApi, FakeHttpServer, wait_until

CHAT, STRANGER = 42, 666


def alert(state: str, count: int, alert_id: int = 7) -> AlertEvent:
    return AlertEvent(alert_id, "cell_low", "critical", "bms", "cell 3 at 2.61 V (below 2.7 V)", {"cell": 2.61},
                      first_seen=100.0, last_seen=100.0 + count, count=count, state=state,  # type: ignore[arg-type]
                      cleared_at=200.0 if state == "cleared" else None)


def make_sink(fake: FakeBotApi, server: FakeHttpServer, tmp_path):
    api = BotApi(server.url, fake.token, SystemClock(), timeout=2.0, pause=0.1)
    return telegram_sink(api, [CHAT], SentRecord(tmp_path / "telegram_sent.json"), SystemClock())


async def test_an_alert_reaches_telegram_once_across_a_flapping_condition_and_a_restart(tmp_path):
    fake = FakeBotApi(fail_next=1)  # the first send fails: retried, still one message
    async with asyncio.timeout(30), FakeHttpServer(fake.route) as server:
        sink = make_sink(fake, server, tmp_path)
        await sink.start()
        # a flapping condition within its release hysteresis: the alert manager publishes one episode again and again
        for count in range(1, 6):
            sink.submit(alert("active", count))
        await wait_until(lambda: sink.status().delivered == 5)
        await sink.stop()
        # after a restart the manager publishes the open episode again, then it clears, then a new episode
        sink = make_sink(fake, server, tmp_path)
        await sink.start()
        for event in (alert("active", 5), alert("cleared", 5), alert("cleared", 5), alert("active", 1, alert_id=8)):
            sink.submit(event)
        await wait_until(lambda: sink.status().delivered == 4)
        await sink.stop()
    texts = fake.to(CHAT)
    assert len(texts) == 3, texts
    assert "cell 3 at 2.61 V" in texts[0] and "/ack 7" in texts[0]
    assert texts[1].startswith("\u2705 cleared") and "alert 7" in texts[1]
    assert "alert 8" in texts[2]
    assert len([r for r in server.requests if r.path.endswith("/sendMessage")]) == 4  # one was the failed attempt


def test_the_status_report_is_sent_as_it_is():
    """The alert manager's status report is a one-off event, cleared as it is raised: no "cleared" wording."""
    report = AlertEvent(9, "status_report", "info", None, "status: battery 85 %", {}, first_seen=5.0, last_seen=5.0,
                        count=1, state="cleared", cleared_at=5.0)
    assert alert_text(report) == "\u2139\ufe0f status: battery 85 %"


def daemon_config(tmp_path, gateway_port: int, base_url: str, chat_ids: tuple[int, ...] = (CHAT,)):
    # poll_timeout at its default (25 s): the fake server holds a long poll as Telegram does, answering at once
    # when a message arrives, so the tests stay fast
    return validate_config({
        "general": {"data_dir": str(tmp_path / "data")},
        "device": [{"name": "xw", "driver": "conext_xw", "host": "127.0.0.1", "port": gateway_port, "unit": 10,
                    "poll_interval": 0.25, "timeout": 0.5}],
        "telegram": {"token": FakeBotApi.token, "chat_ids": list(chat_ids), "base_url": base_url,
                     "confirm_minutes": 1}})


class RunningBot:
    """A daemon polling a simulated XW (`gateway`), with the bot attached as `solarctl run` attaches it,
    talking to a fake Bot API (`fake`)."""

    def __init__(self, tmp_path, chat_ids: tuple[int, ...] = (CHAT,)) -> None:
        self.tmp_path = tmp_path
        self.chat_ids = chat_ids
        self.fake = FakeBotApi()
        self.gateway = StaticGateway(units=(10,))
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> "RunningBot":
        sim = await self._stack.enter_async_context(self.gateway)
        server = self.server = await self._stack.enter_async_context(FakeHttpServer(self.fake.route))
        config = daemon_config(self.tmp_path, sim.port, server.url, self.chat_ids)
        self.daemon = build_daemon(config, SystemClock()).daemon  # the bot attached as `solarctl run` attaches it
        task = asyncio.create_task(self.daemon.run())
        self._stack.push_async_callback(_cancelled, task)
        # the sinks are attached before the first poll: from then on nothing published is lost to the bot
        await wait_until(lambda: "xw" in self.daemon.hub.devices and self.daemon.hub.devices["xw"].ok)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._stack.aclose()

    async def ask(self, chat_id: int, text: str, expect: str) -> str:
        """The bot's answer: the first new message to the chat with `expect` in it (alerts may come between)."""
        before = len(self.fake.to(chat_id))
        self.fake.say(chat_id, text)
        await wait_until(lambda: any(expect in t for t in self.fake.to(chat_id)[before:]))
        return next(t for t in self.fake.to(chat_id)[before:] if expect in t)


async def test_a_command_from_an_unknown_chat_is_refused_and_logged(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="solarctl.telegram")
    async with asyncio.timeout(30), RunningBot(tmp_path) as bot:
        await bot.ask(STRANGER, "/set xw.load_shave Disable", "its id is not in [telegram] chat_ids")
        assert "refused '/set xw.load_shave Disable' from chat 666" in caplog.text
        status = await bot.ask(CHAT, "/status", "xw: ")
        assert status.startswith("xw: fresh — ") and "grid_power -575 W" in status
        await bot.ask(CHAT, "/mode", "Control: live")
    assert not any("code" in text or "xw:" in text for text in bot.fake.to(STRANGER))
    assert bot.gateway.values[10]["inverter_load_shave_status"] == "Enable"


async def test_a_setting_change_needs_the_confirm_step_and_lands_at_the_simulator(tmp_path):
    async with asyncio.timeout(40), RunningBot(tmp_path) as bot:
        ask = await bot.ask(CHAT, "/set xw.load_shave Disable", "/confirm ")
        code = ask.split("/confirm ")[1].split()[0]
        assert bot.gateway.values[10]["inverter_load_shave_status"] == "Enable"  # nothing written before the confirm
        await bot.ask(CHAT, "/confirm 1234567", "No change waits")
        await bot.ask(STRANGER, "/confirm " + code, "not in [telegram] chat_ids")  # not from another chat
        await bot.ask(CHAT, "/confirm " + code, "xw.load_shave: Enable -> Disable (written, read back OK)")
        assert bot.gateway.values[10]["inverter_load_shave_status"] == "Disable"
        await bot.ask(CHAT, "/confirm " + code, "No change waits")  # one time only
        refused = await bot.ask(CHAT, "/set xw.low_battery_cut_out 60", "Refused: ")  # at once: no code to confirm
        assert "outside the valid range" in refused and "/confirm" not in refused
    audit = [json.loads(line) for line in (tmp_path / "data" / "audit.jsonl").read_text().splitlines()]
    assert [(e["source"], e["setting"], e["outcome"]) for e in audit] == [
        ("telegram:42", "load_shave", "written"), ("telegram:42", "low_battery_cut_out", "rejected")]


async def test_ack_clears_an_alert(tmp_path):
    async with asyncio.timeout(30), RunningBot(tmp_path) as bot:
        bot.daemon.alerts.observe(Condition("cell_low", "xw", True, "critical", "cell 3 at 2.61 V"))
        await wait_until(lambda: any("cell 3 at 2.61 V" in t for t in bot.fake.to(CHAT)))
        alert_id = bot.daemon.alerts.events(active_only=True)[0].id
        await bot.ask(CHAT, "/alerts", f"{alert_id}: critical cell 3 at 2.61 V (active)")
        await bot.ask(CHAT, f"/ack {alert_id}", f"Alert {alert_id} acknowledged")
        assert bot.daemon.alerts.events(active_only=True)[0].state == "acknowledged"
        await bot.ask(CHAT, "/alerts", f"{alert_id}: critical cell 3 at 2.61 V (acknowledged)")
        await bot.ask(CHAT, "/ack 999", "no open alert has id 999")


async def test_a_flapping_condition_through_the_alert_manager_reaches_telegram_once(tmp_path):
    async with asyncio.timeout(30), RunningBot(tmp_path) as bot:
        for active in (True, False, True, False, False, True, False, False, False):  # clears after 3 clear looks
            bot.daemon.alerts.observe(Condition("cell_low", "xw", active, "critical", "cell 3 at 2.61 V"))
        await wait_until(lambda: any(t.startswith("\u2705 cleared") for t in bot.fake.to(CHAT)))
        await asyncio.sleep(1.5)  # time for a duplicate to arrive, were there one
    assert [t.split(" (alert")[0] for t in bot.fake.to(CHAT)] == ["\u203c\ufe0f cell 3 at 2.61 V",
                                                             "\u2705 cleared: cell 3 at 2.61 V"]


async def _cancelled(task: asyncio.Task) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
