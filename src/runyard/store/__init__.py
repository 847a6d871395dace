"""Storage: one `Store` interface, SQLite + local files by default."""

from __future__ import annotations

import os
from pathlib import Path

from runyard.store.base import DEFAULT_TENANT, Store
from runyard.store.models import (
    Artifact,
    Change,
    Downsampled,
    LogLine,
    MetricColumns,
    MetricSummary,
    Project,
    Run,
    Token,
)
from runyard.store.query import Filter, RunQuery, SortKey, parse_filter, parse_order_by
from runyard.store.units import Applied, Owner, WriteBatch

__all__ = [
    "DEFAULT_TENANT",
    "Applied",
    "Artifact",
    "Change",
    "Downsampled",
    "Filter",
    "LogLine",
    "MetricColumns",
    "MetricSummary",
    "Owner",
    "Project",
    "Run",
    "RunQuery",
    "SortKey",
    "Store",
    "Token",
    "WriteBatch",
    "open_store",
    "parse_filter",
    "parse_order_by",
]


def open_store(data_dir: str | os.PathLike[str], *, create: bool = True, read_only: bool | None = None) -> Store:
    """Open the embedded SQLite store in `data_dir` (created when missing unless `create=False`).

    `read_only`: True reads an existing store without writing anything (writes raise
    `ReadOnlyError`); None (default) does so when this process has no write access to it.
    """
    from runyard.store.sqlite.store import SQLiteStore

    return SQLiteStore(Path(data_dir), create=create, read_only=read_only)
