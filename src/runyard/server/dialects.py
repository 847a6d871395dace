"""Every dialect runyard serves, in the one order `create_app` mounts them.

Each dialect package exports its `DIALECT` record (`runyard.server.dialect.Dialect`);
`create_app` calls each enabled one's `install` in this order, which is the routing order.
Two constraints depend on it:
- v1 mounts its fixed `/api/v1/experiments/runs/...` paths before `/{experiment_id}` (inside
  its own `install`);
- the web pages come before ExperimentHub, whose routes live at the root (`/{name}/...`) and
  must come last.
"""

from __future__ import annotations

from fastapi import FastAPI

from runyard.server import aspara, expman, hub, jupyter, mlflow, swanlab, v1, web
from runyard.server.dialect import NOTHING_STARTED, Dialect, Installed
from runyard.server.errors import detail_shape


def _install_sdk(app: FastAPI) -> Installed:
    from runyard.server import sdk_ingest

    app.include_router(sdk_ingest.router)
    return NOTHING_STARTED


# The SDK's remote-mode routes are one module (`server/sdk_ingest.py`), not a package.
SDK = Dialect(
    name="sdk",
    title="runyard SDK ingest",
    prefixes=("/api/v1/sdk",),
    tag="sdk",
    install=_install_sdk,
    doc_page="docs/sdk-protocol.md",
    shape=detail_shape,
    description="What the Python SDK's remote mode speaks: columnar msgpack batches.",
)

DIALECTS: tuple[Dialect, ...] = (
    v1.DIALECT, SDK, expman.DIALECT, aspara.DIALECT, jupyter.DIALECT, swanlab.DIALECT, mlflow.DIALECT,
    web.DIALECT,
    hub.DIALECT,  # last: its `/{name}/...` routes live at the root
)
# Routes whose msgpack bodies carry binary arrays and are decoded by the route itself.
RAW_BODY_PREFIXES: tuple[str, ...] = ("/api/v1/sdk/",)
