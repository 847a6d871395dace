"""The HTTP server: one FastAPI app for every dialect."""

from __future__ import annotations

from runyard.server.app import create_app

__all__ = ["create_app"]
