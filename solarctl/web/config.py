"""The [web] table: where the page listens and who may change settings from it."""

from __future__ import annotations

import ipaddress
import re

from pydantic import Field, field_validator

from solarctl.strict_model import StrictModel
from solarctl.web.passwords import is_hash

_USER = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")  # becomes part of the audit source "web:<user>"


class WebPortUnavailable(RuntimeError):
    """The [web] address cannot be listened on; the text says which and what to do (here, beside the table, so
    the CLI can catch it without importing the web server)."""


class WebConfig(StrictModel):
    host: str = "127.0.0.1"  # loopback unless the owner decides otherwise
    port: int = Field(8780, ge=1, le=65535)
    # user -> password hash from `solarctl web-password` (never the password itself)
    users: dict[str, str] = Field(default_factory=dict)
    session_minutes: float = Field(60.0, gt=0, le=525600)  # at most a year
    login_attempts: int = Field(5, ge=1, le=1000)  # failed logins per client address and minute before 429
    # Reverse proxies whose X-Forwarded-For names the client (addresses or networks); from anyone else the
    # header is ignored, so a client cannot pick the address its failed logins are counted against.
    trusted_proxies: list[str] = Field(default_factory=list, max_length=100)

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            try:
                ipaddress.ip_network(proxy)
            except ValueError:
                raise ValueError(f"trusted proxy {proxy!r} is not an address or network, e.g. \"127.0.0.1\" or "
                                 f"\"10.0.0.0/24\"") from None
        return proxies

    @field_validator("users")
    @classmethod
    def _check_users(cls, users: dict[str, str]) -> dict[str, str]:
        for name, hashed in users.items():
            if not _USER.match(name):
                raise ValueError(f"web user {name!r}: use a short lower-case name such as admin")
            if not is_hash(hashed):
                raise ValueError(f"web user {name!r}: the value is not a password hash; make one with "
                                 f"`solarctl web-password` and paste its output")
        return users
