"""Defaults shared by the server and the CLI (which must not import the server: it may not be installed)."""

DEFAULT_DATABASE_URL = "sqlite:///./openqualify.db"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
REAL_SERVICE_BASE_URL = "https://api.iqualify.com/v1"
