"""Chart and namespace ids that stay put and say what they name.

swanboard's ids are rows of its own database, unique across experiments and the compare page;
`PATCH /api/v1/chart/{id}/status` gives nothing but the id. runyard's encode the scope and the
chart's place: `(scope id << 20) | (rank << 1) | multi`, where the scope is the run (multi 0)
or the project (multi 1) and `rank` is the key's place in the order keys were first logged, so
an id never changes as the run logs new keys. Ids stay below 2**53 (exact in JavaScript) for
scope ids below 2**33. A namespace's id is the id of its first-logged chart.
"""

from __future__ import annotations

from dataclasses import dataclass

RANK_BITS = 19
MAX_RANK = (1 << RANK_BITS) - 1
MAX_SCOPE_ID = (1 << 33) - 1
MAX_ID = (MAX_SCOPE_ID << (RANK_BITS + 1)) | (MAX_RANK << 1) | 1


@dataclass(frozen=True, slots=True)
class ChartRef:
    """What a chart id names: the key of rank `rank` in run `scope_id`, or in project `scope_id` when `multi`."""

    scope_id: int
    rank: int
    multi: bool


def chart_id(scope_id: int, rank: int, multi: bool) -> int:
    """The id of the chart of rank `rank` in a run (or a project when `multi`)."""
    return (scope_id << (RANK_BITS + 1)) | (min(rank, MAX_RANK) << 1) | int(multi)


def parse(value: int) -> ChartRef:
    """The scope and rank an id names (the caller checks they exist)."""
    return ChartRef(value >> (RANK_BITS + 1), (value >> 1) & MAX_RANK, bool(value & 1))
