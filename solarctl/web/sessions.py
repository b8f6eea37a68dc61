"""Logins: sessions that expire, a CSRF token per session, and a limit on failed logins per client."""

from __future__ import annotations

import hmac
import secrets
from collections import defaultdict, deque
from dataclasses import dataclass

from solarctl.clock import Clock
from solarctl.web.passwords import verify_password

_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


@dataclass
class Session:
    user: str
    csrf: str
    expires_at: float


class LoginRefused(Exception):
    """A login that fails; the text is the sentence the page shows."""

    def __init__(self, sentence: str, status: int) -> None:
        super().__init__(sentence)
        self.status = status


class Sessions:
    def __init__(self, users: dict[str, str], clock: Clock, *, lifetime_s: float, attempts_per_minute: int) -> None:
        self.users = users
        self.clock = clock
        self.lifetime_s = lifetime_s
        self.attempts_per_minute = attempts_per_minute
        self._sessions: dict[str, Session] = {}
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def login(self, user: str, password: str, client: str) -> tuple[str, Session]:
        now = self.clock.time()
        self._forget_old(now)
        failures = self._failures[client]
        if len(failures) >= self.attempts_per_minute:
            raise LoginRefused("too many failed logins from this address; wait a minute and try again", 429)
        # an unknown user costs the same hash as a known one, so timing does not tell which names exist
        if not verify_password(password, self.users.get(user, _DUMMY_HASH)) or user not in self.users:
            failures.append(now)
            raise LoginRefused("wrong user name or password", 401)
        failures.clear()
        token = secrets.token_urlsafe(32)
        session = Session(user, secrets.token_urlsafe(32), now + self.lifetime_s)
        self._sessions[token] = session
        return token, session

    def _forget_old(self, now: float) -> None:
        """Drop expired sessions and failures older than a minute, so neither table grows without bound."""
        for token in [t for t, s in self._sessions.items() if now >= s.expires_at]:
            del self._sessions[token]
        for client in list(self._failures):
            failures = self._failures[client]
            while failures and now - failures[0] > 60:
                failures.popleft()
            if not failures:
                del self._failures[client]

    def logout(self, token: str | None) -> None:
        self._sessions.pop(token or "", None)

    def get(self, token: str | None) -> Session | None:
        """The live session of this cookie value, or None (unknown or expired: then it is forgotten)."""
        session = self._sessions.get(token or "")
        if session is None:
            return None
        if self.clock.time() >= session.expires_at:
            del self._sessions[token]
            return None
        return session

    @staticmethod
    def csrf_ok(session: Session, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(session.csrf, sent)
