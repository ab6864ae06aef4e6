"""ASGI entry point for uvicorn workers: `openqualify.server.asgi:app` (settings from the environment)."""

from openqualify.server.app import create_app

app = create_app()
