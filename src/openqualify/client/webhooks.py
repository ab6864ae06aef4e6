"""Verifying an Event hub delivery in a receiver: `verify(body, headers, secret) -> Event`.

    from openqualify.client.webhooks import WebhookVerificationError, verify

    def handle(body: bytes, headers: Mapping[str, str]) -> int:
        try:
            event = verify(body, headers, secret)      # the signing secret, "whsec_..."
        except WebhookVerificationError as error:
            return 401                                 # error.reason says why
        ...

Built on the `standardwebhooks` package (Standard Webhooks 1.0, what the hub signs with), installed with
`pip install 'openqualify[webhooks]'` (the server and the test extras include it). A delivery passes when one of
the `webhook-signature` header's signatures (two during the 24 hours after a rotation) is made with one of the
secrets given, and its `webhook-timestamp` is within 5 minutes of this machine's clock (older ones are refused:
a replayed request fails). Pass the body exactly as received, as bytes: a re-serialised JSON does not verify.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from .models.event_hub import Event

__all__ = ["INSTALL_HINT", "WebhookVerificationError", "verify", "verify_json"]

INSTALL_HINT = "pip install 'openqualify[webhooks]'"


class WebhookVerificationError(Exception):
    """The delivery cannot be trusted: a header is missing, no signature matches, the timestamp is more than
    5 minutes away from now, or the body is not an event. `reason` is the cause, in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"webhook verification failed: {reason}")
        self.reason = reason


def verify_json(body: bytes | str, headers: Mapping[str, str], secret: str | Sequence[str]) -> dict[str, Any]:
    """The delivery's JSON body once its signature and timestamp are checked (any of `secret`'s secrets)."""
    try:
        from standardwebhooks import Webhook
        from standardwebhooks import WebhookVerificationError as StandardError
    except ImportError as missing:  # pragma: no cover - the test environment has it
        raise ImportError(f"verifying webhooks needs the standardwebhooks package: {INSTALL_HINT}") from missing
    secrets = [secret] if isinstance(secret, str) else list(secret)
    if not secrets or not all(secrets):
        raise ValueError("verify() needs the signing secret (GET /event-hub/settings: signingSecret)")
    plain = {str(k).lower(): str(v) for k, v in headers.items()}
    reason = "no secret given"
    for one in secrets:
        try:
            Webhook(one).verify(body, plain, json_parse=False)
        except StandardError as refused:
            reason = str(refused) or type(refused).__name__
            if reason != "No matching signature found":
                break  # missing headers or a stale timestamp: another secret changes nothing
            continue
        try:
            document = json.loads(body)
        except ValueError:
            raise WebhookVerificationError("the body is not JSON") from None
        if not isinstance(document, dict):
            raise WebhookVerificationError("the body is not a JSON object")
        return document
    raise WebhookVerificationError(reason)


def verify(body: bytes | str, headers: Mapping[str, str], secret: str | Sequence[str]) -> Event:
    """The delivered `Event`, once its signature and timestamp are checked; raises `WebhookVerificationError`.

    `secret` is the hub's signing secret, or several (your old and new one while you roll a rotation out)."""
    document = verify_json(body, headers, secret)
    try:
        return Event.model_validate(document)
    except PydanticValidationError as error:
        raise WebhookVerificationError(f"the body is not an event envelope ({error.error_count()} errors)") from None
