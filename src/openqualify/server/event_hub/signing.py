"""Standard Webhooks 1.0 signatures, made by the `standardwebhooks` package.

`webhook-signature` carries one `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret, space-separated:
during the 24 hours after a rotation both the new and the previous secret sign, so a receiver verifying with
either passes.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


@lru_cache(maxsize=4096)
def _signer(secret: str) -> Webhook:
    return Webhook(secret)


def signature(secrets_: Sequence[str], message_id: str, timestamp: datetime, body: bytes) -> str:
    """The `webhook-signature` header: one signature per secret, space-separated."""
    return " ".join(_signer(secret).sign(message_id, timestamp, body) for secret in secrets_)


def signed_headers(secrets_: Sequence[str], message_id: str, timestamp: datetime, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature(secrets_, message_id, timestamp, body),
    }
