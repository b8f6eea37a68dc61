"""The control API server: one JSON object per line in, one per line out.

A request is {"op": NAME, ...}; the answer is {"ok": true, "result": ...} or {"ok": false, "error": SENTENCE}.
`ops` maps op names to handlers, so a new op (alerts, audit …) is one more entry. Requests are bounded in
size and time, and a bad one gets an error answer: nothing a client sends can stop the daemon. Only the
daemon's user (and root) can connect: the socket is 0600, and the caller's uid comes from the kernel
(SO_PEERCRED), so a write records who asked.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import socket
import stat
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Awaitable, Callable

from solarctl.api.address import LOCK_NAME, socket_path, unix_address
from solarctl.private_files import open_private, private_dir
from solarctl.api.standard_json import dumps

log = logging.getLogger("solarctl.api")

MAX_REQUEST = 64 * 1024  # bytes per request line; a set or read request needs a few hundred


@dataclass(frozen=True)
class Caller:
    pid: int
    uid: int


Op = Callable[[dict, Caller], Awaitable[Any]]  # (request, caller) -> JSON-able result


class ApiError(Exception):
    """A request an op refuses; the text is the sentence the caller gets."""


class DataDirUnavailable(RuntimeError):
    """Another daemon runs for the data dir, or it cannot be used; the text says which and what to do."""


class ControlServer:
    def __init__(self, data_dir: Path, *, request_timeout: float = 30.0, max_request: int = MAX_REQUEST) -> None:
        self.data_dir = Path(data_dir)
        self.path = socket_path(self.data_dir)
        self.request_timeout = request_timeout
        self.max_request = max_request
        self.ops: dict[str, Op] = {}
        self._claim: IO[str] | None = None

    def claim(self) -> None:
        """Take the data dir for this process, before it touches any port: a second daemon for the same
        data dir stops here. The lock dies with its process, so a dead daemon's socket is simply replaced."""
        try:
            private_dir(self.data_dir)
            lock = os.fdopen(open_private(self.data_dir / LOCK_NAME, os.O_RDWR | os.O_APPEND | os.O_CREAT), "a+", encoding="utf-8")
        except OSError as exc:
            raise DataDirUnavailable(f"cannot use data dir {self.data_dir} ({exc.strerror}); make it writable for "
                                     f"this user or set another [general] data_dir") from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            pid = lock.read().strip() or "unknown"
            lock.close()
            raise DataDirUnavailable(f"another solarctl daemon (pid {pid}) already runs for data dir {self.data_dir}; "
                               f"stop it first, or give this config its own [general] data_dir") from None
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        self._claim = lock

    def release(self) -> None:
        if self._claim is not None:
            self._claim.close()
            self._claim = None

    async def serve(self) -> None:
        """Listen until cancelled; the socket file goes with it."""
        sock = self._bind()
        server = await asyncio.start_unix_server(self._connection, sock=sock, limit=self.max_request)
        log.info("control API on %s", self.path)
        try:
            await server.serve_forever()
        finally:
            server.close()
            self.path.unlink(missing_ok=True)

    def _bind(self) -> socket.socket:
        self.path.unlink(missing_ok=True)  # a dead daemon's: we hold the claim, so nobody else serves it
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with unix_address(self.path) as address:
                sock.bind(address)
            os.chmod(self.path, 0o600)  # before listen(): until then every connect is refused
            mode = stat.S_IMODE(os.stat(self.path).st_mode)
            if mode != 0o600:
                raise RuntimeError(f"{self.path}: the control socket has mode {mode:o} instead of 600; "
                                   f"put [general] data_dir on a file system with Unix permissions")
        except BaseException:
            sock.close()
            raise
        return sock

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        caller = _caller(writer)
        try:
            while True:
                try:
                    async with asyncio.timeout(self.request_timeout):  # an idle client is let go
                        line = await reader.readline()
                except TimeoutError:
                    return
                except ValueError:  # longer than the limit: the rest of the line cannot be trusted
                    await self._send(writer, _error(f"request longer than {self.max_request} bytes; "
                                                    f"send one JSON object per line"))
                    return
                if not line:
                    return
                await self._send(writer, await self._answer(line, caller))
        except (ConnectionError, TimeoutError):
            pass  # the client went away or stopped reading; its loss
        finally:
            writer.close()

    async def _send(self, writer: asyncio.StreamWriter, answer: dict) -> None:
        writer.write(dumps(answer, default=str).encode() + b"\n")
        async with asyncio.timeout(self.request_timeout):
            await writer.drain()

    async def _answer(self, line: bytes, caller: Caller) -> dict:
        try:
            request = json.loads(line)
        except ValueError as exc:
            return _error(f"the request is not JSON ({exc}); send one JSON object per line")
        if not isinstance(request, dict) or not isinstance(request.get("op"), str):
            return _error('a request is a JSON object with an "op" key, e.g. {"op": "status"}')
        name = request["op"]
        op = self.ops.get(name)
        if op is None:
            return _error(f"unknown op {name!r}; this daemon knows {', '.join(sorted(self.ops))}")
        try:
            async with asyncio.timeout(self.request_timeout):
                return {"ok": True, "result": await op(request, caller)}
        except ApiError as exc:
            return _error(str(exc))
        except TimeoutError:
            return _error(f"the {name} request took longer than {self.request_timeout:g} s and was abandoned")
        except Exception as exc:  # noqa: BLE001 - a bug in one op must not take the daemon down
            log.exception("control API: %s request failed", name)
            return _error(f"the daemon failed to answer the {name} request ({exc}); see its log")


def _error(sentence: str) -> dict:
    return {"ok": False, "error": sentence}


def _caller(writer: asyncio.StreamWriter) -> Caller:
    creds = writer.get_extra_info("socket").getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, _gid = struct.unpack("3i", creds)
    return Caller(pid, uid)
