"""`GET .../artifacts/download`: a streamed, valid ZIP of the run's files, paths kept."""

from __future__ import annotations

import io
import os
import zipfile
from urllib.parse import unquote

import httpx
import pytest

from runyard.server.aspara.artifacts import PIECE, zip_stream
from runyard.store import Store
from tests.server.aspara.conftest import PROJECT, RUN, Seeded, run_url

pytestmark = pytest.mark.anyio


async def test_zip_holds_every_artifact_with_its_path(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get(f"{run_url()}/artifacts/download")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded).startswith(f"{PROJECT}_{RUN}_artifacts_") and encoded.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == ["model.bin", "plots/loss.png"]
        assert archive.read("plots/loss.png") == b"\x89PNG fake"
        assert archive.read("model.bin") == b"\x00\x01weights" * 1000
        assert archive.getinfo("plots/loss.png").compress_type == zipfile.ZIP_STORED  # already compressed
        assert archive.getinfo("model.bin").compress_type == zipfile.ZIP_DEFLATED


async def test_run_without_artifacts_gives_an_empty_zip(client: httpx.AsyncClient, seeded: Seeded) -> None:
    response = await client.get(f"{run_url(PROJECT, 'second')}/artifacts/download")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == []


async def test_unknown_run_is_404(client: httpx.AsyncClient, seeded: Seeded) -> None:
    for url in (f"{run_url(PROJECT, 'nope')}/artifacts/download", f"{run_url('nope', RUN)}/artifacts/download"):
        response = await client.get(url)
        assert response.status_code == 404 and set(response.json()) == {"detail"}


def test_zip_is_produced_in_bounded_pieces(store: Store) -> None:
    run = store.create_run(store.create_project("zipped").id, name="r")
    big, small = os.urandom(5 * PIECE), b"hello " * 100
    store.add_artifact_bytes(run.id, "model/weights.bin", big)
    store.add_artifact_bytes(run.id, "notes.txt", small)
    pieces = list(zip_stream(store, run.id, store.list_artifacts(run.id)))
    assert len(pieces) >= 5  # handed out while the big file is read, not built whole first
    assert max(len(piece) for piece in pieces) <= PIECE + 64 * 1024
    with zipfile.ZipFile(io.BytesIO(b"".join(pieces))) as archive:
        assert archive.testzip() is None
        assert archive.read("model/weights.bin") == big
        assert archive.read("notes.txt") == small


async def test_unicode_names_in_the_filename(client: httpx.AsyncClient, store: Store) -> None:
    project = store.create_project("プロジェクト")
    run = store.create_run(project.id, name="走る")
    store.add_artifact_bytes(run.id, "é.txt", b"x")
    response = await client.get(f"{run_url('プロジェクト', '走る')}/artifacts/download")
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition.isascii() and "filename*=UTF-8''" in disposition
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.read("é.txt") == b"x"
