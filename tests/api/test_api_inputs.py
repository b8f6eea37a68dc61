"""The control socket (issue 19, item 5): a JSON boolean is no setting value (true was written as 1.0 V), and
every answer is standard JSON (a value that is not a finite number is null, never NaN)."""

from __future__ import annotations

import asyncio
import json
import math
import socket

import pytest

from solarctl.api.client import ControlApiError
from solarctl.api.address import unix_address
from tests.api.rig import ask, running_site
from tests.api.test_control_server import serving


async def test_a_boolean_is_refused_and_nothing_is_written(tmp_path):
    async with running_site(tmp_path, poll_interval=3600) as rig:
        server = rig.site.server_of["inverter"]
        before = [r for r in server.requests if r.function in (6, 16)]
        for setting in ("battery_low_voltage", "grid_connection"):
            with pytest.raises(ControlApiError, match="true and false are neither"):
                await ask(rig.data_dir, "set", device="inverter", setting=setting, value=True)
        assert [r for r in server.requests if r.function in (6, 16)] == before


def _strict(text: str):
    def refuse(name: str):
        raise AssertionError(f"{name} in an answer: not standard JSON")
    return json.loads(text, parse_constant=refuse)


async def test_answers_are_standard_json_with_null_for_values_not_known(tmp_path):
    async with serving(tmp_path) as server:
        async def unknown(request, caller):
            return {"soc": math.nan, "cells": [3.3, math.inf, -math.inf], "nested": {"power": math.nan}, "ok": 1.5}

        server.ops["unknown"] = unknown

        def raw() -> str:
            with socket.socket(socket.AF_UNIX) as sock, unix_address(server.path) as address:
                sock.connect(address)
                sock.sendall(b'{"op": "unknown"}\n')
                return sock.makefile().readline()

        line = await asyncio.to_thread(raw)
    assert _strict(line) == {"ok": True, "result": {"soc": None, "cells": [3.3, None, None], "nested": {"power": None},
                                                    "ok": 1.5}}
