"""Each artifact store backend, empty: a local folder and a fresh bucket of moto's S3 server."""

from __future__ import annotations

from pathlib import Path

import pytest

from runyard.store.artifacts import ArtifactStore, open_artifact_store
from tests.s3_server import s3_server, s3_url  # noqa: F401  (fixtures)

BACKENDS = ("local", "s3")


@pytest.fixture(params=BACKENDS)
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """What `--artifacts` would say for each backend (None: the data dir's folder)."""
    if request.param == "s3":
        url: str = request.getfixturevalue("s3_url")
        return url
    return None


@pytest.fixture()
def artifacts(location: str | None, tmp_path: Path) -> ArtifactStore:
    return open_artifact_store(location, tmp_path / "data")
