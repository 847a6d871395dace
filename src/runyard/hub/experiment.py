"""One hub experiment as the manager holds it, and the names of its job states."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runyard.hub.jobs import ActiveJob

JOB_STATUS = {"train": "training", "retrain": "training", "predict": "predicting"}
BUSY = ("training", "predicting")


@dataclass(eq=False)
class HubExperiment:
    """One hub experiment; `state` is what the store keeps besides type and config."""

    name: str
    tenant: str
    type: str
    config: dict[str, Any]
    state: dict[str, Any] = field(default_factory=dict)
    active: ActiveJob | None = None

    @property
    def key(self) -> tuple[str, str]:
        """(tenant, name): what identifies it."""
        return self.tenant, self.name

    @property
    def busy(self) -> bool:
        """A job of it is running."""
        return self.active is not None
