"""`Dialect`: the one typed record each dialect package exports as `DIALECT`.

A dialect is one REST surface runyard serves (Experiments API v1, expman, SwanLab, Aspara,
ExperimentHub, ...) or one browser-facing surface (the web dashboard, Jupyter). Its record
says where it lives (path prefixes, which also pick its error body shape), how it is
documented (OpenAPI tag, `/docs/{name}` page, the user doc under docs/), and how to mount it
(`install`). `runyard.server.dialects.DIALECTS` lists them in mounting order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from runyard.server.errors import ErrorShape, detail_shape
from runyard.settings import Settings

HealthProbe = Callable[[], dict[str, Any]]  # blocking; `{"healthy": bool, "details": ...}`


@dataclass(frozen=True, slots=True)
class Installed:
    """What mounting a dialect started: `/health` entries and a hook run when the server stops."""

    probes: Mapping[str, HealthProbe] = field(default_factory=dict)
    shutdown: Callable[[], None] | None = None  # blocking; run on a worker thread


NOTHING_STARTED = Installed()


def always(settings: Settings) -> bool:
    """`Dialect.enabled` for dialects every server mounts."""
    return True


def error_message_shape(status: int, message: str, extra: Any = None) -> dict[str, Any]:
    """`{"error": message}`: expman-rs's (Axum) error body, also the Jupyter routes'."""
    return {"error": message}


@dataclass(frozen=True, slots=True)
class Dialect:
    """A surface runyard serves: where it lives, how it is documented, how its errors look, how to mount it."""

    name: str  # `/docs/{name}` and `/openapi/{name}.json` (when `swagger`)
    title: str
    prefixes: tuple[str, ...]  # the longest matching prefix picks a failed request's error shape
    tag: str  # OpenAPI tag of its routes: its Swagger page shows the operations with this tag
    install: Callable[[FastAPI], Installed]  # adds routes and middleware; runs in DIALECTS order
    doc_page: str  # the user documentation, relative to the repository: `docs/api-v1.md`
    shape: ErrorShape = detail_shape
    description: str = ""
    swagger: bool = True  # False: no Swagger page of its own (routes hidden or under another tag)
    enabled: Callable[[Settings], bool] = always
