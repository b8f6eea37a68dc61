"""Console bytes -> the payload lines of one command's answer.

An answer as a US2000B Plus (firmware B66.6) sends it:

    pwr\\n\\r@\\r\\r\\n<header>\\r\\r\\n<row>\\r\\r\\n ... <row>
    \\r\\n\\rCommand completed successfully\\r\\n\\r$$\\r\\n\\rpylon>

that is: echo of the command, `@`, payload, completion line, `$$`, prompt. The line breaks differ by
command and firmware (CR CR LF, CR LF, LF, LF CR), so any run of CR/LF is one break and blank lines
are dropped: no payload line is blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from solarctl.devices.pylontech.errors import ConsoleParseError

COMPLETION = "Command completed successfully"
PAGINATION = "Press [Enter] to be continued,other key to exit"
PROMPT = "pylon>"
# A console in user mode (e.g. back from a power cycle) says this, without completing, to commands it
# keeps for debug mode: `Unknown command 'pwrsys' - try 'help'` (US2000C B67.5.0 capture).
REFUSAL = "Unknown command"

# pylon>, pylon_debug> (after `login debug`), PYTES> (Pylontech-compatible clones).
_PROMPT_RE = r"[A-Za-z][A-Za-z0-9_]*>"
_PROMPT_LINE = re.compile(rf"\s*{_PROMPT_RE}\s*")
_COMMANDS = (
    "pwr", "bat", "info", "stat", "soh", "time", "help", "log", "login", "logout", "data",
    "datalist", "disp", "getpwr", "shut", "trst", "updata", "unit", "sysinfo",
)
# The echo is the typed command at the end of its line, maybe after a prompt or idle-line noise.
_ECHO = re.compile(rf"(?<![A-Za-z])(?:{'|'.join(_COMMANDS)})(?: +[\w.]+)* *$")
_NOT_PRINTABLE = re.compile(r"[^\x20-\x7e]")
# Terminals and high-voltage stacks draw with box-drawing and block characters (U+2500-U+259F in UTF-8:
# Force H2 tables, the U+2592 shade a terminal leaves after the echo): each becomes one blank, so
# columns stay where the screen shows them and a line of nothing else is blank. ANSI escapes go too.
_DECORATION = re.compile(rb"\xe2(?:[\x94\x95][\x80-\xbf]|\x96[\x80-\x9f])")
_ANSI_ESCAPE = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
# The console ends every answer, successful or not, with `$$` and the prompt.
_DONE = re.compile(rb"\$\$[\r\n]+" + _PROMPT_RE.encode())
_PROMPT_AFTER_BREAK = re.compile(rb"[\r\n]" + _PROMPT_RE.encode())


class Line(NamedTuple):
    number: int  # 1-based, counting LF bytes, as an editor shows the captured file
    text: str  # without line-break bytes and trailing blanks


@dataclass(frozen=True)
class Answer:
    command: str | None  # the echoed command with single spaces ("bat 1"); None without an echo
    lines: tuple[Line, ...]  # the payload
    complete: bool  # the completion line was seen
    more_pages: bool  # the data ends at the page prompt: the console waits for Enter
    mangled: tuple[Line, ...] = ()  # payload lines with bytes no console prints, left out of `lines`


def split_lines(text: str) -> list[Line]:
    """Non-blank lines of console text, each with its line number."""
    lines: list[Line] = []
    number, counted_to = 1, 0
    for match in re.finditer(r"[^\r\n]+", text):
        number += text.count("\n", counted_to, match.start())
        counted_to = match.start()
        body = match.group().rstrip()
        if body.strip():
            lines.append(Line(number, body))
    return lines


def _echo_of(text: str) -> str | None:
    """The command echoed on this line, whitespace-normalised, or None."""
    match = _ECHO.search(text)
    return " ".join(match.group().split()) if match else None


_ASCII_FRAMED = re.compile(r"(?m)^[ \t]*\|.*$")


def clean(data: bytes) -> str:
    """Console bytes as text: decoration drawn as blanks (also an ASCII `| a | b |` frame), escapes dropped,
    tabs expanded, other bytes kept (latin-1)."""
    text = _DECORATION.sub(b" ", _ANSI_ESCAPE.sub(b"", data)).decode("latin-1")
    text = "\n".join(line.expandtabs(8) for line in text.split("\n"))
    return _ASCII_FRAMED.sub(lambda match: match.group().replace("|", " "), text)


def _noise(line: Line) -> bool:
    return _NOT_PRINTABLE.search(line.text) is not None


def _echo_before(lines: list[Line], at: int) -> str | None:
    """The command echoed on the last line before index `at` that echoes one, noise bytes ignored."""
    for line in reversed(lines[:at]):
        if echo := _echo_of(_NOT_PRINTABLE.sub(" ", line.text)):
            return echo
        if not _noise(line) and not _PROMPT_LINE.fullmatch(line.text):
            return None
    return None


def frame_answer(data: bytes, *, expected_command: str | None = None, require_complete: bool = True) -> Answer:
    """The payload of the (last) answer in `data`.

    Everything before the `@` line except the echo is noise (idle-line bytes, earlier prompts, the
    shade characters some terminals leave). Without an `@` line the payload starts after any leading
    prompts, noise and echo, so a capture of just the table decodes too. Payload lines with bytes no
    console prints are `mangled` (left to the parsers: a table loses that row); those before the first
    clean payload line are noise. `require_complete` makes a missing completion line an error; an
    answer stopped at the page prompt has `more_pages` set.
    """
    lines = split_lines(clean(data))
    ats = [i for i, line in enumerate(lines) if _NOT_PRINTABLE.sub("", line.text).strip() == "@"]
    if ats:
        start = ats[-1] + 1
        echo = _echo_before(lines, ats[-1])
    else:
        start, echo = 0, None
        while start < len(lines) and (_PROMPT_LINE.fullmatch(lines[start].text) or _noise(lines[start])):
            start += 1
        if start < len(lines) and (echo := _echo_of(lines[start].text)):
            start += 1
    command = expected_command or echo
    end = next((i for i in range(start, len(lines)) if lines[i].text.strip() == COMPLETION), None)
    if end is None and require_complete:
        ended = [line.text.strip() for line in lines[start:]]
        if "$$" in ended and ended.index("$$") > 0:  # the console answered, but not with success
            said = ended[ended.index("$$") - 1]
            raise ConsoleParseError(f"the console did not complete it: {said!r}", command=command)
        raise ConsoleParseError(f"no {COMPLETION!r} line: the answer is truncated", command=command)
    if expected_command is not None and echo != " ".join(expected_command.split()):
        raise ConsoleParseError(f"expected the echo {expected_command!r}, got {echo!r}", command=command)
    more_pages = end is None and bool(lines) and PAGINATION in lines[-1].text
    # An answer cut short mid-line ends in a line that may have lost its last characters ("Normal" -> "N"):
    # that line is mangled, not a row.
    cut_line = lines[-1] if end is None and lines and not data.endswith((b"\n", b"\r")) else None
    payload: list[Line] = []
    mangled: list[Line] = []
    for line in lines[start:end]:
        text = line.text.replace(PAGINATION, "").rstrip()
        if not text.strip() or text.strip() == "$$" or _PROMPT_LINE.fullmatch(text):
            continue
        if _NOT_PRINTABLE.search(text) or line is cut_line:
            if payload:  # noise before the first clean line is idle-line noise, not a lost line
                mangled.append(Line(line.number, text))
        else:
            payload.append(Line(line.number, text))
    return Answer(echo, tuple(payload), end is not None, more_pages, tuple(mangled))


def shows_prompt(data: bytes) -> bool:
    """True if `data` holds a prompt at the start of a line: what the console prints for an empty line."""
    return _PROMPT_AFTER_BREAK.search(data) is not None


class AnswerBuffer:
    """The bytes of one answer as they arrive, for the serial link (one buffer per command sent).

    Feed it what the port delivers; press Enter whenever `needs_enter` (then call `enter_sent`);
    the answer is complete once the prompt after `$$` arrived; `answer()` frames it and raises
    `ConsoleParseError` if it is not a successful, whole answer.
    """

    def __init__(self) -> None:
        self._data = bytearray()
        self._page_search_from = 0  # page prompts before this were already answered with Enter

    def feed(self, chunk: bytes) -> None:
        self._data += chunk

    @property
    def data(self) -> bytes:
        return bytes(self._data)

    @property
    def complete(self) -> bool:
        return _DONE.search(self._data) is not None

    @property
    def needs_enter(self) -> bool:
        return PAGINATION.encode() in self._data[self._page_search_from:]

    def enter_sent(self) -> None:
        self._page_search_from = len(self._data)

    def answer(self, expected_command: str | None = None) -> Answer:
        return frame_answer(self.data, expected_command=expected_command)
