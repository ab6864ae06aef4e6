"""The application's layers around the routes, one per module (as Starlette's `middleware/`), used by `app.py`
only: `asgi` (helpers for pure-ASGI layers), `security_headers`, `access_log`, `errors` (the flat `{name,
details}` answer for every failure), `request_head` (one layer for the last-resort 500 and the request head's
fix-ups and caps: `empty_query_values`, `encoded_slash`, `request_caps`), `rate_limit`, `authenticate_first`
(401/403 before the body is read) and `replay` (lost races and lost connections run the request again). They
may import `kit`; `kit` never imports them (import-linter)."""
