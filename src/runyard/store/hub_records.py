"""What the store keeps for ExperimentHub: hub experiments and the embedded data queue."""

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
