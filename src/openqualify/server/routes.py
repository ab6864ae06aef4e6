"""Every router, in matching order (static segments before the `{param}` routes they would shadow)."""

from __future__ import annotations

from fastapi import APIRouter

from openqualify.server.api_info.router import router as api_info
from openqualify.server.assessment_data.router import router as assessment_data
from openqualify.server.assessments.router import router as assessments
from openqualify.server.badges.router import router as badges
from openqualify.server.channels.router import router as channels
from openqualify.server.course_mappings.router import router as course_mappings
from openqualify.server.courses.router import router as courses
from openqualify.server.event_hub.router import router as event_hub
from openqualify.server.groups.router import router as groups
from openqualify.server.memberships.router import router as memberships
from openqualify.server.offerings.router import router as offerings
from openqualify.server.org.router import router as org
from openqualify.server.progress.router import router as progress
from openqualify.server.pulses.router import router as pulses
from openqualify.server.sandbox.router import SANDBOX_ROUTERS as SANDBOX
from openqualify.server.users.router import router as users

# `progress` serves `/users/all/progress`, which `users` would read as an e-mail: it goes first. Matching is
# linear, so the most requested resource (offerings) comes early; none of its paths shadows another router's.
API_ROUTERS: list[APIRouter] = [
    api_info,
    org,
    offerings,
    progress,
    users,
    courses,
    course_mappings,
    memberships,
    assessments,
    assessment_data,
    groups,
    channels,
    pulses,
    badges,
    event_hub,
]

SANDBOX_ROUTERS: list[APIRouter] = list(SANDBOX)
