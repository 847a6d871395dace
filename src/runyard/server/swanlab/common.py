"""What the SwanLab routes share: the router settings and the experiment id parameter."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from runyard.jsonenc import Spelling
from runyard.lookup import INT64_MAX
from runyard.server.swanlab import TAG

# SQLite integers: a larger id cannot exist (and must not reach the store).
ExperimentId = Annotated[int, Path(ge=1, le=INT64_MAX, description="the run's integer id")]
# SwanLab writes +/-inf as "INF"/"-INF" (swanboard's charts read them as gaps; "Infinity"
# would parse as a number and blow up the y axis).
FLOATS = Spelling("NaN", "INF", "-INF")
ROUTER_OPTIONS: dict[str, Any] = {
    "tags": [TAG],
    "responses": {404: {"description": '`{"code": 3404, "message": "...", "data": null}`'}},
}
