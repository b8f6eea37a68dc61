"""A small HTTP/1.1 server on 127.0.0.1 (port 0) that answers with recorded service responses: each request
is matched by path to a queue of (status, headers, body); the last answer of a queue repeats."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).parent.parent / "data" / "prices"


def recorded(name: str) -> bytes:
    return (DATA / name).read_bytes()


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, value: object, status: int = 200, **headers: str) -> Answer:
        return cls(status, json.dumps(value).encode(), {k.replace("_", "-"): v for k, v in headers.items()})


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class FakeService:
    def __init__(self) -> None:
        self.routes: dict[str, list[Answer]] = {}
        self.seen: list[Seen] = []
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()  # one per connection, cancelled on close
        self.port = 0

    def answer(self, path: str, *answers: Answer) -> None:
        self.routes.setdefault(path, []).extend(answers)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FakeService:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._handlers:  # Python 3.11's Server.close leaves open connections to their handlers
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
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
                self.seen.append(Seen(method, parts.path, parse_qs(parts.query), headers, body))
                queue = self.routes.get(parts.path) or [Answer(404, b'{"detail": "Not found."}')]
                answer = queue.pop(0) if len(queue) > 1 else queue[0]
                head = "".join(f"{k}: {v}\r\n" for k, v in answer.headers.items())
                writer.write(f"HTTP/1.1 {answer.status} X\r\nContent-Type: application/json\r\n{head}"
                             f"Content-Length: {len(answer.body)}\r\n\r\n".encode() + answer.body)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away, or the server is closing
        finally:
            self._handlers.discard(handler)
            writer.close()
