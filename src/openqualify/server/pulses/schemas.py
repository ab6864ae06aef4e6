"""Wire shapes of pulses (`PulseResponse`, `PulseAnswer`)."""

from __future__ import annotations

from pydantic import BaseModel

from openqualify.server.kit.timefmt import DateTimeOut

PULSE_TYPES = ("submit_text", "MCQ", "spatial_triangular", "spatial_planar", "spatial_linear")


class MultiChoiceOption(BaseModel):
    option: str
    value: bool


class SpatialOption(BaseModel):
    option: str
    value: float


class PulseAnswerOut(BaseModel):
    textAnswer: str | None = None
    multiChoiceAnswer: list[MultiChoiceOption] | None = None
    spatialAnswer: list[SpatialOption] | None = None


class PulseResponseOut(BaseModel):
    pulseBaseId: str
    pulseInstanceId: str
    pulseQuestion: str
    pulseType: str
    pulseRunStart: DateTimeOut
    pulseRunDurationMinutes: int
    learnerId: str
    learnerFirstName: str | None = None
    learnerLastName: str | None = None
    responseTime: DateTimeOut
    response: PulseAnswerOut
