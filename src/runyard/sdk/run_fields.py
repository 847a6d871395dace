"""W&B-style run fields a script changes while it trains: `run.config`, `run.summary`, `define_metric`.

Each is a mapping held by the run; a change queues the whole field for the writer thread
(`Flusher.set_run_fields`), so setting `run.summary["best"]` every step costs a dict
copy, never I/O in the training thread, and only the latest value is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

from runyard.sdk.values import config_dict, to_jsonable

# publish(field name, the whole field): hands a changed field to the writer.
Publish = Callable[[str, dict[str, Any]], None]


class RunField(MutableMapping[str, Any]):
    """A JSON map of the run (config, summary) written back whole on every change."""

    def __init__(self, field: str, initial: Mapping[str, Any], publish: Publish) -> None:
        self._field = field
        self._data: dict[str, Any] = dict(initial)
        self._publish = publish

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self._publish(self._field, dict(self._data))

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"<runyard {self._field} {self._data!r}>"

    def update(self, other: Any = (), /, **values: Any) -> None:  # type: ignore[override]
        """Merge keys (a dict, an argparse.Namespace or a dataclass, and/or keywords); one write."""
        merged = {**(config_dict(other) if other != () else {}), **values}
        bad = [key for key in merged if not isinstance(key, str) or not key]
        if bad:
            raise TypeError(f"{self._field} keys must be non-empty strings, got {bad[0]!r}")
        self._data.update(to_jsonable(merged))
        self._publish(self._field, dict(self._data))

    def as_dict(self) -> dict[str, Any]:
        """A plain copy."""
        return dict(self._data)


class MetricDefinitions:
    """`define_metric`: which key each metric (or glob of metrics) is charted against."""

    def __init__(self, initial: Mapping[str, Any], publish: Publish) -> None:
        self._defs: dict[str, dict[str, Any]] = {k: dict(v) for k, v in initial.items() if isinstance(v, dict)}
        self._publish = publish

    def define(self, name: str, step_metric: str | None = None) -> None:
        """Record (or replace) the definition of `name` (`*` and `?` match like shell globs)."""
        if not isinstance(name, str) or not name:
            raise TypeError("define_metric: name must be a non-empty string (a key or a glob like 'val/*')")
        if step_metric is not None and (not isinstance(step_metric, str) or not step_metric):
            raise TypeError("define_metric: step_metric must be a non-empty string (a logged key) or None")
        self._defs[name] = {} if step_metric is None else {"step_metric": step_metric}
        self._publish("metric_defs", {key: dict(value) for key, value in self._defs.items()})

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """name or glob -> {"step_metric": key}."""
        return {key: dict(value) for key, value in self._defs.items()}

