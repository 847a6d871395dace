"""v1 run comparison: metric summaries side by side and the params that differ."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from fastapi import APIRouter

from runyard.errors import InvalidInputError
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.responses import JSONResponse
from runyard.server.summaries import summary_core
from runyard.server.v1.access import load_run
from runyard.server.v1.schemas import ERRORS, CompareOut, CompareRuns
from runyard.server.v1.shapes import run_info
from runyard.store import MetricSummary, Run, Store

router = APIRouter(prefix="/api/v1/experiments/runs", tags=["experiments-v1"], responses=ERRORS)
MIN_RUNS, MAX_RUNS = 2, 10
_MISSING = object()


def _summary(summary: MetricSummary | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    core = summary_core(summary)
    return {"latest": core["last_value"], "min": core["min"], "max": core["max"], "step": core["last_step"]}


def _canonical(value: Any) -> tuple[str, Any]:
    """Equal params compare equal: 1 and 1.0 are the same value, "1" and True are not."""
    if value is _MISSING:
        return ("missing", None)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", float(value))
    return ("json", orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS))


def params_diff(runs: Sequence[Run]) -> dict[str, dict[str, Any]]:
    """Params whose values differ between runs (a run lacking one shows null), by param then run id."""
    keys = sorted({key for run in runs for key in run.params})
    diff: dict[str, dict[str, Any]] = {}
    for key in keys:
        values = [run.params.get(key, _MISSING) for run in runs]
        if len({_canonical(value) for value in values}) > 1:
            diff[key] = {str(run.id): None if v is _MISSING else v for run, v in zip(runs, values, strict=True)}
    return diff


def compare(store: Store, runs: Sequence[Run], metrics: Sequence[str] | None) -> dict[str, Any]:
    """The compare answer: runs' info, `metrics[key][run_id]` summaries, `params_diff`."""
    summaries: Mapping[int, Mapping[str, MetricSummary]] = store.metric_summaries([run.id for run in runs])
    keys = list(dict.fromkeys(metrics)) if metrics else sorted({k for run in runs for k in summaries[run.id]})
    return {
        "runs": [run_info(run) for run in runs],
        "metrics": {key: {str(run.id): _summary(summaries[run.id].get(key)) for run in runs} for key in keys},
        "params_diff": params_diff(runs),
    }


@router.post("/compare", response_model=CompareOut, summary="Compare 2 to 10 runs")
async def compare_runs(body: CompareRuns, store: StoreDep, tenant: TenantDep) -> JSONResponse:
    """Per metric and run: latest, min, max and last step (null when the run lacks the metric)."""
    if not MIN_RUNS <= len(body.run_ids) <= MAX_RUNS:
        raise InvalidInputError(f"run_ids must hold {MIN_RUNS} to {MAX_RUNS} runs, not {len(body.run_ids)}")
    runs = [(await load_run(store, ref, tenant)).run for ref in body.run_ids]
    if len({run.id for run in runs}) != len(runs):
        raise InvalidInputError("run_ids must name different runs")
    return JSONResponse(await call(compare, store, runs, body.metrics))
