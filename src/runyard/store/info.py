"""What a store says about itself: which backend, which schema (for /health and `runyard version`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """The backend's name (`"sqlite"`, ...) and the schema version its data is at."""

    backend: str
    schema_version: int
