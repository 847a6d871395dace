"""The routes that take uploads: their bodies stream (no buffering) up to the artifact limit.

Every other route's body is held to `max_body_bytes` by `BodyMiddleware`. A route that
streams a file must be declared here, or its uploads stop at the smaller limit.
"""

from __future__ import annotations

import re

from runyard.settings import Settings

# Route templates, as the routers declare them (tests check each still exists).
UPLOAD_ROUTES: tuple[str, ...] = (
    "/api/v1/experiments/runs/{run_id}/log-artifact",  # v1: multipart field `file`
    "/api/v1/sdk/runs/{uid}/artifacts",  # SDK: the raw file as application/octet-stream
)
# Multipart boundaries and part headers around the file's bytes.
MULTIPART_OVERHEAD = 64 * 1024
_PATTERNS = tuple(re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(route)) + "$")
                  for route in UPLOAD_ROUTES)


def is_upload_path(path: str) -> bool:
    """True for a request path that one of the upload routes serves."""
    return any(pattern.match(path) for pattern in _PATTERNS)


def upload_limit(settings: Settings) -> int:
    """Bytes an upload request may carry: the artifact limit plus multipart framing."""
    return settings.max_artifact_bytes + MULTIPART_OVERHEAD
