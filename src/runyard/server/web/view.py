"""`/web/api/projects/{project_id}/view`: what the dashboard remembers about a project's page.

The charts workspace, the runs table and the comparison views keep their layout (open
sections, hidden and pinned charts, shown columns, x axis, ...) as the store's view settings
of the project (`runyard.store.view_state`, run None), so a reload, or another browser,
opens the page as it was left. Each view namespaces its kinds: `ws_*` (workspace), `tbl_*`
(runs table), `cmp_*` (comparison views); a string choice (an x-axis metric) is a `name`
with value 1. swanboard keeps its own kinds (`chart`, `section`, ...) in the same table:
they have no `_`, so this route neither shows nor touches them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from runyard import lookup
from runyard.server.deps import StoreDep, TenantDep, call
from runyard.server.responses import JSONResponse
from runyard.store import Store
from runyard.store.view_state import MAX_NAME_CHARS, VALUE_RANGE, ViewSetting

router = APIRouter(prefix="/web/api", include_in_schema=False)
# A view's short prefix, "_", then what it keeps: `ws_section`, `tbl_col`. swanboard's
# kinds have no underscore, so the two never meet.
KIND_PATTERN = r"^[a-z]{2,8}_[a-z0-9_]{1,31}$"
MAX_CHANGES = 1000  # per request: a page saves a handful at a time, a reset a few hundred
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS, pattern=r"^[^\x00]*$")]
Kind = Annotated[str, Field(pattern=KIND_PATTERN)]


class Setting(BaseModel):
    """`kind` of `name` is `value`."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind
    name: Name
    value: StrictInt = Field(ge=VALUE_RANGE.start, le=VALUE_RANGE.stop - 1)


class Forget(BaseModel):
    """A setting to drop (back to the view's default)."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind
    name: Name


class ViewChange(BaseModel):
    """Settings to store and settings to forget, in one write."""

    model_config = ConfigDict(extra="forbid")
    set: list[Setting] = Field(default_factory=list, max_length=MAX_CHANGES)
    remove: list[Forget] = Field(default_factory=list, max_length=MAX_CHANGES)


def is_web_kind(kind: str) -> bool:
    """True for the dashboard views' namespaced kinds (not swanboard's)."""
    return re.fullmatch(KIND_PATTERN, kind) is not None


def read_view(store: Store, project_id: int) -> dict[str, Any]:
    """The project's own settings of the dashboard's views."""
    settings = store.view_settings(project_id)
    return {"settings": [{"kind": s.kind, "name": s.name, "value": s.value}
                         for s in settings if s.run_id is None and is_web_kind(s.kind)]}


def write_view(store: Store, project_id: int, change: ViewChange) -> dict[str, Any]:
    """Apply `change` (one write), then answer the settings as they now are."""
    stored = [ViewSetting(project_id, None, s.kind, s.name, s.value) for s in change.set]
    forgotten = [ViewSetting(project_id, None, s.kind, s.name, 0) for s in change.remove]
    store.set_view_settings(stored, removed=forgotten)
    return read_view(store, project_id)


def _project_id(store: Store, project_id: str, tenant: str) -> int:
    """The caller's project (404 for another tenant's, as if missing)."""
    return lookup.project_by_id(store, lookup.parse_id(project_id, "project"), tenant).id


@router.get("/projects/{project_id}/view")
async def get_view(project_id: str, store: StoreDep, tenant: TenantDep) -> Response:
    """The dashboard's remembered layout of a project: `{"settings": [{kind, name, value}]}`."""
    found = await call(_project_id, store, project_id, tenant)
    return JSONResponse(await call(read_view, store, found))


@router.put("/projects/{project_id}/view")
async def put_view(project_id: str, body: ViewChange, store: StoreDep, tenant: TenantDep) -> Response:
    """Store `set` and forget `remove` (`[{kind, name[, value]}]`); answers the settings as `GET` does."""
    found = await call(_project_id, store, project_id, tenant)
    return JSONResponse(await call(write_view, store, found, body))
