"""The routes that take uploads: their bodies stream (no buffering) up to the artifact limit.

Every other route's body is held to `max_body_bytes` by `BodyMiddleware`. A route that
streams a file must be declared here, or its uploads stop at the smaller limit.
"""

from __future__ import annotations

import re

from fastapi import Request

from runyard.errors import InvalidInputError, PayloadTooLargeError
from runyard.server.body_stream import BodyReader
from runyard.settings import Settings

# Route templates, as the routers declare them (tests check each still exists).
UPLOAD_ROUTES: tuple[str, ...] = (
    "/api/v1/experiments/runs/{run_id}/log-artifact",  # v1: multipart field `file`
    "/api/v1/sdk/runs/{uid}/artifacts",  # SDK: the raw file as application/octet-stream
    # MLflow's artifact proxy: the raw file; the path spans segments (`1/<run>/artifacts/a/b.txt`)
    "/api/2.0/mlflow-artifacts/artifacts/{artifact_path}",  # (`/ajax-api/...` is rewritten to it first)
)
SPANNING_PARAMS = frozenset({"artifact_path"})  # declared `{artifact_path:path}`: one or more segments
# Multipart boundaries and part headers around the file's bytes.
MULTIPART_OVERHEAD = 64 * 1024


def _pattern(route: str) -> re.Pattern[str]:
    def segment(match: re.Match[str]) -> str:
        return ".+" if match.group(1) in SPANNING_PARAMS else "[^/]+"

    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", segment, re.escape(route)) + "$")


_PATTERNS = tuple(_pattern(route) for route in UPLOAD_ROUTES)


def is_upload_path(path: str) -> bool:
    """True for a request path that one of the upload routes serves."""
    return any(pattern.match(path) for pattern in _PATTERNS)


def upload_limit(settings: Settings) -> int:
    """Bytes an upload request may carry: the artifact limit plus multipart framing."""
    return settings.max_artifact_bytes + MULTIPART_OVERHEAD


def raw_upload(request: Request, settings: Settings) -> BodyReader:
    """The raw body of an upload route as a blocking reader for the store (use it on a worker thread).

    Held to `max_artifact_bytes` as it streams; 413 at once when the declared length is over
    it, 400 for a compressed body (it would be stored compressed).
    """
    if request.headers.get("content-encoding", "identity").strip().lower() not in ("", "identity"):
        raise InvalidInputError("send artifacts uncompressed (no Content-Encoding)")
    limit = settings.max_artifact_bytes
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"artifact is larger than {limit} bytes (max_artifact_bytes)")
    return BodyReader(request.stream().__aiter__(), limit)
