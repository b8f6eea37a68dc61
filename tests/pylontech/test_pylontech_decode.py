"""`decode_capture`: the command from the echo, or from the first payload line when there is none."""

from __future__ import annotations

import re

import pytest

from solarctl.devices.pylontech.decode import decode_capture
from solarctl.devices.pylontech.errors import ConsoleParseError
from solarctl.devices.pylontech.stack import UNITS

from .captures import B66_HELP_PAGE, B66_PWR, COMPLETE, capture


@pytest.mark.parametrize("name", COMPLETE)
def test_capture_without_echo_decodes_like_with_it(name):
    data = capture(name)
    without_echo = re.sub(rb"^.*?[\r\n]+@[\r\n]+", b"", data, count=1, flags=re.S)
    assert not without_echo.startswith(data[:8])
    with_echo = decode_capture(data)
    with_echo.pop("module", None)  # `bat 1` names its module only in the echo
    without = decode_capture(without_echo)
    without.pop("module", None)
    assert without == with_echo


@pytest.mark.parametrize(("data", "message"), [
    (capture(B66_HELP_PAGE) + b"\r\n\rCommand completed successfully\r\n\r$$\r\n\rpylon>", r"^help: no decoder"),
    (b"hello\r\nworld\r\nCommand completed successfully\r\n$$\r\npylon>", r"no echoed command .* first line 'hello'"),
])
def test_unknown_answers_are_refused(data, message):
    with pytest.raises(ConsoleParseError, match=message):
        decode_capture(data)


def test_every_published_stack_number_has_a_unit():
    stack = decode_capture(capture(B66_PWR))["stack"]
    numbers = {key for key, value in stack.items() if isinstance(value, float)}
    assert numbers <= set(UNITS)
