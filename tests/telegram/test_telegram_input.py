"""Issue 20.3: the bot against a Bot API that behaves as Telegram's (long polls held 25 s), and input that
used to crash it or reach the wrong people: a non-ASCII digit, an update without `update_id`, another chat's
/confirm, a /set the writer would refuse (answered at once, audited, no confirm code, no alert to anyone).
Then a property test: whatever JSON the server sends as updates, the bot answers the next message."""

from __future__ import annotations

import asyncio
import json
import logging

from hypothesis import HealthCheck, given, settings, strategies as st

from solarctl.api.ops import DaemonOps
from solarctl.clock import SystemClock
from solarctl.daemon import Daemon
from solarctl.telegram.bot_api import BotApi
from solarctl.telegram.commands import CommandBot
from tests.telegram.fake_http import FakeBotApi, FakeHttpServer, wait_until
from tests.telegram.test_telegram import CHAT, RunningBot, daemon_config

OTHER = 43  # a second allowed chat


def get_updates_calls(bot: RunningBot) -> int:
    return sum(r.path.endswith("/getUpdates") for r in bot.server.requests)


async def test_a_long_poll_is_held_by_the_server_and_not_cut_by_the_client(tmp_path, caplog):
    """getUpdates asks to be held 25 s: the client must wait that long (httpx's default read timeout is 5 s)."""
    caplog.set_level(logging.INFO, logger="solarctl.telegram")
    async with asyncio.timeout(30), RunningBot(tmp_path) as bot:
        await asyncio.sleep(6.5)  # past httpx's default read timeout, well within the 25 s hold
        assert get_updates_calls(bot) == 1, "the long poll was cut and asked again"
        started = asyncio.get_running_loop().time()
        await bot.ask(CHAT, "/mode", "Control: live")
        assert asyncio.get_running_loop().time() - started < 2.0  # the held poll answered at once
    assert "getUpdates failed" not in caplog.text


async def test_odd_input_is_answered_and_never_stops_the_bot(tmp_path):
    async with asyncio.timeout(30), RunningBot(tmp_path) as bot:
        await bot.ask(CHAT, "/ack \u00b2", "Say which alert")  # a superscript two: isdigit() yes, int() no
        await bot.ask(CHAT, "/ack \u0663", "Say which alert")  # an Arabic-Indic three
        bot.fake.push({"message": {"chat": {"id": CHAT}, "text": "/status"}})  # no update_id
        bot.fake.push({"update_id": True, "message": {"chat": {"id": True}, "text": "/mode"}})  # booleans are not ids
        bot.fake.push(["not", "an", "update"])
        await bot.ask(CHAT, "/mode", "Control: live")
        assert bot.daemon.supervisor.health()["telegram commands"]["restarts"] == 0
        assert bot.daemon.supervisor.health()["telegram commands"]["state"] == "ok"


async def test_confirm_codes_are_per_chat(tmp_path):
    async with asyncio.timeout(40), RunningBot(tmp_path, chat_ids=(CHAT, OTHER)) as bot:
        ask = await bot.ask(CHAT, "/set xw.load_shave Disable", "/confirm ")
        code = ask.split("/confirm ")[1].split()[0]
        await bot.ask(OTHER, "/confirm " + code, "No change waits")  # another allowed chat: not its code
        assert bot.gateway.values[10]["inverter_load_shave_status"] == "Enable"
        await bot.ask(CHAT, "/confirm " + code, "(written, read back OK)")  # still valid for the chat that asked
        assert bot.gateway.values[10]["inverter_load_shave_status"] == "Disable"


async def test_a_set_the_writer_would_refuse_gets_its_reason_and_no_code(tmp_path):
    async with asyncio.timeout(40), RunningBot(tmp_path, chat_ids=(CHAT, OTHER)) as bot:
        for typo, reason in (("/set xw.load_shave maybe", "'maybe' is not one of"),
                             ("/set xw.low_battery_cut_out 60", "outside the valid range"),
                             ("/set xw.low_battery_cut_out nan", "outside the valid range"),
                             ("/set xw.no_such_setting 1", "is not a writable setting of xw"),
                             ("/set nowhere.load_shave Enable", "no device named 'nowhere'")):
            answer = await bot.ask(CHAT, typo, "Refused: ")
            assert reason in answer and "/confirm" not in answer, answer
        await asyncio.sleep(1.0)  # time for an alert to go out, were there one
        assert bot.fake.to(OTHER) == []  # nothing broadcast to the other chat
        assert [t for t in bot.fake.to(CHAT) if "refused" in t.lower() and not t.startswith("Refused: ")] == []
        assert bot.daemon.alerts.events() == []
    audit = [json.loads(line) for line in (tmp_path / "data" / "audit.jsonl").read_text().splitlines()]
    assert [(e["source"], e["device"], e["setting"], e["outcome"]) for e in audit] == [
        ("telegram:42", "xw", "load_shave", "rejected"), ("telegram:42", "xw", "low_battery_cut_out", "rejected"),
        ("telegram:42", "xw", "low_battery_cut_out", "rejected"), ("telegram:42", "xw", "no_such_setting", "rejected"),
        ("telegram:42", "nowhere", "load_shave", "rejected")]
    assert bot.gateway.values[10]["inverter_load_shave_status"] == "Enable"


# --- no update can crash the bot -------------------------------------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**63) | st.floats(allow_nan=False) | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                    max_leaves=12)
TEXTS = st.one_of(st.text(max_size=60), st.sampled_from(["/ack", "/set", "/confirm", "/status", "/alerts", "/mode"]).flatmap(
    lambda command: st.lists(st.text(max_size=12), max_size=3).map(lambda args: " ".join([command, *args]))))
CHATS = st.one_of(st.sampled_from([CHAT, OTHER, -5]), st.integers(-2**63, 2**63), st.booleans(), st.text(max_size=5), st.none())
UPDATE = st.one_of(
    JSON,
    st.fixed_dictionaries({"update_id": st.one_of(st.integers(-10, 10**15), JSON)},
                          optional={"message": st.one_of(JSON, st.fixed_dictionaries(
                              {}, optional={"chat": st.one_of(JSON, st.fixed_dictionaries({}, optional={"id": CHATS})),
                                            "text": st.one_of(TEXTS, JSON)}))}))


class NoPacing(SystemClock):
    """Real time, but the per-chat pacing and retry pauses are not waited for (the property test sends hundreds)."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


class Rig:
    """One daemon (never run: its writer refuses or fails without touching anything) and one client shared by
    the examples, on one loop; each example gets its own fake server and bot."""

    def __init__(self, tmp_path) -> None:
        self.daemon = Daemon(daemon_config(tmp_path, 9, "http://127.0.0.1:9", chat_ids=(CHAT, OTHER)), SystemClock())
        self.ops = DaemonOps(self.daemon.facade, None).table()
        self.api = BotApi("http://127.0.0.1:9", FakeBotApi.token, NoPacing(), timeout=2.0, pause=0.05)

    async def feed(self, updates: list) -> None:
        fake = FakeBotApi()
        async with asyncio.timeout(20), FakeHttpServer(fake.route) as server:
            self.api.url = f"{server.url}/bot{fake.token}/"
            bot = CommandBot(self.api, self.daemon.config.telegram, NoPacing(), self.daemon.facade, self.ops,
                             {"status": lambda: "status text", "mode": lambda: "mode text"})
            for update in updates:
                fake.push(update)
            fake.say(CHAT, "/mode")
            task = asyncio.create_task(bot.run())
            try:
                await wait_until(lambda: "mode text" in fake.to(CHAT) or task.done(), 15)
                assert not task.done(), task.exception()
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


def test_no_update_crashes_the_bot(tmp_path_factory, caplog):
    loop = asyncio.new_event_loop()
    rig = Rig(tmp_path_factory.mktemp("telegram-property"))
    tried = []

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(st.lists(UPDATE, min_size=1, max_size=6))
    def bot_survives(updates: list) -> None:
        tried.append(len(updates))
        loop.run_until_complete(rig.feed(json.loads(json.dumps(updates))))  # what comes over the wire: JSON only

    try:
        bot_survives()
    finally:
        loop.run_until_complete(rig.api.close())
        loop.close()
    print(f"{len(tried)} batches, {sum(tried)} updates fed to the bot")
    assert len(tried) >= 100
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
