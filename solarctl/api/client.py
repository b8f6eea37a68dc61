"""Asking a running daemon over its control socket (blocking: the CLI has nothing else to do)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

from solarctl.api.address import socket_path, unix_address


class ControlApiError(RuntimeError):
    """The daemon refused or could not answer; the text is one sentence for the user."""


class ControlClient:
    def __init__(self, sock: socket.socket, path: Path) -> None:
        self._sock = sock
        self._stream = sock.makefile("rwb")
        self.path = path

    @classmethod
    def connect(cls, data_dir: Path, timeout: float = 60.0) -> "ControlClient | None":
        """A client of the daemon serving `data_dir`, or None when none runs (no socket, or a dead one's)."""
        path = socket_path(data_dir)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            with unix_address(path) as address:
                sock.connect(address)
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            return None
        except PermissionError:
            sock.close()
            raise ControlApiError(f"{path}: permission denied; run solarctl as the user the daemon runs as") from None
        return cls(sock, path)

    def request(self, op: str, **fields: Any) -> Any:
        """The result of one request; ControlApiError with the daemon's sentence if it refused."""
        try:
            self._stream.write(json.dumps({"op": op, **fields}).encode() + b"\n")
            self._stream.flush()
            line = self._stream.readline()
        except TimeoutError:
            raise ControlApiError(f"the daemon at {self.path} did not answer in time; see its log") from None
        except OSError as exc:
            raise ControlApiError(f"lost the connection to the daemon at {self.path} ({exc.strerror or exc})") from None
        if not line:
            raise ControlApiError(f"the daemon at {self.path} closed the connection without an answer; see its log")
        answer = json.loads(line)
        if not answer.get("ok"):
            raise ControlApiError(answer.get("error") or "the daemon refused the request")
        return answer["result"]

    def close(self) -> None:
        self._stream.close()
        self._sock.close()

    def __enter__(self) -> "ControlClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
