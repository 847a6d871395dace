"""`open_artifact_store`: what each `--artifacts` value opens, and what it refuses."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from runyard.errors import InvalidInputError, ServiceUnavailableError
from runyard.store import open_store
from runyard.store.artifacts import Folder, LocalArtifacts, open_artifact_store
from runyard.store.artifacts.objects import ObjectArtifacts
from runyard.store.sqlite.store import SQLiteStore
from tests.s3_server import S3Server


def test_nothing_is_the_data_dirs_folder_and_a_path_or_file_url_another(tmp_path: Path) -> None:
    default = open_artifact_store(None, tmp_path / "data")
    assert isinstance(default, LocalArtifacts) and default.root == tmp_path / "data" / "artifacts"
    assert (default.backend, default.location) == ("local", str(tmp_path / "data" / "artifacts"))
    assert open_artifact_store("", tmp_path).location == str(tmp_path / "artifacts")
    elsewhere = open_artifact_store(str(tmp_path / "big disk"), tmp_path / "data")
    assert elsewhere.location == str(tmp_path / "big disk")
    assert open_artifact_store(f"file://{tmp_path}/big%20disk", tmp_path).location == str(tmp_path / "big disk")


@pytest.mark.parametrize("url", ["gs://bucket/x", "s3://", "s3:///prefix", "s3://user:pw@bucket/x",
                                 "s3://bucket/x?secret=1", "file://otherhost/dir"])
def test_urls_it_cannot_use_are_refused(url: str, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError):
        open_artifact_store(url, tmp_path, environ={})


def test_s3_reads_the_aws_variables_when_opened_not_before(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = s3_server.new_bucket()
    opened = open_artifact_store(f"s3://{bucket}/team/a", tmp_path, environ=s3_server.environ)
    assert isinstance(opened, ObjectArtifacts)
    assert (opened.backend, opened.location) == ("s3", f"s3://{bucket}/team/a")
    opened.put(Folder.run("r1"), "x.txt", io.BytesIO(b"x"))
    assert s3_server.keys(bucket) == ["team/a/r1/x.txt"]
    # Without the endpoint the client goes to AWS itself; with wrong credentials moto still answers,
    # so check the variable really is read: an endpoint nothing listens on fails as unavailable.
    dead = open_artifact_store(f"s3://{bucket}", tmp_path, environ={**s3_server.environ,
                                                                   "AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    with pytest.raises(ServiceUnavailableError, match=r"artifact storage is unavailable: cannot store 'x\.txt'"):
        dead.put(Folder.run("r1"), "x.txt", io.BytesIO(b"x"))


def test_plain_http_only_for_an_explicit_http_endpoint(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = s3_server.new_bucket()
    https = s3_server.endpoint.replace("http://", "https://")
    opened = open_artifact_store(f"s3://{bucket}", tmp_path, environ={**s3_server.environ, "AWS_ENDPOINT_URL": https})
    with pytest.raises(ServiceUnavailableError):  # TLS to a plain-http server: never downgraded
        opened.put(Folder.run("r1"), "x.txt", io.BytesIO(b"x"))
    with pytest.raises(InvalidInputError, match="must start with http"):
        open_artifact_store(f"s3://{bucket}", tmp_path, environ={"AWS_ENDPOINT_URL": "127.0.0.1:9000"})


def test_an_embedded_store_with_artifacts_elsewhere_keeps_the_old_layout(tmp_path: Path) -> None:
    with open_store(tmp_path / "data") as store:  # written as every earlier runyard wrote it
        run = store.create_run(store.create_project("p").id)
        store.add_artifact_bytes(run.id, "plots/a.json", b"[1]")
    assert (tmp_path / "data" / "artifacts" / run.uid / "plots" / "a.json").read_bytes() == b"[1]"
    with open_store(tmp_path / "data") as store:
        assert store.read_artifact(run.id, "plots/a.json") == b"[1]"
    data_dir = tmp_path / "data"
    with SQLiteStore(data_dir, artifacts=open_artifact_store(str(tmp_path / "elsewhere"), data_dir)) as store:
        store.add_artifact_bytes(run.id, "b.txt", b"b")
    assert (tmp_path / "elsewhere" / run.uid / "b.txt").read_bytes() == b"b"
