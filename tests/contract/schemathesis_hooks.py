"""Schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by tests/contract/test_schemathesis.py).

Three generated requests in four get a coherent set of the demo organisation's real ids (the file named by
OPENQUALIFY_SCHEMATHESIS_IDS, see `real_ids.py`) in their path parameters and in the body fields that name such
ids, so that they reach the rules behind the 404s; the rest keep their generated values.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import strategies as st

_IDS_FILE = os.environ.get("OPENQUALIFY_SCHEMATHESIS_IDS")
ID_SETS: list[dict[str, str]] = json.loads(Path(_IDS_FILE).read_text()) if _IDS_FILE else []
# Body fields that carry an id of the set, by the set's key.
BODY_FIELDS = {"contentId": "contentId", "rootContentId": "rootContentId", "email": "userEmail",
               "fromOfferingId": "offeringId"}


def _with_real_ids(case: Any, index: int) -> Any:
    ids = ID_SETS[index]
    for name in list(case.path_parameters):
        if name in ids:
            case.path_parameters[name] = ids[name]
    body = case.body
    if isinstance(body, dict):
        for field, key in BODY_FIELDS.items():
            if field in body and key in ids:
                body[field] = ids[key]
        if "toOfferingId" in body:  # another offering of the organisation
            body["toOfferingId"] = ID_SETS[(index + 1) % len(ID_SETS)]["offeringId"]
    elif isinstance(body, list) and case.path.endswith("/offerings") and body and isinstance(body[0], str):
        body[:] = [s["offeringId"] for s in ID_SETS[: len(body)]]  # a user's offerings
    return case


@schemathesis.hook
def flatmap_case(context: Any, case: Any) -> st.SearchStrategy[Any]:
    if not ID_SETS:
        return st.just(case)
    count = len(ID_SETS)
    return st.integers(0, 4 * count - 1).map(
        lambda n: _with_real_ids(case, n % count) if n < 3 * count else case
    )
