"""Password hashes for [web] users: scrypt from the standard library, salted, compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

_N, _R, _P = 2**14, 8, 1  # ~16 MiB and ~50 ms per check: slow enough for guessing, fine for a login


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, hashed: str) -> bool:
    if not is_hash(hashed):
        return False
    _, n, r, p, salt, digest = hashed.split("$")
    wanted = base64.b64decode(digest)
    got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                         dklen=len(wanted))
    return hmac.compare_digest(got, wanted)


def is_hash(text: str) -> bool:
    parts = text.split("$")
    return len(parts) == 6 and parts[0] == "scrypt" and all(part.isdigit() for part in parts[1:4])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
