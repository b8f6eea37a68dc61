"""Telegram's limits: about one message a second per chat, 20 a minute per group (negative chat id)."""

from __future__ import annotations

import asyncio

from solarctl.clock import VirtualClock
from solarctl.telegram.bot_api import ChatPacer


async def sent_times(chat_id: int, messages: int, seconds: float) -> list[float]:
    clock = VirtualClock(start=0.0)
    pacer, times = ChatPacer(clock), []

    async def send_all() -> None:
        for _ in range(messages):
            await pacer.wait(chat_id)
            times.append(clock.time())

    task = asyncio.create_task(send_all())
    await clock.run_for(seconds)
    assert task.done()
    return times


async def test_one_message_a_second_to_a_chat():
    assert await sent_times(42, 4, 10) == [0.0, 1.0, 2.0, 3.0]


async def test_twenty_a_minute_to_a_group():
    times = await sent_times(-1001, 22, 120)
    assert times[:20] == [float(i) for i in range(20)]
    assert times[20:] == [60.0, 61.0]  # the window's oldest message must be a minute old first
