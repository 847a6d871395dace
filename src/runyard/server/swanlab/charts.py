"""Charts and namespaces derived from a run's metric keys, and tag look-up from a URL path.

`train/loss` is chart `train/loss` in namespace `train`; a key without `/` goes to the
namespace `default`. Namespaces come in a fixed order, `default` first, the user's in
alphabetical order, then `system` (what the SDK's system monitor logs, collapsed); chart
ids count 1, 2, ... in that order, so they are positions: a key that appears later can
move the ids of the keys after it, as SwanLab's own ids are per-server counters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from runyard.server.swanlab.times import iso
from runyard.store import Run

DEFAULT_NAMESPACE = "default"
SYSTEM_NAMESPACE = "system"


def namespace_of(key: str) -> str:
    """The namespace of a metric key: the part before the first `/`, else `default`."""
    head, sep, _ = key.partition("/")
    return head if sep and head else DEFAULT_NAMESPACE


def _rank(namespace: str) -> tuple[int, str]:
    if namespace == DEFAULT_NAMESPACE:
        return (0, "")
    return (2, "") if namespace == SYSTEM_NAMESPACE else (1, namespace)


def layout(keys: Iterable[str]) -> list[tuple[str, list[str]]]:
    """(namespace, keys) pairs in display order; keys sorted inside each namespace."""
    groups: dict[str, list[str]] = {}
    for key in sorted(set(keys)):
        groups.setdefault(namespace_of(key), []).append(key)
    return sorted(groups.items(), key=lambda item: _rank(item[0]))


def charts_json(run: Run, keys: Iterable[str], experiment: dict[str, Any]) -> dict[str, Any]:
    """`{"charts", "namespaces"}` for a run; `experiment` is the nested experiment object."""
    created = iso(run.start_time)
    charts: list[dict[str, Any]] = []
    namespaces: list[dict[str, Any]] = []
    for sort, (namespace, members) in enumerate(layout(keys)):
        ids = []
        for key in members:
            chart_id = len(charts) + 1
            ids.append(chart_id)
            charts.append({
                "id": chart_id, "project_id": None, "name": key, "description": None, "system": 1,
                "type": "line", "reference": "step", "status": 0, "sort": None, "config": None,
                "more": None, "create_time": created, "update_time": created, "error": {},
                "source": [key], "multi": False, "source_map": {key: run.id},
            })
        namespaces.append({
            "id": sort + 1, "experiment_id": experiment, "project_id": None, "name": namespace,
            "description": None, "sort": sort, "opened": 0 if namespace == SYSTEM_NAMESPACE else 1,
            "more": None, "create_time": created, "update_time": created, "charts": ids,
        })
    return {"charts": charts, "namespaces": namespaces}


def resolve_tag(path: str, keys: Iterable[str]) -> str | None:
    """The metric key a `/tag/<namespace>/<metric>` path names, or None.

    The path is the key itself (`train/loss`); a key without `/` is also reachable as
    `default/<key>`, its namespace in the chart list. An exact key wins.
    """
    known = set(keys)
    if path in known:
        return path
    prefix = DEFAULT_NAMESPACE + "/"
    if path.startswith(prefix):
        rest = path[len(prefix):]
        if rest in known and "/" not in rest:
            return rest
    return None
