"""Two real `runyard serve` replicas on one PostgreSQL database and one S3 bucket, behind a TCP proxy.

The module shares one cluster (starting servers costs seconds): both replicas start at the same
moment on an empty database (the schema migration must not race), require tokens, and are
reached directly (`cluster.a`, `cluster.b`) or through the round-robin proxy (`cluster.lb`).
The test process opens the same store too, to set runs up and to read back what arrived.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from runyard.store import Store, open_store
from tests.live_server import LiveServer
from tests.pg import fresh_database
from tests.s3_server import S3Server
from tests.s3_server import s3_server as s3_server
from tests.tcp_proxy import TcpProxy

V1 = "/api/v1/experiments"


@dataclass
class Cluster:
    """The replicas, the proxy in front of them, and the shared store's locations."""

    servers: list[LiveServer]
    proxy: TcpProxy
    store_url: str
    artifacts: str
    token: str
    store: Store
    home: Path

    @property
    def a(self) -> str:
        return self.servers[0].url

    @property
    def b(self) -> str:
        return self.servers[1].url

    @property
    def lb(self) -> str:
        return f"http://127.0.0.1:{self.proxy.port}"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def replica(self, index: int) -> LiveServer:
        """A new, not yet started server process for replica `index` (same port, store, bucket)."""
        return LiveServer(self.home / f"replica-{index}", port=self.servers[index].port,
                          extra=["--store", self.store_url, "--artifacts", self.artifacts, "--auth"])

    def new_run(self, name: str) -> int:
        """A new running run of project `replicas`, by id."""
        project = self.store.get_or_create_project("replicas")
        return self.store.create_run(project.id, name=name).id


def log_points(base: str, headers: dict[str, str], run_id: int, steps: range, key: str = "x") -> None:
    """One POST per step through `base` (a replica or the proxy); value = step / 2."""
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        for step in steps:
            answer = http.post(f"{V1}/runs/{run_id}/log-metrics", json={"metrics": {key: step / 2}, "step": step})
            answer.raise_for_status()


def end_run(base: str, headers: dict[str, str], run_id: int) -> None:
    httpx.post(f"{base}{V1}/runs/{run_id}/end", json={"status": "FINISHED"}, headers=headers,
               timeout=30).raise_for_status()


def _start_all(servers: list[LiveServer]) -> None:
    """Start every server at the same moment: their schema migrations meet on one empty database."""
    errors: list[BaseException] = []

    def start(server: LiveServer) -> None:
        try:
            server.start(timeout_s=60)
        except BaseException as exc:  # reported below, after every thread ended
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(s,)) for s in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        for server in servers:
            server.stop()
        raise errors[0]


@pytest.fixture(scope="module")
def cluster(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    home = tmp_path_factory.mktemp("replicas")
    with fresh_database() as url, pytest.MonkeyPatch.context() as env:
        for name, value in s3_server.environ.items():
            env.setenv(name, value)
        env.delenv("AWS_ENDPOINT_URL_S3", raising=False)
        env.delenv("RUNYARD_STORE", raising=False)
        artifacts = f"s3://{s3_server.new_bucket()}/team"
        extra = ["--store", url, "--artifacts", artifacts, "--auth"]
        servers = [LiveServer(home / f"replica-{i}", extra=extra) for i in range(2)]
        _start_all(servers)
        store = open_store(url, artifacts=artifacts, data_dir=home)
        try:
            _token, secret = store.create_token("default", name="replicas")
            with TcpProxy([("127.0.0.1", s.port) for s in servers]) as proxy:
                yield Cluster(servers, proxy, url, artifacts, secret, store, home)
        finally:
            for server in servers:
                server.stop()
            store.close()


def pg_rows(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of one query on the cluster's database, on a connection of its own (autocommit)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return list(conn.execute(sql, params).fetchall())
