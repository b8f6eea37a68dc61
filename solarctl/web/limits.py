"""What a web request may bring: a body no larger than MAX_BODY on every route, refused before anything
parses it (a 300 MB login body once cost the daemon 1.15 GB), and the client address its failed logins are
counted against (X-Forwarded-For only from the configured proxies)."""

from __future__ import annotations

import ipaddress
import json
from typing import Any, Awaitable, Callable

MAX_BODY = 64 * 1024  # bytes; a login or a setting change needs a few hundred

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: a declared Content-Length over the limit is refused at once (413, the body unread);
    a body sent without one (chunked) is counted as it streams and refused when it passes the limit."""

    def __init__(self, app: Callable, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await self._refuse(send)
            return
        seen = 0
        started = refused = False

        async def counted_receive() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    refused = True
                    raise BodyTooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the app's answer to a body it could not read (400 or 500): ours is the 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except Exception:
            if not refused:
                raise
        if refused and not started:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": f"the request body is larger than {self.max_body} bytes; "
                                     "a login or a change needs a few hundred"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def client_address(peer: str | None, forwarded_for: str | None, trusted: list[str]) -> str:
    """The address a request is counted against: the peer's, or, when the peer is a trusted proxy, the nearest
    address in X-Forwarded-For that is not one (proxies append, so the entries further left are the client's
    own say and cannot be trusted)."""
    networks = [ipaddress.ip_network(proxy) for proxy in trusted]

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in networks)

    address = peer or "?"
    if not forwarded_for or not is_trusted(address):
        return address
    for hop in reversed(forwarded_for.split(",")):
        hop = hop.strip()
        if not is_trusted(hop):
            try:
                return ipaddress.ip_address(hop).compressed
            except ValueError:
                return address  # not an address: the proxy's own word is all we have
    return address
