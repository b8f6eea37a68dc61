"""SIGTERM stops `solarctl run` even when the first cancel is lost, and never cuts the shutdown short.

Python 3.11's asyncio.wait_for / timeout can swallow a cancel that lands just as a request completes (a CI
run saw the daemon poll on after SIGTERM). `main` here swallows the first cancel on purpose."""

from __future__ import annotations

import asyncio
import os
import signal

from solarctl.cli.run_cmd import RECANCEL_S, run_until_signalled


async def test_a_lost_stop_request_is_made_again_until_main_is_in_its_shutdown():
    events, state = [], {"stopping": False}

    async def main():
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            events.append("cancel swallowed")  # as a wait_for that raced a completing request
        try:
            await asyncio.sleep(30)
        finally:
            state["stopping"] = True
            events.append("shutdown")
            await asyncio.shield(asyncio.sleep(RECANCEL_S * 1.5))  # longer than the repeat: must not be cut short
            events.append("shut down")

    asyncio.get_running_loop().call_later(0.2, os.kill, os.getpid(), signal.SIGTERM)
    async with asyncio.timeout(10):
        await run_until_signalled(main(), stopping=lambda: state["stopping"])
    assert events == ["cancel swallowed", "shutdown", "shut down"]
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the handler goes with the run
