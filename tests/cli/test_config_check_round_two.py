"""Each config measured in issue 19 (item 5) passed `config check` and then misbehaved in the daemon; each now
fails the check with one message naming the key and what to give instead. No inf or nan in any number of
the config, URLs are http(s) with a host, webhook templates use only their named fields, strings are bounded."""

import pytest

from tests.cli.test_config_check_catches import XW, check

TELEGRAM = '[telegram]\ntoken = "123:abc"\nchat_ids = [1]\n'
WEBHOOK = '[[webhook]]\nurl = "https://relay.example/reg_event.php?tag=solar"\n'

BAD = {
    "session_minutes = inf": ("[web]\nsession_minutes = inf\n", ["web.session_minutes = inf", "give a number"]),
    "session_minutes = nan": ("[web]\nsession_minutes = nan\n", ["web.session_minutes = nan", "give a number"]),
    "poll_interval = inf": (XW + "poll_interval = inf\n", ["device[0].poll_interval = inf", "give a number"]),
    "webhook timeout = -inf": (WEBHOOK + "timeout = -inf\n", ["webhook[0].timeout = -inf", "give a number"]),
    "telegram base_url not a URL": (TELEGRAM + 'base_url = "not a url"\n',
                                    ["telegram.base_url", "'not a url'", "http:// or https://"]),
    "telegram base_url without a host": (TELEGRAM + 'base_url = "https://"\n', ["telegram.base_url", "host"]),
    "budget_file a directory": (lambda tmp: f'[control]\nbudget_file = "{tmp}"\n',
                                ["control.budget_file", "is a directory", "give a file in it"]),
    'data_dir = ""': ('[general]\ndata_dir = ""\n', ["general.data_dir", "empty", "give a directory"]),
    "webhook url file://": ('[[webhook]]\nurl = "file:///etc/passwd"\n',
                            ["webhook", "url", "'file:///etc/passwd'", "http:// or https://"]),
    "webhook template attribute access": (WEBHOOK + 'template = "{message.__class__.__mro__}"\n',
                                          ["template", "{message.__class__.__mro__}", "only the fields themselves",
                                           "{message}"]),
    "webhook template index": (WEBHOOK + 'template = "{message[0]}"\n', ["template", "only the fields themselves"]),
    "webhook template unknown field": (WEBHOOK + 'template = "{password}"\n', ["template", "unknown field 'password'"]),
    "webhook template format spec": (WEBHOOK + 'template = "{message:>999999999}"\n', ["template", "format"]),
    "a string without bound": (WEBHOOK + f'field = "{"x" * 5000}"\n', ["webhook", "field", "at most 4096 characters"]),
}


@pytest.mark.parametrize("config, expected", BAD.values(), ids=list(BAD))
def test_a_bad_config_fails_the_check_with_one_message(tmp_path, config, expected):
    path = tmp_path / "bad.toml"
    text = config(tmp_path) if callable(config) else config
    path.write_text(text)
    result = check(path)
    assert result.returncode == 2, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    header, *messages = result.stderr.strip().splitlines()
    assert header == "solarctl: config error:" and len(messages) == 1, result.stderr
    for part in expected:
        assert part in messages[0], messages[0]


def test_good_urls_and_templates_pass(tmp_path):
    path = tmp_path / "good.toml"
    path.write_text(TELEGRAM + 'base_url = "http://127.0.0.1:8081"\n' + WEBHOOK
                    + 'template = "{severity} {kind} on {device}: {message} ({state}, {count}x, #{id}) {{literal}}"\n')
    result = check(path)
    assert result.returncode == 0, result.stderr
