"""Identifier formats: Firebase-style push ids and MongoDB-style ObjectIds."""

from __future__ import annotations

import os
import secrets
import threading
import time

_PUSH_ALPHABET = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
_lock = threading.Lock()
_last_ms = 0
_last_random: list[int] = [0] * 12


def push_id(now_ms: int | None = None) -> str:
    """A 20-character, time-ordered id like `-MEF8kFyURUr6_CZ4IXD` (8 time chars + 12 random chars).

    Ids made in the same millisecond increment the random part, so they still sort in creation order.
    """
    global _last_ms
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    with _lock:
        if ms == _last_ms:
            for i in range(11, -1, -1):
                if _last_random[i] < 63:
                    _last_random[i] += 1
                    break
                _last_random[i] = 0
        else:
            _last_ms = ms
            bits = int.from_bytes(secrets.token_bytes(9))  # 72 random bits, one system call: 12 x 6 bits
            for i in range(12):
                _last_random[i] = (bits >> (6 * i)) & 63
        random_part = "".join(_PUSH_ALPHABET[i] for i in _last_random)
    time_chars = []
    for _ in range(8):
        time_chars.append(_PUSH_ALPHABET[ms % 64])
        ms //= 64
    return "".join(reversed(time_chars)) + random_part


_OBJECT_ID_PROCESS = os.urandom(5)
_object_id_counter = secrets.randbelow(1 << 24)


def object_id() -> str:
    """24 lowercase hex characters laid out as a MongoDB ObjectId: 4 bytes of seconds, 5 bytes fixed per
    process, 3 bytes of a counter, so ids made by one process in the same second still sort in order."""
    global _object_id_counter
    with _lock:
        _object_id_counter = (_object_id_counter + 1) % (1 << 24)
        counter = _object_id_counter
    return (int(time.time()).to_bytes(4, "big") + _OBJECT_ID_PROCESS + counter.to_bytes(3, "big")).hex()


def new_token() -> str:
    """An API token: 40 url-safe random characters, shown once, stored only as a hash."""
    return secrets.token_urlsafe(30)
