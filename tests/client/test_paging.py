"""Every row of `/users/all/progress` and `/offerings/summary`, page after page (keyset paging on `id`), against a
mock server that pages as iQualify and OpenQualify do: `$top` rows ordered by `$orderby`, `$filter` applied."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from openqualify.client import PagingError
from openqualify.client.models import AllProgressResponse
from tests.fixtures.sdk import Recorder

IDS = sorted(f"-N{i:05d}x'q" if i % 97 == 0 else f"-N{i:05d}abc" for i in range(2345))  # some with a quote
GT = re.compile(r"id gt '((?:[^']|'')*)'$")


def keyset_server(
    rows: list[dict[str, Any]], *, progress: bool, cap: int = 1000, ignore_filter: bool = False
) -> Callable[[httpx.Request], httpx.Response]:
    """Answers `$top` (at most `cap`) rows ordered by id, after the `id gt '...'` of the filter if any."""

    def answer(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        assert params["$orderby"] == "id asc"
        top = min(int(params["$top"]), cap)
        chosen = rows
        found = GT.search(params.get("$filter", ""))
        if found and not ignore_filter:
            after = found.group(1).replace("''", "'")
            chosen = [row for row in rows if row["id"] > after]
        page = chosen[:top]
        if progress:
            names = {"o1": {"name": "Offering one"}}
            return httpx.Response(200, json={"data": {"progress": page, "offerings": names}, "top": top})
        return httpx.Response(200, json=page)

    return answer


LEARNERS = [{"id": i, "email": f"{n}@x.io", "offerings": [{"id": "o1", "completion": "5"}]} for n, i in enumerate(IDS)]


def test_every_learner_once_in_pages_of_1000(recorder: Recorder) -> None:
    recorder.responses.append(keyset_server(LEARNERS, progress=True))
    pages = list(recorder.client().progress.all_pages())
    assert [len(page.learners) for page in pages] == [1000, 1000, 345]
    assert [learner.id for page in pages for learner in page.learners] == IDS
    assert pages[0].offering_names == {"o1": "Offering one"}
    first, second, third = (dict(r.url.params) for r in recorder.requests)  # the echoed `top` ends the pass
    assert first == {"$top": "1000", "$orderby": "id asc"}
    assert second == {"$top": "1000", "$orderby": "id asc", "$filter": f"id gt '{IDS[999]}'"}
    assert third["$filter"] == f"id gt '{IDS[1999]}'"


def test_a_quote_in_the_last_id_is_doubled(recorder: Recorder) -> None:
    recorder.responses.append(keyset_server(LEARNERS, progress=True))
    pages = list(recorder.client().progress.all_pages(page_size=97 + 1))  # a page ends on an id with a quote
    assert [learner.id for page in pages for learner in page.learners] == IDS
    assert any("''" in r.url.params["$filter"] for r in recorder.requests[1:])


def test_the_callers_filter_is_kept_on_every_page(recorder: Recorder) -> None:
    recorder.responses.append(keyset_server(LEARNERS[:30], progress=True))
    learners = [lr for page in recorder.client().progress.all_pages(filter="endswith(email,'.io')", page_size=20)
                for lr in page.learners]  # fmt: skip
    assert len(learners) == 30
    assert [r.url.params["$filter"] for r in recorder.requests] == [
        "(endswith(email,'.io'))", f"(endswith(email,'.io')) and id gt '{IDS[19]}'"
    ]


def test_summary_pages_end_at_an_empty_page_when_the_size_is_not_echoed(recorder: Recorder) -> None:
    offerings = [{"id": i, "name": f"Offering {i}"} for i in IDS[:1200]]
    recorder.responses.append(keyset_server(offerings, progress=False, cap=500))  # caps below the size asked
    pages = list(recorder.client().offerings.summary_pages())
    assert [o.id for page in pages for o in page] == IDS[:1200]
    assert [len(page) for page in pages] == [500, 500, 200]
    assert len(recorder.requests) == 4  # the last, empty page says the list is done


def test_a_server_that_ignores_the_filter_is_an_error_not_an_endless_loop(recorder: Recorder) -> None:
    recorder.responses.append(keyset_server(LEARNERS, progress=True, ignore_filter=True))
    with pytest.raises(PagingError, match="repeats rows"):
        list(recorder.client().progress.all_pages())
    assert len(recorder.requests) == 2


def test_a_row_without_id_cannot_be_paged(recorder: Recorder) -> None:
    recorder.reply(200, {"data": {"progress": [{"email": "a@x.io"}]}, "top": 1000})
    with pytest.raises(PagingError, match="has no id"):
        list(recorder.client().progress.all_pages())


def test_page_size_is_bounded(recorder: Recorder) -> None:
    with pytest.raises(ValueError, match="between 1 and 1000"):
        list(recorder.client().progress.all_pages(page_size=1001))
    assert recorder.requests == []


def test_async_pages(recorder: Recorder) -> None:
    recorder.responses.append(keyset_server(LEARNERS, progress=True))

    async def run() -> list[AllProgressResponse]:
        async with recorder.async_client() as client:
            return [page async for page in client.progress.all_pages(page_size=1000)]

    assert [learner.id for page in asyncio.run(run()) for learner in page.learners] == IDS
