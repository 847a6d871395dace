"""expman-rs 1.3.0's own web app on runyard's data: `runyard serve --expman-port N`.

The app (Leptos compiled to WebAssembly: index.html, one JS module, its WASM and two style
sheets, MIT) is vendored byte-exact in `webapp/` with its LICENSE, extracted from the
`exp` binary of the PyPI wheel `expman-rs==1.3.0`, so nothing else needs installing. It calls
`/api/experiments/...` (this dialect) and a few paths outside it, moved here to
`/api/expman/...`: `/api/projects` is the Aspara dialect's prefix and `/api/jupyter` the
Jupyter spawner's on the main port.

The CSP is the sites' policy plus the hash of index.html's one inline script (the module
that starts the WASM) and 'wasm-unsafe-eval' (compiling WebAssembly; never `eval` of text).
"""

from __future__ import annotations

from pathlib import Path

from runyard.server.expman import APP_PREFIX
from runyard.server.sites import FrontendSite, inline_script_policy

WEBAPP = Path(__file__).parent / "webapp"
SUPPORTED_VERSION = "1.3.0"
# (what the app calls, where runyard answers it)
MOVES = (
    ("/api/stats", f"{APP_PREFIX}/stats"),
    ("/api/projects", f"{APP_PREFIX}/projects"),
    ("/api/jupyter/available", f"{APP_PREFIX}/jupyter/available"),
    ("/api/tensorboard/available", f"{APP_PREFIX}/tensorboard/available"),
)


def expman_site() -> FrontendSite:
    """The vendored app as a site: an SPA (its router owns every path), `/api/` answered by runyard."""
    index = (WEBAPP / "index.html").read_text(encoding="utf-8")
    return FrontendSite(name="expman", files=WEBAPP, api_prefixes=("/api/",), csp=inline_script_policy(index),
                        api_moves=MOVES)
