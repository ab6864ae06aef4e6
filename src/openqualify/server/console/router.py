"""Console routes: pages (the shell, no token needed) and fragments (`/console/f/...`, the bearer token needed).

A page path maps to its fragment by inserting `/f` after `/console` (`/console` itself is `/console/f/overview`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from openqualify.server.console.views.assessments import assessments_view
from openqualify.server.console.views.engagement import badges_view, channels_view, pulses_view, reactions_view
from openqualify.server.console.views.event_hub import deliveries_view, event_hub_view, events_view
from openqualify.server.console.views.faults import faults_view
from openqualify.server.console.views.journal import journal_entry, journal_view
from openqualify.server.console.views.learner import learner_view
from openqualify.server.console.views.offering import learners_table, offering_page
from openqualify.server.console.views.overview import overview
from openqualify.server.console.views.sandbox import sandbox_view
from openqualify.server.console.views.search import search_view
from openqualify.server.console.web import fragment, shell

PREFIX = "/console"
router = APIRouter(prefix=PREFIX, include_in_schema=False)
sandbox_router = APIRouter(prefix=PREFIX, include_in_schema=False)  # added in sandbox mode only


# --- pages --------------------------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
async def overview_page(request: Request) -> HTMLResponse:
    return shell(request, "overview")


@router.get("/offerings/{offeringId}", response_class=HTMLResponse)
async def offering_shell(request: Request, offeringId: str) -> HTMLResponse:
    return shell(request, "offering")


@router.get("/learners/{userEmail}", response_class=HTMLResponse)
async def learner_shell(request: Request, userEmail: str) -> HTMLResponse:
    return shell(request, "learner")


@router.get("/search", response_class=HTMLResponse)
async def search_shell(request: Request) -> HTMLResponse:
    return shell(request, "search")


@router.get("/event-hub", response_class=HTMLResponse)
async def event_hub_shell(request: Request) -> HTMLResponse:
    return shell(request, "event-hub")


@sandbox_router.get("/sandbox", response_class=HTMLResponse)
async def sandbox_shell(request: Request) -> HTMLResponse:
    return shell(request, "sandbox")


# --- fragments ----------------------------------------------------------------------------------------------------


@router.get("/f/overview", response_class=HTMLResponse)
async def overview_fragment(request: Request) -> Response:
    params = request.query_params
    return await fragment(request, lambda ctx: overview(ctx, params), "overview.html")


@router.get("/f/search", response_class=HTMLResponse)
async def search_fragment(request: Request) -> Response:
    params = request.query_params
    return await fragment(request, lambda ctx: search_view(ctx, params), "search.html")


@router.get("/f/offerings/{offeringId}", response_class=HTMLResponse)
async def offering_fragment(request: Request, offeringId: str) -> Response:
    params = request.query_params
    return await fragment(request, lambda ctx: offering_page(ctx, offeringId, params), "offering.html")


@router.get("/f/offerings/{offeringId}/learners", response_class=HTMLResponse)
async def learners_fragment(request: Request, offeringId: str) -> Response:
    params = request.query_params
    return await fragment(request, lambda ctx: learners_table(ctx, offeringId, params), "learners_table.html")


@router.get("/f/offerings/{offeringId}/assessments", response_class=HTMLResponse)
async def assessments_fragment(request: Request, offeringId: str) -> Response:
    return await fragment(request, lambda ctx: assessments_view(ctx, offeringId), "assessments.html")


@router.get("/f/offerings/{offeringId}/pulses", response_class=HTMLResponse)
async def pulses_fragment(request: Request, offeringId: str) -> Response:
    return await fragment(request, lambda ctx: pulses_view(ctx, offeringId), "pulses.html")


@router.get("/f/offerings/{offeringId}/channels", response_class=HTMLResponse)
async def channels_fragment(request: Request, offeringId: str) -> Response:
    return await fragment(request, lambda ctx: channels_view(ctx, offeringId), "channels.html")


@router.get("/f/offerings/{offeringId}/reactions", response_class=HTMLResponse)
async def reactions_fragment(request: Request, offeringId: str) -> Response:
    return await fragment(request, lambda ctx: reactions_view(ctx, offeringId), "reactions.html")


@router.get("/f/offerings/{offeringId}/badges", response_class=HTMLResponse)
async def badges_fragment(request: Request, offeringId: str) -> Response:
    return await fragment(request, lambda ctx: badges_view(ctx, offeringId), "badges.html")


@router.get("/f/learners/{userEmail}", response_class=HTMLResponse)
async def learner_fragment(request: Request, userEmail: str) -> Response:
    return await fragment(request, lambda ctx: learner_view(ctx, userEmail), "learner.html")


@router.get("/f/event-hub", response_class=HTMLResponse)
async def event_hub_fragment(request: Request) -> Response:
    return await fragment(request, event_hub_view, "event_hub.html")


@router.get("/f/event-hub/events", response_class=HTMLResponse)
async def hub_events_fragment(request: Request) -> Response:
    params = request.query_params
    return await fragment(request, lambda ctx: events_view(ctx, params), "hub_events.html")


@router.get("/f/event-hub/deliveries", response_class=HTMLResponse)
async def hub_deliveries_fragment(request: Request) -> Response:
    params = request.query_params
    return await fragment(request, lambda ctx: deliveries_view(ctx, params), "hub_deliveries.html")


@sandbox_router.get("/f/sandbox", response_class=HTMLResponse)
async def sandbox_fragment(request: Request) -> Response:
    journal = request.app.state.journal.size > 0
    return await fragment(request, lambda ctx: sandbox_view(ctx, journal), "sandbox.html")


@sandbox_router.get("/f/sandbox/faults", response_class=HTMLResponse)
async def faults_fragment(request: Request) -> Response:
    return await fragment(request, faults_view, "faults.html")


@sandbox_router.get("/f/sandbox/journal", response_class=HTMLResponse)
async def journal_fragment(request: Request) -> Response:
    params, store = request.query_params, request.app.state.journal
    return await fragment(request, lambda ctx: journal_view(ctx, store, params), "journal.html")


@sandbox_router.get("/f/sandbox/journal/{entryId}", response_class=HTMLResponse)
async def journal_entry_fragment(request: Request, entryId: str) -> Response:
    store = request.app.state.journal
    return await fragment(request, lambda ctx: journal_entry(ctx, store, entryId), "journal_entry.html")
