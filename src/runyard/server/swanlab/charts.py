"""Charts and namespaces derived from metric keys, with what the user pinned, hid and collapsed.

`train/loss` is chart `train/loss` in namespace `train`; a key without `/` goes to the
namespace `default`. Namespaces come in a fixed order, `default` first, the user's in
alphabetical order, then `system` (what the SDK's system monitor logs, collapsed); keys are
sorted inside each. Pinned charts leave their namespace for the `pinned` section (id -1,
first), hidden ones for `hidden` (id -2, last), as swanboard's own server answers. Chart
and namespace ids: `runyard.server.swanlab.ids`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from runyard.server.swanlab import ids
from runyard.server.swanlab.view import HIDDEN, PINNED, View
from runyard.store import MetricSummary

DEFAULT_NAMESPACE = "default"
SYSTEM_NAMESPACE = "system"
PINNED_ID, HIDDEN_ID = -1, -2


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


def first_logged(summaries: Iterable[Mapping[str, MetricSummary]]) -> list[str]:
    """Keys of one or more runs in the order they were first logged: a key's index is its rank in ids."""
    first: dict[str, tuple[int, str]] = {}
    for per_run in summaries:
        for key, summary in per_run.items():
            order = (summary.first_logged, key)
            if key not in first or order < first[key]:
                first[key] = order
    return sorted(first, key=first.__getitem__)


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose charts: one run's (`multi` false) or a project's compare page."""

    scope_id: int  # the run's id, or the project's
    multi: bool
    experiment: dict[str, Any] | None  # the nested experiment object (run scope), with its section states
    project: dict[str, Any] | None  # the nested project object (compare page), with its section states
    created: str | None


def _chart(scope: Scope, key: str, chart_id: int, sort: int, status: int, sources: Mapping[str, int]) -> dict[str, Any]:
    return {
        "id": chart_id, "name": key, "description": None, "system": 1, "type": "line", "reference": "step",
        "status": status, "sort": sort, "config": None, "more": None,
        "create_time": scope.created, "update_time": scope.created, "error": {},
        "source": list(sources), "multi": scope.multi, "source_map": dict(sources),
        **({"experiment_id": None, "project_id": scope.project} if scope.multi else {"project_id": None}),
    }


def _namespace(scope: Scope, namespace_id: int, name: str, sort: int, opened: int, charts: list[int]) -> dict[str, Any]:
    return {
        "id": namespace_id, "experiment_id": scope.experiment, "project_id": scope.project, "name": name,
        "description": None, "sort": sort, "opened": opened, "more": None,
        "create_time": scope.created, "update_time": scope.created, "charts": charts,
    }


def charts_json(scope: Scope, ranked: list[str], sources: Mapping[str, Mapping[str, int]], view: View) -> dict[str, Any]:
    """`{"charts", "namespaces"}` of a scope; `ranked` are its keys in first-logged order,
    `sources[key]` names the runs drawn in that chart (`{key: run id}` on an experiment page,
    `{run name: run id}` on the compare page)."""
    rank = {key: index for index, key in enumerate(ranked)}
    charts: list[dict[str, Any]] = []
    namespaces: list[dict[str, Any]] = []
    sections: dict[int, list[tuple[int, int]]] = {1: [], -1: []}  # status -> (rank, chart id)
    for sort, (namespace, members) in enumerate(layout(ranked)):
        shown: list[int] = []
        for key in members:
            chart_id = ids.chart_id(scope.scope_id, rank[key], scope.multi)
            status = view.charts.get(key, 0)
            charts.append(_chart(scope, key, chart_id, rank[key], status, sources[key]))
            if status in sections:
                sections[status].append((rank[key], chart_id))
            else:
                shown.append(chart_id)
        if shown:
            namespace_id = ids.chart_id(scope.scope_id, min(rank[key] for key in members), scope.multi)
            opened = view.opened(namespace, 0 if namespace == SYSTEM_NAMESPACE else 1)
            namespaces.append(_namespace(scope, namespace_id, namespace, sort, opened, shown))
    for status, section_id, name in ((1, PINNED_ID, PINNED), (-1, HIDDEN_ID, HIDDEN)):
        if sections[status]:
            members_ids = [chart_id for _rank_of, chart_id in sorted(sections[status])]
            section = _namespace(scope, section_id, name, section_id, view.section_opened(name), members_ids)
            namespaces.insert(0 if status == 1 else len(namespaces), section)
    return {"charts": charts, "namespaces": namespaces}


def with_chart_objects(found: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The namespaces with each chart id replaced by its chart (the answer to a pin or hide)."""
    by_id = {chart["id"]: chart for chart in found["charts"]}
    return [{**namespace, "charts": [by_id[chart_id] for chart_id in namespace["charts"]]}
            for namespace in found["namespaces"]]


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
