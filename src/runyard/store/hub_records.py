"""What the store keeps for ExperimentHub: hub experiments, the embedded data queue, model provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class HubExperimentRecord:
    """A hub experiment as persisted: its type, its config and its state (see runyard.hub)."""

    name: str
    tenant: str
    type: str
    config: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """One message waiting in an embedded hub queue; `id` orders them."""

    id: int
    queue: str
    payload: bytes
    created_at: float


@dataclass(frozen=True, slots=True)
class HubModelRecord:
    """Provenance of a model a hub job saved: written only by the hub, never by upload routes.

    `files` maps each artifact path (`hub.json`, `model/...`) to the sha256 the hub wrote;
    a model is loaded only while every one of them still has that hash.
    """

    run_id: int
    tenant: str
    experiment: str
    files: dict[str, str] = field(default_factory=dict)
    created_at: float = 0.0
