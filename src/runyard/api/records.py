"""The records a read backend hands to `Api`, and their wire form for reads over HTTP.

The server encodes them with `record_wire` (msgpack keeps floats, NaN, ints and strings
exactly) and the HTTP backend decodes them with `record_from_wire`: the same code on both
ends, so a remote run is the local run field for field.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runyard.errors import InvalidInputError
from runyard.store import Artifact, LogLine, MetricSummary, Run

_RUN_FIELDS = tuple(f.name for f in dataclasses.fields(Run))
_SUMMARY_FIELDS = tuple(f.name for f in dataclasses.fields(MetricSummary))
_LOG_FIELDS = tuple(f.name for f in dataclasses.fields(LogLine))
_ARTIFACT_FIELDS = tuple(f.name for f in dataclasses.fields(Artifact))


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A run with its project's name and its metric summaries (sorted by key)."""

    run: Run
    project: str
    summaries: dict[str, MetricSummary]


@dataclass(frozen=True, slots=True)
class RunSearch:
    """The conditions of `Api.runs` (see `runyard.api.search.build_query`), as sent to a server."""

    status: tuple[str, ...] | None = None
    tags: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    filter: str | None = None
    order_by: tuple[str, ...] = ()
    limit: int | None = None

    @classmethod
    def of(cls, status: str | Iterable[str] | None, tags: Iterable[str] | None,
           params: Mapping[str, Any] | None, filter: str | None, order_by: Sequence[str] | str | None,
           limit: int | None) -> RunSearch:
        """Normalise `Api.runs`' keyword arguments (a lone string counts as one item)."""
        for name, value in (params or {}).items():
            # NaN equals nothing, and JSON (the server's search body) cannot carry it or infinities.
            if isinstance(value, float) and not math.isfinite(value):
                raise InvalidInputError(f"params[{name!r}] = {value}: compare params with finite numbers")
        return cls(
            status=None if status is None else ((status,) if isinstance(status, str) else tuple(status)),
            tags=(tags,) if isinstance(tags, str) else tuple(tags or ()),
            params=dict(params or {}),
            filter=filter or None,
            order_by=(order_by,) if isinstance(order_by, str) else tuple(order_by or ()),
            limit=limit,
        )


def sorted_summaries(found: Mapping[str, MetricSummary]) -> dict[str, MetricSummary]:
    """Summaries ordered by key, as `ApiRun.summaries` lists them."""
    return dict(sorted(found.items()))


def record_wire(record: RunRecord) -> dict[str, Any]:
    """A run record as plain msgpack-able values."""
    return {
        "run": dataclasses.asdict(record.run),
        "project": record.project,
        "summaries": [dataclasses.asdict(s) for s in record.summaries.values()],
    }


def _pick(data: Any, names: tuple[str, ...], what: str) -> dict[str, Any]:
    if not isinstance(data, dict) or any(name not in data for name in names):
        raise InvalidInputError(f"the server sent a malformed {what} record")
    return {name: data[name] for name in names}


def record_from_wire(data: Any) -> RunRecord:
    """The `RunRecord` of `record_wire`'s output; fields a newer server adds are ignored."""
    if not isinstance(data, dict):
        raise InvalidInputError("the server sent a malformed run record")
    run = Run(**_pick(data.get("run"), _RUN_FIELDS, "run"))
    summaries = [MetricSummary(**_pick(s, _SUMMARY_FIELDS, "metric summary")) for s in data.get("summaries") or ()]
    return RunRecord(run, str(data.get("project", "")), sorted_summaries({s.key: s for s in summaries}))


def log_lines_from_wire(rows: Any) -> list[LogLine]:
    """Console lines sent as `dataclasses.asdict(LogLine)` maps."""
    return [LogLine(**_pick(row, _LOG_FIELDS, "log line")) for row in rows or ()]


def artifacts_from_wire(rows: Any) -> list[Artifact]:
    """Artifact records sent as `dataclasses.asdict(Artifact)` maps."""
    return [Artifact(**_pick(row, _ARTIFACT_FIELDS, "artifact")) for row in rows or ()]
