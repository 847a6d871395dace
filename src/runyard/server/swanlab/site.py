"""swanboard's built Vue app (PyPI `swanboard`, `swanboard/template/`), served as it ships.

The app calls `/api/v1/...` (this dialect) and loads `/assets/...`; it routes on the client
(`/experiment/3`, `/charts`), so unknown paths get its index.html.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from runyard.errors import DependencyMissingError
from runyard.server.sites import SITE_POLICY, FrontendSite

SUPPORTED_VERSION = "0.1.6"
INSTALL_HINT = f"pip install swanboard=={SUPPORTED_VERSION}"
# vue-i18n (in swanboard's bundle) compiles its messages with `new Function`: without
# 'unsafe-eval' every label of the app is blank. Scripts still load from this port only.
SWANBOARD_POLICY = SITE_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'")


def swanboard_files() -> Path:
    """The installed swanboard's built app folder; DependencyMissingError saying how to install it when absent.

    Found without importing swanboard (its package imports its own server and database).
    """
    spec = importlib.util.find_spec("swanboard")
    if spec is None or not spec.submodule_search_locations:
        raise DependencyMissingError(f"--swanboard-port needs the swanboard package: {INSTALL_HINT}")
    for location in spec.submodule_search_locations:
        template = Path(location) / "template"
        if (template / "index.html").is_file():
            return template
    raise DependencyMissingError(f"the installed swanboard has no built app (swanboard/template/index.html): {INSTALL_HINT}")


def swanboard_site(files: Path | None = None) -> FrontendSite:
    """The swanboard site: its files (default: the installed package's) and this dialect's API."""
    return FrontendSite(name="swanboard", files=files if files is not None else swanboard_files(),
                        api_prefixes=("/api/",), csp=SWANBOARD_POLICY)
