"""Logins: sessions that expire, a CSRF token per session, and a limit on failed logins per client.

A login counts as failed from the moment it is taken (checked and counted in one step under a lock, before
the password hash is computed), and is forgiven only when the password was right: so parallel guesses get
no more hash checks than the limit, however many arrive at once."""

from __future__ import annotations

import hmac
import secrets
import threading
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
        self._lock = threading.Lock()  # logins run in worker threads (the hash is slow on purpose)

    def login(self, user: str, password: str, client: str) -> tuple[str, Session]:
        now = self.clock.time()
        with self._lock:
            self._forget_old(now)
            failures = self._failures[client]
            if len(failures) >= self.attempts_per_minute:
                raise LoginRefused("too many failed logins from this address; wait a minute and try again", 429)
            failures.append(now)  # counted before the hash: a failure until the password proves right
        # an unknown user costs the same hash as a known one, so timing does not tell which names exist
        if not verify_password(password, self.users.get(user, _DUMMY_HASH)) or user not in self.users:
            raise LoginRefused("wrong user name or password", 401)
        token = secrets.token_urlsafe(32)
        session = Session(user, secrets.token_urlsafe(32), now + self.lifetime_s)
        with self._lock:
            self._failures.pop(client, None)
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
        with self._lock:
            self._sessions.pop(token or "", None)

    def get(self, token: str | None) -> Session | None:
        """The live session of this cookie value, or None (unknown or expired: then it is forgotten)."""
        with self._lock:
            session = self._sessions.get(token or "")
            if session is not None and self.clock.time() >= session.expires_at:
                del self._sessions[token or ""]
                return None
            return session

    @staticmethod
    def csrf_ok(session: Session, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(session.csrf, sent)
