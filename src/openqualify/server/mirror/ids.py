"""Ids the API never shows (of links, of rows it lists without theirs), made up from what they link: the same on
every run."""

from __future__ import annotations

import hashlib

ALPHABET = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
_LETTERS = bytes(ord(ALPHABET[b % 64]) for b in range(256))  # a digest's byte -> its letter, by `bytes.translate`


def ordered_id(position: int, *parts: str) -> str:
    """A 20-character made-up id that sorts as `position` does (digits first: the same order under SQLite's
    binary collation and PostgreSQL's), for rows a list orders by (time, id) where times may tie."""
    digest = hashlib.blake2b("\0".join(parts).encode(), digest_size=10).digest()
    return f"{position:010d}" + digest.translate(_LETTERS).decode("ascii")


def made_id(*parts: str) -> str:
    """A 20-character id fixed by what it links (the same on every run)."""
    digest = hashlib.blake2b("\0".join(parts).encode(), digest_size=15).digest()
    return digest.translate(_LETTERS).decode("ascii").rjust(20, "-")
