"""An S3-compatible server for tests: moto's, on loopback, in a process of its own.

`s3_server` (session) starts `moto.server.ThreadedMotoServer` on 127.0.0.1 with port 0 in a
child process (its objects then weigh on that process, not on the tests' memory
measurements, and server processes under test reach it like any endpoint). `s3_url` gives
each test a fresh bucket and sets AWS_ENDPOINT_URL / AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY / AWS_REGION for it. Without moto the tests skip with the reason;
under `CI=true` they fail.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

_SERVE = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # serve until the test session closes our stdin
"""
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "runyard-test", "AWS_SECRET_ACCESS_KEY": "runyard-test-secret",
               "AWS_REGION": "us-east-1"}


@dataclass(frozen=True)
class S3Server:
    """A running moto server: its endpoint and the AWS variables that reach it."""

    endpoint: str

    @property
    def environ(self) -> dict[str, str]:
        return {"AWS_ENDPOINT_URL": self.endpoint, **CREDENTIALS}

    def new_bucket(self) -> str:
        """A new, empty bucket's name."""
        name = "runyard-" + secrets.token_hex(6)
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/{name}", method="PUT"), timeout=30).close()
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every key of the bucket under `prefix`, and any multipart upload left open (named `upload:`)."""
        import boto3

        client = boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                              aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1")
        found = [item["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
                 for item in page.get("Contents", [])]
        uploads = client.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads", [])
        return sorted(found) + [f"upload:{item['Key']}" for item in uploads]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} but CI=true requires the S3 tests to run")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server on a free loopback port, for the whole session."""
    for module in ("moto", "flask", "flask_cors", "obstore"):
        if importlib.util.find_spec(module) is None:
            _unavailable(f"{module} is not installed (pip install 'runyard[s3,test]')")
    process = subprocess.Popen([sys.executable, "-c", _SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None and process.stdin is not None
    port = process.stdout.readline().strip()
    if not port.isdigit():
        process.kill()
        pytest.fail(f"moto's server did not start (exit code {process.wait()})")
    try:
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture()
def s3_url(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """`s3://<fresh bucket>/runyard`, with the AWS variables set for this test."""
    for name, value in s3_server.environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    return f"s3://{s3_server.new_bucket()}/runyard"
