"""The Telegram bot in the daemon: the alert sink (alerts and the alert manager's scheduled status report,
which is a one-off alert event) and the command poller.

Attached by whoever holds the control API's ops (`solarctl run`), since /alerts and /ack are those ops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from solarctl.api.server import Op
from solarctl.telegram.bot_api import BotApi
from solarctl.telegram.commands import CommandBot
from solarctl.telegram.config import TelegramConfig
from solarctl.telegram.sent import SentRecord
from solarctl.telegram.sink import telegram_sink
from solarctl.telegram.texts import mode_text, status_text

if TYPE_CHECKING:
    from solarctl.daemon import Daemon


def attach_telegram(daemon: "Daemon", config: TelegramConfig, ops: Mapping[str, Op]) -> None:
    """Add the bot's sink and services to the daemon (before it runs); raises TelegramSetupError."""
    api = BotApi(config.base_url, config.read_token(), daemon.clock, timeout=config.timeout)
    sent = SentRecord(daemon.config.general.data_dir / "telegram_sent.json")
    daemon.sinks.append(telegram_sink(api, config.chat_ids, sent, daemon.clock))
    if config.commands:
        texts = {"status": lambda: status_text(daemon), "mode": lambda: mode_text(daemon)}
        daemon.services["telegram commands"] = CommandBot(api, config, daemon.clock, daemon.writer, ops, texts).run
