"""The Telegram bot in the daemon: the alert sink (alerts and the alert manager's scheduled status report,
which is a one-off alert event) and the command poller.

Made by `compose.py` `build_daemon` with the daemon's `Facade` and the control API's ops (/alerts and /ack
are those ops); it hands back the parts, and the composition root adds them to the daemon.
"""

from __future__ import annotations

from typing import Awaitable, Callable, Mapping

from solarctl.api.server import Op
from solarctl.facade import Facade
from solarctl.publish.sink import Sink
from solarctl.telegram.bot_api import BotApi
from solarctl.telegram.commands import CommandBot
from solarctl.telegram.config import TelegramConfig
from solarctl.telegram.sent import SentRecord
from solarctl.telegram.sink import telegram_sink
from solarctl.telegram.texts import mode_text, status_text


def telegram_parts(daemon: Facade, config: TelegramConfig,
                   ops: Mapping[str, Op]) -> tuple[Sink, dict[str, Callable[[], Awaitable[None]]]]:
    """The bot's sink and its services (name -> coroutine factory); raises TelegramSetupError."""
    api = BotApi(config.base_url, config.read_token(), daemon.clock, timeout=config.timeout)
    sent = SentRecord(daemon.config.general.data_dir / "telegram_sent.json")
    sink = telegram_sink(api, config.chat_ids, sent, daemon.clock)
    if not config.commands:
        return sink, {}
    texts = {"status": lambda: status_text(daemon), "mode": lambda: mode_text(daemon)}
    return sink, {"telegram commands": CommandBot(api, config, daemon.clock, daemon, ops, texts).run}
