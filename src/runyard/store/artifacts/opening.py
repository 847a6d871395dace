"""`open_artifact_store(url, data_dir)`: where artifact bytes go, from `--artifacts` / RUNYARD_ARTIFACTS.

Nothing (the default) keeps today's folder, `<data dir>/artifacts`; a path or `file://` URL
names another folder; `s3://BUCKET/PREFIX` names object storage, its endpoint and credentials
read from the standard AWS variables when the store is opened (never at import).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from runyard.errors import DependencyMissingError, InvalidInputError
from runyard.paths import ARTIFACTS_DIR_NAME
from runyard.store.artifacts.base import ArtifactStore
from runyard.store.artifacts.local import LocalArtifacts


def open_artifact_store(url: str | None, data_dir: Path, *,
                        environ: Mapping[str, str] | None = None) -> ArtifactStore:
    """The artifact store `url` names; None or "" is `<data_dir>/artifacts`."""
    if not url:
        return LocalArtifacts(Path(data_dir) / ARTIFACTS_DIR_NAME)
    if url.startswith("s3://"):
        return _object_store(url, os.environ if environ is None else environ)
    if url.startswith("file://"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise InvalidInputError(f"artifacts URL {url!r}: a file:// URL names a folder on this machine")
        return LocalArtifacts(Path(unquote(parts.path)))
    if "://" in url:
        raise InvalidInputError(f"artifacts location {url!r}: use a folder, file:///folder or s3://BUCKET/PREFIX")
    return LocalArtifacts(Path(url).expanduser().absolute())


def _object_store(url: str, environ: Mapping[str, str]) -> ArtifactStore:
    parts = urlsplit(url)
    bucket = parts.netloc
    if not bucket or parts.query or parts.fragment or "@" in bucket:
        raise InvalidInputError(f"artifacts URL {url!r}: expected s3://BUCKET/PREFIX (credentials come "
                                "from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)")
    endpoint = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL") or None
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise InvalidInputError(f"AWS_ENDPOINT_URL {endpoint!r} must start with http:// or https://")
    try:
        from runyard.store.artifacts.objects import ObjectArtifacts
    except ImportError:
        raise DependencyMissingError(
            f"artifacts in {url!r} need the obstore package: pip install 'runyard[s3]'") from None
    return ObjectArtifacts(
        bucket, unquote(parts.path), endpoint=endpoint,
        region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None,
        access_key_id=environ.get("AWS_ACCESS_KEY_ID") or None,
        secret_access_key=environ.get("AWS_SECRET_ACCESS_KEY") or None,
        session_token=environ.get("AWS_SESSION_TOKEN") or None)
