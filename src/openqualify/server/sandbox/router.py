"""The sandbox control plane's routers, one module per area (mounted at `/_sandbox`)."""

from __future__ import annotations

from openqualify.server.sandbox.assessments.router import router as assessments
from openqualify.server.sandbox.core.router import router as core
from openqualify.server.sandbox.data.router import router as data
from openqualify.server.sandbox.faults.router import router as faults
from openqualify.server.sandbox.journal.router import router as journal
from openqualify.server.sandbox.learning.router import router as learning
from openqualify.server.sandbox.social.router import router as social

SANDBOX_ROUTERS = [core, data, journal, faults, assessments, social, learning]
