"""Demo data: learning (to be written)."""

from __future__ import annotations

from openqualify.server.sandbox.demo.context import DemoContext


def seed(ctx: DemoContext) -> None:
    """Add this area's demo rows to ctx.session."""
