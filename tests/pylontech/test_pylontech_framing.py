"""Framing: raw console bytes -> one answer's payload; the incremental buffer for the serial link."""

from __future__ import annotations

import pytest

from solarctl.devices.pylontech.errors import ConsoleParseError
from solarctl.devices.pylontech.framing import PAGINATION, AnswerBuffer, frame_answer, split_lines
from solarctl.errors import DecodeError

from .captures import (
    B66_HELP_PAGE, B66_INFO, B66_PWR, B66_TIME, C_BAT_1, C_PWR, COMPLETE, LINE_ENDINGS, capture,
    with_line_endings,
)

PAGINATION_BYTES = PAGINATION.encode()
B66_PWR_HEADER = (
    "Power Volt   Curr   Tempr  Tlow   Thigh  Vlow   Vhigh  Base.St  Volt.St  Curr.St  Temp.St  "
    "Coulomb  Time                 B.V.St   B.T.St"
)


def texts(answer):
    return [line.text for line in answer.lines]


def test_b66_pwr_payload_is_header_and_eight_rows():
    answer = frame_answer(capture(B66_PWR))
    assert answer.command == "pwr"
    assert answer.complete and not answer.more_pages
    assert texts(answer)[0] == B66_PWR_HEADER
    assert [text.split()[0] for text in texts(answer)[1:]] == [str(i) for i in range(1, 9)]
    assert texts(answer)[1].startswith("1     50691  3806   17000")


@pytest.mark.parametrize("ending", LINE_ENDINGS.values(), ids=LINE_ENDINGS.keys())
@pytest.mark.parametrize("name", COMPLETE)
def test_line_endings_do_not_change_the_payload(name, ending):
    original = frame_answer(capture(name))
    rewritten = frame_answer(with_line_endings(capture(name), ending))
    assert (rewritten.command, texts(rewritten)) == (original.command, texts(original))


def test_echo_after_a_prompt_on_the_same_line():
    assert frame_answer(capture(B66_TIME)).command == "time"  # "\n\rpylon>time\n\r@..."
    assert frame_answer(capture(C_PWR)).command == "pwr"  # "pylon_debug>pwr\n@..."
    assert frame_answer(capture(C_BAT_1)).command == "bat 1"


def test_noise_and_an_earlier_answer_before_the_echo_are_dropped():
    noise = b"\x00\xff\xfe~20014682C0048520FCC3\r\n\rpylon>\n\rpylon>\r\n" + capture(B66_INFO) + b"\r\n"
    assert texts(frame_answer(noise + capture(B66_PWR))) == texts(frame_answer(capture(B66_PWR)))
    stray_same_line = b"\x13\x07" + capture(B66_PWR)  # bytes glued to the echo
    assert frame_answer(stray_same_line).command == "pwr"


def test_completion_dollars_and_prompt_are_not_payload():
    payload = texts(frame_answer(capture(B66_INFO)))
    assert payload[0] == "Device address      : 1"
    assert payload[-1] == "Console Port rate   : 115200"
    assert not any("Command completed" in text or "$$" in text or "pylon>" in text for text in payload)
    assert "" not in payload  # the blank line after the barcode


def test_without_echo_and_at_the_payload_starts_at_the_header():
    data = capture(B66_PWR)
    bare = data[data.index(b"Power Volt"):]
    answer = frame_answer(b"\r\n\rpylon>\r\n" + bare)
    assert answer.command is None
    assert texts(answer) == texts(frame_answer(data))


def test_missing_completion_line_is_an_error_naming_the_command():
    data = capture(B66_PWR)
    truncated = data[: data.index(b"Command completed")]
    with pytest.raises(ConsoleParseError, match=r"^pwr: no 'Command completed successfully' line"):
        frame_answer(truncated)
    assert issubclass(ConsoleParseError, DecodeError)
    partial = frame_answer(truncated, require_complete=False)
    assert not partial.complete and len(partial.lines) == 9


def test_an_answer_ended_without_success_says_what_the_console_printed():
    # No capture of a failed command is known; the wording here is made up, the `$$` + prompt end is not.
    data = b"bat 9\n\r@\r\n\rInvalid battery index\r\n\r$$\r\n\rpylon>"
    buffer = AnswerBuffer()
    buffer.feed(data)
    assert buffer.complete
    with pytest.raises(ConsoleParseError, match=r"^bat 9: the console did not complete it: 'Invalid battery index'$"):
        buffer.answer()


def test_expected_command_must_match_the_echo():
    assert frame_answer(capture(C_BAT_1), expected_command="bat  1").command == "bat 1"
    with pytest.raises(ConsoleParseError, match=r"expected the echo 'pwr', got 'bat 1'"):
        frame_answer(capture(C_BAT_1), expected_command="pwr")


def test_unprintable_byte_in_the_payload_is_a_mangled_line_with_its_number():
    answer = frame_answer(capture(B66_PWR).replace(b"50673", b"50\x0073"))
    assert [line.number for line in answer.mangled] == [5]
    assert 5 not in [line.number for line in answer.lines]


def test_noise_a_terminal_leaves_after_the_echo_is_skipped():
    """U+2592 shade characters (UTF-8 e2 96 92) and a stray byte between the echo and `@`."""
    data = capture(B66_PWR).replace(b"pwr\n\r@", b"pwr\xe2\x96\x92\xe2\x96\x92\n\r\xe2\x96\x92\xff\n\r@", 1)
    answer = frame_answer(data, expected_command="pwr")
    assert answer.command == "pwr" and answer.mangled == () and answer.lines[0].text.startswith("Power Volt")


def test_line_numbers_count_line_feeds_of_the_raw_file():
    assert [line.number for line in split_lines("a\r\r\nb\n\rc\r\n\r\r\n\rd")] == [1, 2, 3, 5]


def test_page_prompt_means_more_pages():
    page = capture(B66_HELP_PAGE)
    answer = frame_answer(page, require_complete=False)
    assert answer.more_pages and not answer.complete
    assert texts(answer)[0] == "Local command:"
    assert texts(answer)[-1] == "Remote command:"
    with pytest.raises(ConsoleParseError, match="help: no 'Command completed successfully'"):
        frame_answer(page)


def test_pages_join_and_lose_their_page_prompts():
    second_page = b"\r\n\rdata     History data load\r\n\rCommand completed successfully\r\n\r$$\r\n\rpylon>"
    answer = frame_answer(capture(B66_HELP_PAGE) + second_page)
    assert answer.complete and not answer.more_pages
    assert texts(answer)[-2:] == ["Remote command:", "data     History data load"]
    assert not any(PAGINATION in text for text in texts(answer))


def test_buffer_is_complete_only_once_the_prompt_after_dollars_arrived():
    data = capture(B66_PWR)
    buffer = AnswerBuffer()
    for start in range(0, len(data), 7):
        assert not buffer.complete
        buffer.feed(data[start:start + 7])
    assert buffer.complete and not buffer.needs_enter
    assert buffer.answer(expected_command="pwr") == frame_answer(data)


def test_buffer_asks_for_enter_once_per_page():
    buffer = AnswerBuffer()
    page = capture(B66_HELP_PAGE)
    buffer.feed(page[:-30])
    assert not buffer.needs_enter  # the page prompt is still arriving
    buffer.feed(page[-30:])
    assert buffer.needs_enter and not buffer.complete
    buffer.enter_sent()
    assert not buffer.needs_enter
    buffer.feed(b"\r\n\rmore\r\n\r" + PAGINATION_BYTES)
    assert buffer.needs_enter
    buffer.enter_sent()
    buffer.feed(b"\r\n\rCommand completed successfully\r\n\r$$\r\n\rpylon_debug>")
    assert buffer.complete and not buffer.needs_enter
    assert buffer.answer().command == "help"



def test_tabs_and_an_ascii_frame_around_a_table_are_blanks():
    """Synthetic edge cases: a log that turned runs of blanks into tabs, a table pasted in `| a | b |` form."""
    from solarctl.devices.pylontech.commands import parse_bat
    data = capture(C_BAT_1)
    tabbed = data.replace(b"Battery  Volt", b"Battery\tVolt", 1)
    assert len(parse_bat(frame_answer(tabbed))["cells"]) == len(parse_bat(frame_answer(data))["cells"])
    lines = data.split(b"\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(b"Battery"))
    end = next(i for i, line in enumerate(lines) if line.startswith(b"Command"))
    framed = lines[:start] + [b"+" + b"-" * 40 + b"+"] + [b"| " + line + b" |" for line in lines[start:end]] + lines[end:]
    bat = parse_bat(frame_answer(b"\n".join(framed)))
    assert bat["lost_rows"] == [] and bat["cells"] == parse_bat(frame_answer(data))["cells"]


def test_an_answer_cut_mid_line_loses_that_line_not_its_last_characters():
    """A capture that stops inside a row (`... Normal` cut to `... N`, found by the decode sweep) must not
    make a row of what is left: the cut line is mangled; a cut right after a line ending loses nothing."""
    data = capture(B66_PWR)
    row_4 = data.index(b"\n4 ")
    end_of_row_4 = data.index(b"\n", row_4 + 1)
    cut = frame_answer(data[:end_of_row_4 - 3], require_complete=False)
    assert not cut.complete
    assert [text.split()[0] for text in texts(cut)[1:]] == ["1", "2", "3"]
    assert [line.text.split()[0] for line in cut.mangled] == ["4"]
    whole_lines = frame_answer(data[:end_of_row_4 + 1], require_complete=False)
    assert [text.split()[0] for text in texts(whole_lines)[1:]] == ["1", "2", "3", "4"] and not whole_lines.mangled
