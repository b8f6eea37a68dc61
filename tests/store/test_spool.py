"""The spool: ordered, durable, survives a torn write, bounded with a warning and a counted loss."""

from __future__ import annotations

import logging

from solarctl.sample import PollError, Sample
from solarctl.store.records import decode, encode
from solarctl.store.spool import Position, Spool


def lines(start: int, n: int) -> list[bytes]:
    return [f"line {i}\n".encode() for i in range(start, start + n)]


def read_all(spool: Spool) -> tuple[list[bytes], Position]:
    got, pos = [], spool.checkpoint
    while True:
        chunk, pos = spool.read(pos, 333)
        if not chunk:
            return got, pos
        got += chunk


def test_append_read_commit_in_order_across_segments(tmp_path):
    spool = Spool(tmp_path, max_bytes=1_000_000, segment_bytes=4096)
    for i in range(0, 2000, 100):
        spool.append(lines(i, 100))
    assert len(list(tmp_path.glob("*.log"))) > 3  # rotated
    got, pos = read_all(spool)
    assert got == lines(0, 2000)
    spool.commit(pos)
    assert spool.pending_bytes() == 0
    assert len(list(tmp_path.glob("*.log"))) == 1  # consumed segments deleted
    spool.close()


def test_restart_resumes_after_checkpoint_and_cuts_torn_line(tmp_path, caplog):
    spool = Spool(tmp_path, max_bytes=1_000_000)
    spool.append(lines(0, 10))
    chunk, pos = spool.read(spool.checkpoint, 4)
    spool.commit(pos)
    spool.close()
    seg = sorted(tmp_path.glob("*.log"))[-1]
    with open(seg, "ab") as f:
        f.write(b"half a li")  # SIGKILL in the middle of a write
    with caplog.at_level(logging.WARNING):
        again = Spool(tmp_path, max_bytes=1_000_000)
    assert "torn" in caplog.text
    rest, _ = again.read(Position(0, 0), 100)  # reading never goes before the checkpoint
    assert rest == lines(4, 6)
    again.append(lines(10, 1))
    assert again.read(again.checkpoint, 100)[0] == lines(4, 7)
    again.close()


def test_bound_warns_then_drops_oldest_with_count(tmp_path, caplog):
    spool = Spool(tmp_path, max_bytes=20_000, warn_fraction=0.5, segment_bytes=2_000)
    with caplog.at_level(logging.WARNING):
        for i in range(0, 3000, 50):
            spool.append(lines(i, 50))
    assert "spool is" in caplog.text and "% full" in caplog.text
    assert "dropped the" in caplog.text and "oldest" in caplog.text
    assert spool.pending_bytes() <= 20_000
    assert spool.dropped_lines > 0
    kept, _ = read_all(spool)
    assert kept == lines(3000 - len(kept), len(kept))  # the newest survive, in order
    assert len(kept) + spool.dropped_lines == 3000  # every line is either kept or counted as lost
    spool.close()


def test_records_round_trip():
    s = Sample("xw", 1700000000.123, {"grid_power": -1.5, "inverter_status": "tab\there", "on": True, "cells": [3.3, 3.4]},
               {"grid_power": "W"}, ("low cell",))
    line, rec = encode(s)
    back = decode(line)
    assert line.count(b"\n") == 1
    assert (back.device, back.timestamp, back.values, back.units, back.alarms) == ("xw", s.timestamp, s.values, {"grid_power": "W"}, ["low cell"])
    assert back.values_json == rec.values_json
    err = decode(encode(PollError("xw", 5.0, "timeout after 2 s"))[0])
    assert (err.ok, err.reason) == (False, "timeout after 2 s")
