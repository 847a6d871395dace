"""`HttpBackend`: the read API over a runyard server, in msgpack (records) and raw arrays (metrics).

Records come from `/api/v1/experiments/read/...` (the store's records as they are, see
`runyard.api.records`); metric histories from v1's history routes as raw little-endian
arrays, turned into numpy without a per-point loop. Every failure is a runyard error
naming the server: the status's class for an answer, `ServiceUnavailableError` when the
server cannot be reached.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import numpy as np
import orjson
import ormsgpack

from runyard.api.backend import RemoteNotSupportedError
from runyard.api.downloads import DownloadFolder
from runyard.api.objects import ApiProject
from runyard.api.records import (
    RunRecord,
    RunSearch,
    artifacts_from_wire,
    log_lines_from_wire,
    record_from_wire,
)
from runyard.errors import (
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    RunyardError,
    ServiceUnavailableError,
    by_status,
)
from runyard.http_detail import answer_detail
from runyard.store import Artifact, LogLine, MetricColumns, Store

READ = "/api/v1/experiments/read"
RUNS = "/api/v1/experiments/runs"
MSGPACK = "application/msgpack"
QUERY_KEYS = 100  # the most keys one metrics/query request takes
# Statuses a refusal may carry; 422 is FastAPI's "does not match the schema".
_REFUSALS: dict[int, type[RunyardError]] = {**by_status(), 422: InvalidInputError}


def _plain_key(key: str) -> bool:
    """Whether a key survives a comma-separated query parameter unchanged."""
    return bool(key) and "," not in key and key == key.strip()


def _columns(data: Any) -> MetricColumns:
    """One series of raw little-endian arrays (steps <i8, values <f8, times <f8)."""
    return MetricColumns(np.frombuffer(data["steps"], dtype="<i8"), np.frombuffer(data["values"], dtype="<f8"),
                         np.frombuffer(data["times"], dtype="<f8"))


class HttpBackend:
    """Reads one server as the token's tenant (`token`, else RUNYARD_TOKEN when it is set)."""

    def __init__(self, url: str, token: str | None = None, *, timeout: float = 60.0,
                 http: httpx.Client | None = None) -> None:
        from runyard import __version__

        self.location = url.rstrip("/")
        secret = (os.environ.get("RUNYARD_TOKEN") or None) if token is None else token
        headers = {"User-Agent": f"runyard-api/{__version__}", "Accept": MSGPACK}
        if secret:
            headers["Authorization"] = f"Bearer {secret}"
        # `http`: a client of the caller's (an in-process app in tests); it gets our headers.
        self._http = http or httpx.Client(base_url=self.location, timeout=httpx.Timeout(timeout, connect=5.0))
        self._http.headers.update(headers)
        self._downloads = DownloadFolder()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ServiceUnavailableError(
                f"cannot reach the runyard server at {self.location}: {exc or type(exc).__name__}"
            ) from None
        if response.status_code >= 400:
            cls = _REFUSALS.get(response.status_code, ServiceUnavailableError)
            raise cls(f"{answer_detail(response)} (server {self.location}, HTTP {response.status_code})")
        return response

    def _get(self, method: str, path: str, **kwargs: Any) -> Any:
        return ormsgpack.unpackb(self._send(method, path, **kwargs).content)

    def local_store(self) -> Store:
        raise RemoteNotSupportedError(f"Api({self.location!r}) reads a server: it has no local store")

    def close(self) -> None:
        self._http.close()
        self._downloads.cleanup()

    # -- projects and runs ---------------------------------------------------------
    def projects(self) -> list[ApiProject]:
        rows = self._get("GET", f"{READ}/projects")["projects"]
        return [ApiProject(**row) for row in rows]

    def project(self, name: str) -> ApiProject:
        for found in self.projects():
            if found.name == name:
                return found
        raise NotFoundError(f"project {name!r} not found on {self.location}")

    def _search(self, project: str | None, search: RunSearch) -> dict[str, Any]:
        body = {"project": project, "status": None if search.status is None else list(search.status),
                "tags": list(search.tags), "params": search.params, "filter": search.filter,
                "order_by": list(search.order_by), "limit": search.limit}
        data = orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)
        found: dict[str, Any] = self._get("POST", f"{READ}/runs", content=data,
                                          headers={"Content-Type": "application/json"})
        return found

    def runs(self, project: str | None, search: RunSearch) -> list[RunRecord]:
        return [record_from_wire(row) for row in self._search(project, search)["runs"]]

    def count_runs(self, project: str | None, search: RunSearch) -> int:
        return int(self._search(project, RunSearch(search.status, search.tags, search.params, search.filter,
                                                   (), 0))["total"])

    def run(self, ref: str | int) -> RunRecord:
        return record_from_wire(self._get("GET", f"{READ}/run", params={"ref": str(ref).strip()})["run"])

    def reload(self, run_id: int) -> RunRecord:
        return self.run(run_id)

    def mark_stale_runs(self) -> list[int]:
        return []  # the server marks its dead runs crashed itself (`stale_after_s`)

    # -- metrics, logs, artifacts --------------------------------------------------
    def read_metrics(self, run_id: int, keys: list[str], step_min: int | None,
                     step_max: int | None) -> dict[str, MetricColumns]:
        steps = {k: v for k, v in (("step_min", step_min), ("step_max", step_max)) if v is not None}
        try:
            return self._read_metrics(run_id, keys, steps)
        except PayloadTooLargeError:
            if len(keys) == 1:
                raise
            # Over the server's points-per-request limit together: one request per key.
            return {key: self._read_metrics(run_id, [key], steps)[key] for key in keys}

    def _read_metrics(self, run_id: int, keys: list[str], steps: dict[str, int]) -> dict[str, MetricColumns]:
        if not keys:
            return {}
        if all(_plain_key(k) for k in keys):
            params: dict[str, Any] = {"format": "msgpack", "keys": ",".join(keys), **steps}
            series = self._get("GET", f"{RUNS}/{run_id}/metrics/history", params=params)["metrics"]
            return {key: _columns(series[key]) for key in keys}
        out: dict[str, MetricColumns] = {}
        for start in range(0, len(keys), QUERY_KEYS):  # keys a comma list would change go in a JSON body
            chunk = keys[start:start + QUERY_KEYS]
            body = orjson.dumps({"run_ids": [run_id], "keys": chunk, "format": "msgpack", **steps})
            found = self._get("POST", f"{RUNS}/metrics/query", content=body,
                              headers={"Content-Type": "application/json"})["runs"][str(run_id)]
            out.update({key: _columns(found[key]) for key in chunk})
        return out

    def read_logs(self, run_id: int, tail: int | None) -> list[LogLine]:
        params = {} if tail is None else {"tail": tail}
        if tail == 0:
            return []
        return log_lines_from_wire(self._get("GET", f"{READ}/runs/{run_id}/logs", params=params)["lines"])

    def list_artifacts(self, run_id: int) -> list[Artifact]:
        return artifacts_from_wire(self._get("GET", f"{READ}/runs/{run_id}/artifacts")["artifacts"])

    def artifact_path(self, run_id: int, name: str) -> str:
        """Download the file once into a folder that lives as long as this `Api`."""
        target = self._downloads.target(run_id, name)
        if not target.exists():
            target.write_bytes(self._send("GET", f"{READ}/runs/{run_id}/artifacts/{name}").content)
        return str(target)
