"""The [telegram] table: a token (inline or from a file) and the chats; mistakes refused as sentences."""

from __future__ import annotations

import pytest

from solarctl.config import validate_config
from solarctl.config.loader import ConfigError
from solarctl.telegram.config import TelegramSetupError
from tests.cli.test_config_cli import solarctl


def test_a_token_file_is_read_and_its_newline_dropped(tmp_path):
    (tmp_path / "token").write_text("123:abc\n")
    config = validate_config({"telegram": {"token_file": str(tmp_path / "token"), "chat_ids": [42, -1001]}})
    assert config.telegram.read_token() == "123:abc" and config.telegram.chat_ids == [42, -1001]


def test_an_unreadable_token_file_is_one_sentence_with_the_fix(tmp_path):
    config = validate_config({"telegram": {"token_file": str(tmp_path / "missing"), "chat_ids": [42]}})
    with pytest.raises(TelegramSetupError, match=r"cannot read \[telegram\] token_file .*missing \(No such file or "
                                                 r"directory\); make it readable by this user or give the token inline"):
        config.telegram.read_token()


@pytest.mark.parametrize("table, message", [
    ({"chat_ids": [42]}, "give the bot's token as either token or token_file"),
    ({"token": "1:a", "token_file": "/x", "chat_ids": [42]}, "give the bot's token as either token or token_file"),
    ({"token": "1:a", "chat_ids": []}, "chat_ids"),
    ({"token": "1:a", "chat_id": 42}, "chat_id"),  # the singular is a typo, not a setting
])
def test_a_wrong_telegram_table_is_refused(table, message):
    with pytest.raises(ConfigError, match=message):
        validate_config({"telegram": table})


def test_run_with_an_unreadable_token_file_stops_with_one_sentence(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text(f'[general]\ndata_dir = "{tmp_path}"\n\n[telegram]\ntoken_file = "{tmp_path}/missing"\n'
                    f'chat_ids = [42]\n')
    assert solarctl("config", "check", "--config", str(path)).returncode == 0
    result = solarctl("run", "--config", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "solarctl run: cannot read [telegram] token_file" in result.stderr
