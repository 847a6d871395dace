"""What the SwanLab routes share: the router settings and the experiment id parameter."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from runyard.server.swanlab import TAG

MAX_ID = (1 << 63) - 1  # SQLite integers: a larger id cannot exist (and must not reach the store)

ExperimentId = Annotated[int, Path(ge=1, le=MAX_ID, description="the run's integer id")]
ROUTER_OPTIONS: dict[str, Any] = {
    "tags": [TAG],
    "responses": {404: {"description": '`{"code": 3404, "message": "...", "data": null}`'}},
}
