"""OpenQualify: the iQualify Management API v1, self-hostable."""

__version__ = "0.1.0"
