"""Logins without a server: hashes, session expiry, the failed-login limit and its window."""

from __future__ import annotations

import pytest

from solarctl.clock import VirtualClock
from solarctl.web.passwords import hash_password, is_hash, verify_password
from solarctl.web.sessions import LoginRefused, Sessions

HASH = hash_password("correct horse battery")


def test_a_hash_is_salted_and_verifies_only_its_password():
    assert is_hash(HASH) and HASH != hash_password("correct horse battery")
    assert verify_password("correct horse battery", HASH)
    assert not verify_password("correct horse batterz", HASH) and not verify_password("x", "plain text")


async def test_sessions_expire_and_failed_logins_are_limited_per_address_for_a_minute():
    clock = VirtualClock()
    sessions = Sessions({"alice": HASH}, clock, lifetime_s=600, attempts_per_minute=2)
    token, session = sessions.login("alice", "correct horse battery", "10.0.0.1")
    assert sessions.get(token) is session and Sessions.csrf_ok(session, session.csrf)
    assert not Sessions.csrf_ok(session, None) and not Sessions.csrf_ok(session, "x")
    await clock.run_for(599)
    assert sessions.get(token) is session
    await clock.run_for(1)
    assert sessions.get(token) is None and sessions.get(token) is None  # expired, and forgotten

    for user in ("alice", "nobody"):
        with pytest.raises(LoginRefused) as refused:
            sessions.login(user, "guess", "10.0.0.2")
        assert refused.value.status == 401
    with pytest.raises(LoginRefused) as refused:
        sessions.login("alice", "correct horse battery", "10.0.0.2")  # even the right password: wait first
    assert refused.value.status == 429
    assert sessions.login("alice", "correct horse battery", "10.0.0.3")  # another address is not held up
    await clock.run_for(61)
    assert sessions.login("alice", "correct horse battery", "10.0.0.2")
