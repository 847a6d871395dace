"""v1 media reads: a run's logged images, histograms and tables, listed by key and step, fetched one by one.

Media are artifacts named by `runyard.media_index` (no table of their own); the list is
built from the run's artifact records, the item is the stored file itself (PNG, or the
histogram/table JSON the SDK wrote).
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from runyard import media_index
from runyard.errors import NotFoundError
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.downloads import file_response
from runyard.server.params import INT64_MAX, Offset, StepMax, StepMin
from runyard.server.responses import JSONResponse
from runyard.server.v1.access import load_run
from runyard.server.v1.schemas import ERRORS
from runyard.store import Run, Store
from runyard.store.artifacts import ArtifactFile

router = APIRouter(prefix="/api/v1/experiments/runs", tags=["experiments-v1"], responses=ERRORS)
MAX_PAGE = 10_000
MAX_SAMPLES = 1_000
MediaKey = Annotated[str, Query(min_length=1, max_length=1000, description="the key the media were logged under")]


class MediaSeriesOut(BaseModel):
    """One key's steps of one kind on this page."""

    key: str
    kind: str = Field(description="image, histogram or table")
    steps: list[int]
    captions: dict[str, str] = Field(default_factory=dict, description="image captions by step")


class MediaListOut(BaseModel):
    """`GET /runs/{id}/media`."""

    run_id: str
    media: list[MediaSeriesOut]
    total: int = Field(description="items (key, kind, step) in the step range, over all pages")
    next_offset: int | None = Field(description="offset of the next page; null on the last")


def _caption(store: Store, run: Run, key: str, step: int) -> str | None:
    try:
        found = orjson.loads(store.read_artifact(run.id, media_index.caption_path(key, step)))
    except (NotFoundError, OSError, orjson.JSONDecodeError):
        return None  # a sidecar removed or damaged meanwhile: the image stays, without its caption
    caption = found.get("caption") if isinstance(found, dict) else None
    return caption if isinstance(caption, str) else None


def list_media(store: Store, run: Run, key: str | None, step_min: int | None, step_max: int | None,
               limit: int, offset: int, with_captions: bool = False) -> dict[str, Any]:
    """One page of a run's media items ordered by (key, kind, step), grouped back by (key, kind)."""
    series = media_index.index_media(store.list_artifacts(run.id), key=key, step_min=step_min, step_max=step_max)
    total = sum(len(item.steps) for item in series)
    page: list[dict[str, Any]] = []
    skip, room = offset, limit
    for item in series:
        if room <= 0:
            break
        if skip >= len(item.steps):
            skip -= len(item.steps)
            continue
        steps = item.steps[skip:skip + room]
        skip, room = 0, room - len(steps)
        # Each caption is a file read (an object GET in S3): a client paging through many steps can skip them.
        captions = {str(step): text for step in steps if with_captions and step in item.captioned
                    and (text := _caption(store, run, item.key, step)) is not None}
        page.append({"key": item.key, "kind": item.kind, "steps": steps, "captions": captions})
    end = offset + limit
    return {"run_id": str(run.id), "media": page, "total": total, "next_offset": end if end < total else None}


def histogram_series(store: Store, run: Run, key: str, step_min: int | None, step_max: int | None,
                     samples: int) -> dict[str, Any]:
    """Up to `samples` of a key's histograms in the step range (spread evenly, the last kept), in one answer."""
    media_index.check_key_query(key)
    found = [s for s in media_index.index_media(store.list_artifacts(run.id), key=key, step_min=step_min,
                                                step_max=step_max) if s.kind == "histogram"]
    steps = found[0].steps if found else []
    histograms = []
    for step in media_index.sample_steps(steps, samples):
        try:
            stored = orjson.loads(store.read_artifact(run.id, media_index.media_path(key, step, "histogram")))
        except (NotFoundError, orjson.JSONDecodeError):
            continue  # replaced or damaged meanwhile: the others still draw
        if isinstance(stored, dict):
            histograms.append({"step": step, **stored})
    return {"run_id": str(run.id), "key": key, "total": len(steps), "histograms": histograms}


def media_file(store: Store, run: Run, key: str, step: int, kind: str | None) -> tuple[str, ArtifactFile]:
    """(kind, opened file) of one item; without `kind`, the one kind the key has at that step."""
    media_index.check_key_query(key)
    for candidate in (kind,) if kind is not None else media_index.KINDS:
        try:
            return candidate, store.open_artifact(run.id, media_index.media_path(key, step, candidate))
        except NotFoundError:
            continue
    what = kind or "media"
    raise NotFoundError(f"no {what} {key!r} at step {step} in run {run.id}")


@router.get("/{run_id}/media", response_model=MediaListOut,
            summary="List a run's logged media (images, histograms, tables) by key and step")
async def get_media_list(
    run_id: str,
    store: StoreDep,
    tenant: TenantDep,
    step_min: StepMin = None,
    step_max: StepMax = None,
    offset: Offset = 0,
    key: Annotated[str | None, Query(min_length=1, max_length=1000, description="only this key")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="items (steps) per page")] = 1000,
    captions: Annotated[bool, Query(description="also read the page's image captions (a file read each)")] = False,
) -> dict[str, Any]:
    """Keys with their kind and steps (ascending) in the step range, image captions on request; paged by item."""
    run = (await load_run(store, run_id, tenant)).run
    return await call(list_media, store, run, key, step_min, step_max, limit, offset, captions)


@router.get("/{run_id}/media/histograms", summary="A logged histogram over steps, sampled, in one answer")
async def get_media_histograms(
    run_id: str,
    store: StoreDep,
    tenant: TenantDep,
    key: MediaKey,
    step_min: StepMin = None,
    step_max: StepMax = None,
    samples: Annotated[int, Query(ge=1, le=MAX_SAMPLES, description="at most this many steps")] = 200,
) -> JSONResponse:
    """`{"total", "histograms": [{"step", "counts", "edges", "nonfinite"}...]}`: what a heatmap over steps needs."""
    run = (await load_run(store, run_id, tenant)).run
    return JSONResponse(await call(histogram_series, store, run, key, step_min, step_max, samples))


@router.get("/{run_id}/media/item", response_class=FileResponse,
            summary="One logged media item: an image (PNG) or a histogram/table (JSON)",
            responses={200: {"content": {"image/png": {}, "application/json": {}}}})
async def get_media_item(
    run_id: str,
    store: StoreDep,
    tenant: TenantDep,
    key: MediaKey,
    step: Annotated[int, Query(ge=0, le=INT64_MAX, description="the step it was logged at")],
    kind: Annotated[str | None, Query(description="image, histogram or table; needed only when a key holds "
                                                  "several kinds at one step")] = None,
) -> Response:
    """PNG bytes for an image; `{"counts", "edges", "nonfinite"}` or `{"columns", "rows"}` JSON otherwise."""
    if kind is not None:
        media_index.parse_kind(kind)
    run = (await load_run(store, run_id, tenant)).run
    found_kind, opened = await call(media_file, store, run, key, step, kind)
    return file_response(opened, media=media_index.CONTENT_TYPES[found_kind], download=False,
                         headers={"Cache-Control": "no-cache", "X-Runyard-Media-Kind": found_kind})
