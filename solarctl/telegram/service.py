"""The Telegram bot in the daemon: the alert sink, the command poller and the scheduled status report.

Attached by whoever holds the control API's ops (`solarctl run`), since /alerts and /ack are those ops.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Mapping

from solarctl.api.server import Op
from solarctl.telegram.bot_api import BotApi, BotApiError
from solarctl.telegram.commands import CommandBot
from solarctl.telegram.config import TelegramConfig
from solarctl.telegram.sent import SentRecord
from solarctl.telegram.sink import telegram_sink
from solarctl.telegram.texts import mode_text, status_text

if TYPE_CHECKING:
    from solarctl.daemon import Daemon

log = logging.getLogger("solarctl.telegram")


def attach_telegram(daemon: "Daemon", config: TelegramConfig, ops: Mapping[str, Op]) -> None:
    """Add the bot's sink and services to the daemon (before it runs); raises TelegramSetupError."""
    api = BotApi(config.base_url, config.read_token(), daemon.clock, timeout=config.timeout)
    sent = SentRecord(daemon.config.general.data_dir / "telegram_sent.json")
    daemon.sinks.append(telegram_sink(api, config.chat_ids, sent, daemon.clock))
    if config.commands:
        texts = {"status": lambda: status_text(daemon), "mode": lambda: mode_text(daemon)}
        daemon.services["telegram commands"] = CommandBot(api, config, daemon.clock, daemon.writer, ops, texts).run
    if config.report_interval is not None:
        daemon.services["telegram report"] = lambda: _report(daemon, api, config)


async def _report(daemon: "Daemon", api: BotApi, config: TelegramConfig) -> None:
    while True:
        await daemon.clock.sleep(config.report_interval)  # type: ignore[arg-type]
        text = "Status report\n" + status_text(daemon)
        for chat_id in config.chat_ids:
            try:
                await api.send(chat_id, text)
            except BotApiError as error:  # the next report is as good; alerts are the sink's to repeat
                log.warning("telegram: status report to chat %s: %s", chat_id, error)
