"""An offering's page, first part: what it is, its learners' completion, and the learners table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from openqualify.server.assessment_data.repository import read_course_name
from openqualify.server.console import charts
from openqualify.server.console.sheets import Sheet
from openqualify.server.console.views.common import (
    BUCKET_TITLES,
    COMPLETION_BINS,
    PERCENT_BIN_NOTE,
    OrgBar,
    binned,
    bucket_of,
    org_bar,
)
from openqualify.server.console.views.learners_table import (
    LearnerRow,
    LearnerTable,
    TableQuery,
    learner_rows,
    table,
)
from openqualify.server.kit.reads import ReadContext
from openqualify.server.offerings.lookup import found_in_offering
from openqualify.server.offerings.repository import read_offering_with_course
from openqualify.server.offerings.schemas import OfferingOut
from openqualify.server.offerings.views import offering_row_out
from openqualify.server.progress import service as progress


@dataclass(frozen=True, slots=True)
class OfferingHead:
    offering: OfferingOut
    bucket: str
    bucket_title: str
    course: str | None


@dataclass(frozen=True, slots=True)
class OfferingPage:
    org: OrgBar
    head: OfferingHead
    learners: int
    mean_completion: float | None
    completed: int
    not_started: int
    completion: charts.Figure
    table: LearnerTable

    @property
    def csv_subject(self) -> str:
        return self.head.offering.name or ""

    def sheets(self) -> list[Sheet]:
        return self.table.sheets()


async def head(ctx: ReadContext, offering_id: str) -> OfferingHead:
    """The offering as `GET /offerings/{id}` shows it (404 for an unknown id or another organisation's)."""
    offering = found_in_offering(await read_offering_with_course(ctx, offering_id), offering_id)
    out = offering_row_out(offering)
    bucket = bucket_of(offering.start, offering.end, ctx.principal.now())
    course = await read_course_name(ctx, offering.course_id)
    return OfferingHead(out, bucket, BUCKET_TITLES[bucket], course)


async def learners(ctx: ReadContext, offering_id: str) -> list[LearnerRow]:
    """The offering's learners with their completion: the rows of `/analytics/learners-progress`."""
    return learner_rows(await progress.learners_progress(ctx, offering_id))


async def offering_page(ctx: ReadContext, offering_id: str, params: Mapping[str, str]) -> OfferingPage:
    top = await head(ctx, offering_id)
    rows = await learners(ctx, top.offering.id)
    counts = [(row.completion, 1) for row in rows]
    query = TableQuery.from_params(params)
    base = f"/console/offerings/{top.offering.id}"
    hrefs = [f"{base}?band={i}#learners" for i in range(len(COMPLETION_BINS))]
    return OfferingPage(
        org=org_bar(ctx.principal),
        head=top,
        learners=len(rows),
        mean_completion=sum(r.completion for r in rows) / len(rows) if rows else None,
        completed=sum(1 for r in rows if r.completion >= 100),
        not_started=sum(1 for r in rows if r.completion == 0),
        completion=charts.histogram(
            "Learners by completion",
            list(zip(COMPLETION_BINS, binned(counts), strict=True)),
            x_label="Completion (%)",
            y_label="Learners",
            hrefs=hrefs,
            placement=charts.BESIDE,
            note=PERCENT_BIN_NOTE,
            name="completion",
        ),
        table=table(top.offering.id, rows, query),
    )


async def learners_table(ctx: ReadContext, offering_id: str, params: Mapping[str, str]) -> LearnerTable:
    """The table alone, for sorting, filtering and paging without reloading the page."""
    rows = await learners(ctx, offering_id)  # 404 as the API answers, for an unknown offering
    return table(offering_id, rows, TableQuery.from_params(params))
