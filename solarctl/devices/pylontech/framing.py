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
# High-voltage stacks (Force H2, SC series) frame their `bat` table with box-drawing characters
# (U+2500-U+257F, UTF-8): each becomes one blank, so columns stay where the screen shows them.
_BOX_DRAWING = re.compile(rb"\xe2[\x94\x95][\x80-\xbf]")
# A `bat` table is one row per cell, so a row lost to line noise costs that cell only (see `mangled`).
_ROW_LOSS_TOLERANT = re.compile(r"(bat|Battery)\b")
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
    mangled: tuple[Line, ...] = ()  # `bat` rows with bytes no console prints, left out of `lines`


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


def frame_answer(data: bytes, *, expected_command: str | None = None, require_complete: bool = True) -> Answer:
    """The payload of the (last) answer in `data`.

    Everything before the `@` line except the echo is noise (idle-line bytes, earlier prompts).
    Without an `@` line the payload starts after any leading prompts and echo, so a capture of just
    the table decodes too. `require_complete` makes a missing completion line an error; an answer
    stopped at the page prompt has `more_pages` set.
    """
    lines = split_lines(_BOX_DRAWING.sub(b" ", data).decode("latin-1"))
    ats = [i for i, line in enumerate(lines) if line.text.strip() == "@"]
    if ats:
        start = ats[-1] + 1
        echo = _echo_of(lines[start - 2].text) if start >= 2 else None
    else:
        start, echo = 0, None
        while start < len(lines) and _PROMPT_LINE.fullmatch(lines[start].text):
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
    payload, mangled = [], []
    for line in lines[start:end]:
        text = line.text.replace(PAGINATION, "").rstrip()
        if not text.strip() or text.strip() == "$$" or _PROMPT_LINE.fullmatch(text):
            continue
        (mangled if _NOT_PRINTABLE.search(text) else payload).append(Line(line.number, text))
    tolerant = _ROW_LOSS_TOLERANT.match(command or (payload[0].text.strip() if payload else ""))
    if mangled and (not tolerant or not payload or mangled[0].number < payload[0].number):  # a table needs its header
        bad = _NOT_PRINTABLE.search(mangled[0].text)
        raise ConsoleParseError(f"unexpected byte 0x{ord(bad.group()):02x}", command=command, line=mangled[0].number)
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
