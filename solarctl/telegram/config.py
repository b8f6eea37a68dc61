"""The `[telegram]` table. Kept light (no httpx here): every config load imports it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator

from solarctl.strict_model import HttpUrl, StrictModel


class TelegramSetupError(Exception):
    """The bot cannot start (its token cannot be read); one sentence with the fix."""


class TelegramConfig(StrictModel):
    token: str | None = None  # or token_file, so the config itself need not hold it
    token_file: Path | None = None
    chat_ids: Annotated[list[int], Field(min_length=1)]  # alerts go to these; commands are taken only from these
    base_url: HttpUrl = "https://api.telegram.org"  # a test's fake Bot API, or a local Bot API server
    commands: bool = True  # take /status, /alerts, /ack, /mode, /set from the chats
    confirm_minutes: Annotated[float, Field(gt=0)] = 5.0  # a /set must be confirmed within this
    poll_timeout: Annotated[int, Field(ge=0, le=50)] = 25  # long-poll of getUpdates, s
    timeout: Annotated[float, Field(gt=0)] = 10.0  # each other request, s

    @model_validator(mode="after")
    def _one_token(self) -> "TelegramConfig":
        if (self.token is None) == (self.token_file is None):
            raise ValueError("give the bot's token as either token or token_file (one of them)")
        return self

    def read_token(self) -> str:
        if self.token is not None:
            return self.token
        try:
            return self.token_file.read_text().strip()  # type: ignore[union-attr]
        except OSError as error:
            raise TelegramSetupError(f"cannot read [telegram] token_file {self.token_file} ({error.strerror}); "
                                     f"make it readable by this user or give the token inline") from None
