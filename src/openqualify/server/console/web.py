"""How a console request runs: the API's token check and organisation scope, answered with HTML.

Pages are a static shell (no data, no token needed); the shell's script fetches fragments with the signed-in
token in the `Authorization` header, so a token never appears in a URL, a cookie or a log line. A fragment is
authenticated exactly as an API read (`kit.reads.open_context`: 401/403 first), its statements run through the
same `ReadContext` as a read route's (scoped to the organisation; the read-only session where a service loads
entities), and its failures leave through the API's error handlers (`{"name", "details"}` with
the same status: 404 for another organisation's ids).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined

from openqualify import __version__
from openqualify.server.console import sheets
from openqualify.server.console.charts import Viewport, number
from openqualify.server.console.periods import MONTHS
from openqualify.server.console.views.common import COMPLETION_BINS, as_datetime
from openqualify.server.kit.errors import ObjectNotFoundError
from openqualify.server.kit.reads import ReadContext, open_context

T = TypeVar("T")

# Everything the console loads comes from this server: no inline script or style, no other origin.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
VIEWPORT_HEADER = "Console-Viewport-Width"  # sent by console.js: charts are laid out for that width
CSV_PARAM = "csv"  # `?csv=<sheet>`: the fragment's table of that name as a CSV download


# --- templates ----------------------------------------------------------------------------------------------------


def _when(value: datetime | str | None, style: str = "datetime") -> str:
    """`3 Mar 2030, 09:00` (UTC) or `3 Mar 2030`; any year from 1 to 9999 (no platform `strftime`)."""
    moment = as_datetime(value)
    if moment is None:
        return "—"
    day = f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"
    return day if style == "date" else f"{day}, {moment.hour:02d}:{moment.minute:02d}"


def _iso(value: datetime | date | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    moment = as_datetime(value)
    return moment.isoformat().replace("+00:00", "Z") if moment else ""


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def _query(params: dict[str, str]) -> str:
    return "?" + urlencode(params) if params else ""


def _csv_url(src: str, sheet: str) -> str:
    """The fragment at `src` (with its query) asked for its table `sheet` as CSV."""
    path, _, query = src.partition("?")
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != CSV_PARAM]
    return path + "?" + urlencode([*params, (CSV_PARAM, sheet)])


TEMPLATES = Environment(
    loader=PackageLoader("openqualify.server.console", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
)
TEMPLATES.filters.update(
    when=_when,
    iso=_iso,
    num=number,
    percent=_percent,
    segment=lambda text: quote(str(text), safe="@"),  # one path segment (e-mails keep their @)
    query=_query,
    csv_url=_csv_url,
)
TEMPLATES.globals.update(version=__version__, completion_bins=COMPLETION_BINS)


def render(template: str, **values: Any) -> str:
    return TEMPLATES.get_template(template).render(**values)


def html(content: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status_code, headers=SECURITY_HEADERS)


# --- requests -----------------------------------------------------------------------------------------------------


def shell(request: Request, page: str) -> HTMLResponse:
    """A console page before sign-in: the same shell for every page, its data comes as fragments."""
    settings = request.app.state.settings
    return html(render("shell.html", page=page, sandbox=settings.sandbox_enabled, mode=settings.mode.value))


async def fragment(request: Request, view: Callable[[ReadContext], Awaitable[T]], template: str) -> Response:
    """Authenticate as the API does, build the view's data with the read path's context, render it: as HTML
    laid out for the reader's viewport, or one of its tables as CSV (`?csv=<sheet>`)."""
    ctx = await open_context(request)
    try:
        data = await view(ctx)
    finally:
        await ctx.close()
    sheet_name = request.query_params.get(CSV_PARAM)
    if sheet_name is not None:
        return csv_download(request, data, sheet_name)
    src = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return html(render(template, v=data, sandbox=request.app.state.settings.sandbox_enabled, src=src,
                       viewport=Viewport.of(request.headers.get(VIEWPORT_HEADER))))


def csv_download(request: Request, data: object, name: str) -> Response:
    """The view's table `name` as a CSV file; 404 (as the API's) for a table the view does not have."""
    sheet = sheets.find(data, name)
    if sheet is None:
        raise ObjectNotFoundError(f"This page has no table {name[:60]!r} to download.")
    subject = str(getattr(data, "csv_subject", "") or request.url.path.removeprefix("/console/f/"))
    headers = {**SECURITY_HEADERS, "Content-Disposition": sheets.content_disposition(sheets.file_name(subject, name))}
    return Response(sheets.text(sheet), media_type="text/csv; charset=utf-8", headers=headers)
