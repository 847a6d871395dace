"""Third-party dashboards served unmodified, each on a port of its own (`runyard serve --swanboard-port`, ...).

A frontend like swanboard's built Vue app calls absolute paths (`/api/...`, `/assets/...`)
and runyard's own dashboard owns `/`, so each site gets its own port in the same process:
its API paths are answered by the main app in-process, everything else is its files.
"""

from __future__ import annotations

from runyard.server.sites.serving import SiteServer, serve_together
from runyard.server.sites.site import (
           SITE_POLICY,
           FrontendSite,
           PageRenderer,
           inline_script_policy,
           site_app,
)

__all__ = ["SITE_POLICY", "FrontendSite", "PageRenderer", "SiteServer", "inline_script_policy", "serve_together",
           "site_app"]
