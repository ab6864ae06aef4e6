"""The API commands of the `openqualify` CLI: one module per command group, named after it, each with
`register(root)`; `openqualify.cli.main` lists the ones it registers. They talk to the API through the SDK only.
"""

from __future__ import annotations

from ._context import (
    EXIT_CLIENT_ERROR,
    EXIT_CONNECTION_ERROR,
    EXIT_OK,
    EXIT_ROWS_FAILED,
    EXIT_SERVER_ERROR,
    EXIT_USAGE,
    ClientFactory,
    set_client_factory,
)

__all__ = [
    "EXIT_CLIENT_ERROR",
    "EXIT_CONNECTION_ERROR",
    "EXIT_OK",
    "EXIT_ROWS_FAILED",
    "EXIT_SERVER_ERROR",
    "EXIT_USAGE",
    "ClientFactory",
    "set_client_factory",
]
