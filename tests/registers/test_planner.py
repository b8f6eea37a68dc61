"""Block planner properties: coverage, request size, forbidden spans, fewest requests."""

from functools import lru_cache

from hypothesis import given, settings, strategies as st

from solarctl.registers import Register, plan_blocks
from solarctl.devices.conext.xw import XW_MAP


@st.composite
def register_sets(draw, max_regs=30):
    """Non-overlapping registers of 1-3 words (strings up to 6) in a 600-register space."""
    n = draw(st.integers(1, max_regs))
    regs, used = [], set()
    for i in range(n):
        size = draw(st.sampled_from([1, 1, 2, 2, 3]))
        start = draw(st.integers(0, 600))
        span = set(range(start, start + size))
        if span & used:
            continue
        used |= span
        kind = {1: ("u16", 0), 2: ("u32", 0), 3: ("str", 6)}[size]
        regs.append(Register(f"r{i}", start, kind[0], length=kind[1]))
    return regs


@st.composite
def forbidden_spans(draw, regs):
    spans = []
    for _ in range(draw(st.integers(0, 3))):
        first = draw(st.integers(0, 620))
        last = first + draw(st.integers(0, 40))
        if not any(r.address <= last and r.end - 1 >= first for r in regs):
            spans.append((first, last))
    return spans


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_every_register_covered_no_request_too_big_no_forbidden_crossed(data):
    regs = data.draw(register_sets())
    forbidden = data.draw(forbidden_spans(regs))
    max_gap = data.draw(st.integers(0, 60))
    max_count = data.draw(st.integers(3, 125))
    blocks = plan_blocks(regs, max_gap=max_gap, max_count=max_count, forbidden=forbidden)
    covered = [r for b in blocks for r in b.registers]
    assert sorted(r.name for r in covered) == sorted(r.name for r in regs)
    for b in blocks:
        assert b.count <= max_count <= 125
        assert all(b.start <= r.address and r.end <= b.end for r in b.registers)
        assert not any(b.start <= last and b.end - 1 >= first for first, last in forbidden)
        addrs = sorted(b.registers, key=lambda r: r.address)
        assert all(nxt.address - cur.end <= max_gap for cur, nxt in zip(addrs, addrs[1:]))


def _fewest(regs, max_gap, max_count, forbidden):
    """Brute-force minimum number of requests: best split of the sorted list into valid groups."""
    regs = sorted(regs, key=lambda r: r.address)

    def valid(i, j):
        group = regs[i:j]
        start, end = group[0].address, max(r.end for r in group)
        gaps_ok = all(b.address - max(r.end for r in group[: k + 1]) <= max_gap for k, b in enumerate(group[1:]))
        return end - start <= max_count and gaps_ok and not any(start <= last and end - 1 >= first for first, last in forbidden)

    @lru_cache(None)
    def best(i):
        if i == len(regs):
            return 0
        return min(1 + best(j) for j in range(i + 1, len(regs) + 1) if valid(i, j))

    return best(0)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_plan_uses_the_fewest_requests(data):
    regs = data.draw(register_sets(max_regs=10))
    forbidden = data.draw(forbidden_spans(regs))
    max_gap = data.draw(st.integers(0, 30))
    max_count = data.draw(st.integers(6, 60))
    assert len(plan_blocks(regs, max_gap=max_gap, max_count=max_count, forbidden=forbidden)) == \
        _fewest(regs, max_gap, max_count, forbidden)


def test_conext_xw_full_poll_is_three_requests():
    blocks = plan_blocks(XW_MAP.group("fast", "slow"), max_gap=50)
    assert [(b.start, b.count) for b in blocks] == [(0x40, 92), (0xD4, 106), (0x178, 124)]
