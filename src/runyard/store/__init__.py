"""Storage: one `Store` interface, SQLite + local files by default."""

from __future__ import annotations

from runyard.store.base import DEFAULT_TENANT, Store
from runyard.store.locations import open_store
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

