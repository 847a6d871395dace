"""Turn the keyword arguments of `Api.runs` into a store `RunQuery`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from runyard.errors import InvalidInputError
from runyard.store.models import RUN_STATUSES
from runyard.store.query import Filter, RunQuery, SortKey, parse_filter, parse_order_by


def status_filters(status: str | Iterable[str] | None) -> tuple[Filter, ...]:
    """Filters keeping runs whose status is one of `status`."""
    if status is None:
        return ()
    wanted = {status} if isinstance(status, str) else set(status)
    unknown = wanted.difference(RUN_STATUSES)
    if unknown:
        raise InvalidInputError(
            f"unknown status {sorted(unknown)[0]!r}; use one of {', '.join(RUN_STATUSES)}"
        )
    if len(wanted) == 1:
        return (Filter("attributes", "status", "=", next(iter(wanted))),)
    # The filter language has no `in`; excluding the other statuses says the same thing.
    return tuple(
        Filter("attributes", "status", "!=", other) for other in RUN_STATUSES if other not in wanted
    )


def build_query(
    project_ids: Sequence[int],
    *,
    status: str | Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
    params: Mapping[str, Any] | None = None,
    filter: str | None = None,
    order_by: Sequence[str] | None = None,
    limit: int | None = None,
) -> RunQuery:
    """The store query for `Api.runs`; raises `InvalidInputError` on a bad filter or sort."""
    if limit is not None and limit < 0:
        raise InvalidInputError(f"limit must be >= 0, not {limit}")
    filters: list[Filter] = list(status_filters(status))
    if isinstance(tags, str):
        tags = [tags]
    filters.extend(Filter("tags", "tags", "contains", tag) for tag in tags or ())
    filters.extend(Filter("params", name, "=", value) for name, value in (params or {}).items())
    if filter:
        filters.extend(parse_filter(filter))
    if isinstance(order_by, str):
        order_by = [order_by]
    sort: tuple[SortKey, ...] = parse_order_by(list(order_by)) if order_by else ()
    return RunQuery(
        project_ids=tuple(project_ids), filters=tuple(filters), order_by=sort, limit=limit
    )
