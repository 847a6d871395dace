"""`GET /api/v1/experiment/<id>/tag/<namespace>/<metric>`: one metric's series."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from runyard.errors import NotFoundError
from runyard.server import budget
from runyard.server.deps import SettingsDep, StoreDep, TenantDep, call
from runyard.server.responses import JSONResponse
from runyard.server.swanlab import charts, lookup, shapes
from runyard.server.swanlab.common import ROUTER_OPTIONS, ExperimentId
from runyard.server.swanlab.points import MIN_MAX_POINTS, tag_json
from runyard.store import Store

router = APIRouter(prefix="/api/v1/experiment", **ROUTER_OPTIONS)


def _tag(store: Store, experiment_id: int, tag: str, tenant: str, max_points: int | None,
         limit: int) -> dict[str, Any]:
    run = lookup.experiment(store, experiment_id, tenant).run
    summaries = store.metric_summaries([run.id]).get(run.id, {})
    key = charts.resolve_tag(tag, summaries)
    if key is None:
        raise NotFoundError(f"tag {tag!r} not found in experiment {experiment_id}")
    count = summaries[key].count
    budget.check([summaries[key]], limit, lambda _total: f"tag {key!r} has {count} points, more than {limit} "
                 "per request: ask for ?max_points=", max_points=max_points)
    series = store.read_metric(run.id, key)
    return shapes.envelope(tag_json(series, run.id, max_points))


@router.get("/{experiment_id}/tag/{tag:path}", summary="One metric's points")
async def get_tag(
    experiment_id: ExperimentId,
    tag: str,
    store: StoreDep,
    tenant: TenantDep,
    settings: SettingsDep,
    max_points: Annotated[int | None, Query(
        ge=MIN_MAX_POINTS, description="thin a longer series to at most this many points "
                                       "(each bucket's min, max and last); default: every point")] = None,
) -> JSONResponse:
    """`tag/train/loss` is key `train/loss`; a key without `/` is also `tag/default/<key>`.

    `sum` counts every point, `max`/`min` are over the finite values of the whole series.
    """
    return JSONResponse(await call(_tag, store, experiment_id, tag, tenant, max_points,
                                   settings.max_points_per_request))
