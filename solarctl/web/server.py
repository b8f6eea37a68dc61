"""Serving the web app inside the daemon's event loop with uvicorn, on a socket bound before the daemon
starts, so a port in use is one sentence at start-up instead of a dead service later."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uvicorn

from solarctl.facade import Facade
from solarctl.web.app import create_app
from solarctl.web.config import WebPortUnavailable

log = logging.getLogger("solarctl.web")


class _InLoopServer(uvicorn.Server):
    def capture_signals(self):  # the daemon owns SIGTERM / SIGINT: they cancel it, and it stops this server
        return contextlib.nullcontext()


class WebServer:
    def __init__(self, daemon: Facade) -> None:
        self.daemon = daemon
        self.web = daemon.config.web
        self.sock = self._bind()
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{'[' + self.web.host + ']' if ':' in self.web.host else self.web.host}:{self.port}"

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.web.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.web.host, self.web.port))
        except OSError as exc:
            sock.close()
            raise WebPortUnavailable(f"the web page cannot listen on {self.web.host}:{self.web.port} ({exc.strerror}); "
                                     f"set another [web] port, or stop what uses it") from None
        sock.listen(64)
        sock.setblocking(False)
        return sock

    async def serve(self) -> None:
        """Serve until cancelled; then finish the open requests (the live streams are cut after a second)."""
        # proxy_headers off: uvicorn would take X-Forwarded-For from any loopback peer as the client's address;
        # the app trusts it only from [web] trusted_proxies (limits.py).
        config = uvicorn.Config(create_app(self.daemon), log_level="warning", lifespan="off", access_log=False,
                                timeout_graceful_shutdown=1, proxy_headers=False)
        server = _InLoopServer(config)
        log.info("web page on %s", self.url)
        task = asyncio.create_task(server.serve(sockets=[self.sock]))
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            server.should_exit = True
            await task
            raise
