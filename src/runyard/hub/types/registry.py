"""Experiment types found through the `runyard.experiment_types` entry point group."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

from runyard.hub.types.base import ENTRY_POINT_GROUP, ExperimentType

log = logging.getLogger(__name__)


def available(failures: dict[str, str] | None = None) -> dict[str, type[ExperimentType]]:
    """Every installed type by entry point name; broken entry points are logged and skipped.

    With `failures`, each skipped one is also recorded there (name -> why), for /health to show.
    """
    found: dict[str, type[ExperimentType]] = {}
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        try:
            loaded = point.load()
        except Exception as exc:  # a broken plugin must not take the hub down
            _skip(failures, point.name, f"experiment type {point.name!r} ({point.value}) failed to load: {exc}")
            continue
        if not (isinstance(loaded, type) and issubclass(loaded, ExperimentType)):
            _skip(failures, point.name, f"experiment type {point.name!r} ({point.value}) is not an ExperimentType subclass")
            continue
        found.setdefault(point.name, loaded)
    return found


def _skip(failures: dict[str, str] | None, name: str, why: str) -> None:
    log.warning("%s", why)
    if failures is not None:
        failures[name] = why


def get(name: str) -> type[ExperimentType]:
    """The type registered as `name`; KeyError if none is."""
    types = available()
    if name not in types:
        raise KeyError(f"Unknown experiment type: {name}")
    return types[name]


def describe() -> dict[str, dict[str, str]]:
    """The /available_experiments body: `{name: {"module": ..., "class": ...}}`."""
    return {name: {"module": cls.__module__, "class": cls.__qualname__}
            for name, cls in available().items()}
