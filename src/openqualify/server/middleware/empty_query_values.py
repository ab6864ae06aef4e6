"""An empty query value is no value: `?days=&$top=5` is served as `?$top=5` (issue 18), for every route at once
(`middleware.request_head`): `?days=` (which some clients send for every optional field left blank) means what
no `days` means, as an empty `$filter=` always did."""

from __future__ import annotations


def without_empty_values(query: bytes) -> bytes:
    """`days=&$top=5` -> `$top=5`: a query parameter without a value is no parameter (issue 18)."""
    if not query:
        return query
    kept = [pair for pair in query.split(b"&") if pair.partition(b"=")[2]]
    return b"&".join(kept)
