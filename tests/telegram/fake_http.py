"""A small HTTP/1.1 server on 127.0.0.1 for tests: a fake Telegram Bot API and a fake alert relay."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


Route = Callable[[Request], Awaitable[tuple[int, dict]]]


class FakeHttpServer:
    def __init__(self, route: Route) -> None:
        self.route = route
        self.requests: list[Request] = []
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task] = set()  # one per connection; a held long poll waits in one
        self.port = 0

    async def __aenter__(self) -> "FakeHttpServer":
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._clients:  # Python 3.11 has no Server.close_clients
            writer.close()
        # A handler holding a long poll waits on an event, not the socket: cancel it, or it outlives the loop
        # (a pending task destroyed later logs from inside whatever the garbage collector interrupts).
        for task in self._handlers:
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        handler = asyncio.current_task()
        assert handler is not None
        self._handlers.add(handler)
        try:
            while line := await reader.readline():
                method, target, _ = line.decode().split(" ", 2)
                headers = {}
                while (header := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = header.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                parts = urlsplit(target)
                request = Request(method, parts.path, parse_qs(parts.query), headers, body)
                self.requests.append(request)
                status, answer = await self.route(request)
                payload = json.dumps(answer).encode()
                writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                             f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away, or the server is closing
        finally:
            self._clients.discard(writer)
            self._handlers.discard(handler)
            writer.close()


@dataclass
class FakeBotApi:
    """sendMessage is recorded; getUpdates behaves as Telegram's: it holds a long poll for its `timeout`
    (25 s by default in the bot) while there is nothing, answers at once when an update arrives, returns at
    most 100, and forgets those before the `offset` the next call confirms. `say` queues a text message;
    `push` queues any JSON as an update (what a broken or hostile server could send: it is returned once,
    as nothing in it may confirm it). `fail_next` answers the next N sendMessage calls with a 500."""

    token: str = "123:secret"
    sent: list[tuple[int, str]] = field(default_factory=list)
    fail_next: int = 0
    _queue: list[tuple[int, object, bool]] = field(default_factory=list)  # (our sequence number, update, raw)
    _next: int = 1000
    _new: asyncio.Event = field(default_factory=asyncio.Event)

    def say(self, chat_id: int, text: str) -> None:
        self._queue.append((self._next, {"update_id": self._next, "message": {"chat": {"id": chat_id}, "text": text}}, False))
        self._next += 1
        self._new.set()

    def push(self, update: object) -> None:
        self._queue.append((self._next, update, True))
        self._next += 1
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if isinstance(update_id, int) and not isinstance(update_id, bool):  # later ones come after it, as on Telegram
            self._next = max(self._next, update_id + 1)
        self._new.set()

    def to(self, chat_id: int) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]

    async def route(self, request: Request) -> tuple[int, dict]:
        prefix = f"/bot{self.token}/"
        if not request.path.startswith(prefix):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        method, params = request.path[len(prefix):], json.loads(request.body or b"{}")
        if method == "sendMessage":
            if self.fail_next:
                self.fail_next -= 1
                return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
            self.sent.append((params["chat_id"], params["text"]))
            return 200, {"ok": True, "result": {"message_id": len(self.sent)}}
        if method == "getUpdates":
            offset = params.get("offset", 0)
            self._queue = [u for u in self._queue if u[0] >= offset]  # confirmed: forgotten, as Telegram does
            try:
                async with asyncio.timeout(params.get("timeout", 0)):
                    while not self._queue:
                        self._new.clear()
                        await self._new.wait()
            except TimeoutError:
                pass
            batch = self._queue[:100]
            self._queue = [u for u in self._queue if not (u[2] and u in batch)]
            return 200, {"ok": True, "result": [update for _, update, _ in batch]}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}


async def wait_until(check: Callable[[], bool], seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not check():
            await asyncio.sleep(0.05)
