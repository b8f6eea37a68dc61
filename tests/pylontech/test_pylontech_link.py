"""The console link against the console simulator over a real pty pair: wake-up, prompt, login,
pages, noise, wire time."""

from __future__ import annotations

import termios
import time

import pytest

from solarctl.bus.errors import LinkDown
from solarctl.bus.health import Health
from solarctl.bus.serial_link import wire_time
from solarctl.devices.pylontech.commands import parse_bat, parse_info, parse_pwr, parse_time
from solarctl.devices.pylontech.console_link import PROMPT_TRIES, WAKEUP_FRAME
from solarctl.sim.pylontech_stack import local_time

from .conftest import BAUD

SPEEDS = {getattr(termios, f"B{rate}"): rate for rate in (1200, 9600, 115200)}


def record_writes(link) -> list[tuple[int, bytes]]:
    """What the link writes, each with the speed its tty was really set to (termios) at that moment."""
    writes = []
    write = link.port.write

    def spy(data: bytes) -> None:
        speed = termios.tcgetattr(link.port._serial.fileno())[5]
        assert SPEEDS[speed] == link.port.baudrate
        writes.append((SPEEDS[speed], bytes(data)))
        write(data)

    link.port.write = spy
    return writes


async def test_auto_wakes_a_sleeping_console_at_1200_baud_and_talks_at_115200(console):
    sim, link = await console(wakeup="auto", needs_wakeup=True)
    writes = record_writes(link)
    pwr = parse_pwr(await link.command("pwr", timeout=1))
    assert [module["present"] for module in pwr["modules"]] == [True] * 6 + [False] * 2
    assert sim.wakeups == 1
    # CR/LF alone first ("auto"), then the frame at 1200 baud, then the console rate again.
    assert writes == [(BAUD, b"\r\n")] * PROMPT_TRIES + [(1200, WAKEUP_FRAME), (BAUD, b"\r\n"), (BAUD, b"pwr\r")]


async def test_never_leaves_a_sleeping_console_asleep(console):
    sim, link = await console(wakeup="never", needs_wakeup=True)
    writes = record_writes(link)
    with pytest.raises(LinkDown, match="no console prompt"):
        await link.command("pwr", timeout=0.5)
    assert sim.asleep and writes == [(BAUD, b"\r\n")] * PROMPT_TRIES
    assert not link.is_open


async def test_always_wakes_even_an_awake_console(console, plant):
    sim, link = await console(wakeup="always")
    writes = record_writes(link)
    assert parse_time(await link.command("time", timeout=0.5))["time"] == local_time(plant)
    assert writes[0] == (1200, WAKEUP_FRAME) and writes[1:] == [(BAUD, b"\r\n"), (BAUD, b"time\r")]


async def test_a_console_back_without_debug_mode_gets_login_debug(console):
    sim, link = await console(login_required=True)
    health = Health()
    info = parse_info(await link.command("info", timeout=0.5, health=health))
    assert info["capacity"] == 50.0 and info["console_port_rate"] == BAUD
    await link.command("pwr", timeout=0.5, health=health)
    assert list(sim.commands) == ["info", "login debug", "info", "pwr"]
    assert sim.prompt == "pylon_debug>"
    assert health.bad_frames == 1 and health.successes == 3  # the refusal counts; the rest answered


async def test_paged_answers_are_continued_with_enter(console, plant):
    sim, link = await console(page_lines=4)
    await link.command("time", timeout=0.5)
    before = sim.bytes_received
    bat = parse_bat(await link.command("bat 2", timeout=1))
    assert [cell["voltage"] for cell in bat["cells"]] == [round(v, 3) for v in plant.battery.cell_voltages(1)]
    assert sim.bytes_received - before > len(b"bat 2\r")  # Enter was pressed at the page prompts


async def test_idle_line_noise_is_dropped(console):
    sim, link = await console()
    sim.faults.noise = b"\x00\xff\x80\x13"  # before the prompt at open and before every echo
    for command in ("pwr", "bat 1", "time"):
        await link.command(command, timeout=0.5)
    assert list(sim.commands) == ["pwr", "bat 1", "time"]


async def test_answers_take_their_wire_time(console):
    sim, link = await console()
    await link.command("time", timeout=0.5)
    sent, received = sim.bytes_sent, sim.bytes_received
    started = time.monotonic()
    await link.command("pwr", timeout=1)
    elapsed = time.monotonic() - started
    minimum = wire_time(sim.bytes_sent - sent + sim.bytes_received - received, BAUD)
    assert minimum > 0.1 and minimum <= elapsed < 2 * minimum
