"""Pulse check-ins and learners' responses."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from ..models import PulseResponse
from ._resource import Resource, operation


class PulsesResource(Resource):
    @operation("GET", "/offerings/{offeringId}/analytics/pulses")
    def list(self, offering_id: str) -> builtins.list[str]:
        """Base ids of the pulses learners have responded to."""
        return self._call("GET", "offerings", offering_id, "analytics", "pulses", into=builtins.list[str])

    @operation("GET", "/offerings/{offeringId}/analytics/pulses/responses")
    def responses(
        self,
        offering_id: str,
        *,
        pulse_type: str | None = None,
        response_time: str | Sequence[str] | None = None,
    ) -> builtins.list[PulseResponse]:
        """All responses, optionally by type and time (`["gte__2024-01-01T00:00:00Z", "lt__..."]`)."""
        times = [response_time] if isinstance(response_time, str) else response_time
        params = {"pulseType": pulse_type, "responseTime": builtins.list(times) if times else None}
        return self._call(
            "GET", "offerings", offering_id, "analytics", "pulses", "responses",
            params=params, into=builtins.list[PulseResponse],
        )  # fmt: skip

    @operation("GET", "/offerings/{offeringId}/analytics/pulses/{pulseId}/responses")
    def responses_for(self, offering_id: str, pulse_id: str) -> builtins.list[PulseResponse]:
        """Responses to one pulse (by base id)."""
        return self._call(
            "GET", "offerings", offering_id, "analytics", "pulses", pulse_id, "responses",
            into=builtins.list[PulseResponse],
        )  # fmt: skip
