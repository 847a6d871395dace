"""Reading an MLflow tracking server through its REST API (what `MlflowClient` calls).

Experiments and runs come from the paged `experiments/search` and `runs/search`, every
metric point from the paged `metrics/get-history` (a run's `data.metrics` holds only the
latest value per key), artifacts from `artifacts/list` (folders walked) and `get-artifact`,
which the server answers for every artifact store it can reach (its own proxied
`mlflow-artifacts` folder, a local root, a bucket). `MLFLOW_TRACKING_TOKEN` (or `token`) is
sent as a bearer token, as the MLflow client sends it. Values "NaN", "Infinity" and
"-Infinity" arrive as strings and are read as floats; nothing in an answer is evaluated.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import IO, Any

import httpx

from runyard.errors import AuthError, InvalidInputError, NotFoundError, ServiceUnavailableError
from runyard.importers.mlflow.records import (
    RUN_NAME_TAG,
    MetricHistory,
    MlflowSource,
    SourceArtifact,
    SourceExperiment,
    SourceRun,
    oldest_first,
    status_name,
)
from runyard.store.run_data import ByteStream

PAGE = 1_000  # experiments and runs per search page
HISTORY_PAGE = 25_000  # metric points per get-history page
_SPOOL_BYTES = 8 << 20  # downloads above this go to a temporary file, not memory


def _pairs(items: object) -> dict[str, str]:
    """MLflow's `[{"key": ..., "value": ...}]` lists as a dict."""
    if not isinstance(items, list):
        return {}
    return {str(item["key"]): str(item.get("value", "")) for item in items if isinstance(item, dict) and "key" in item}


def _millis(raw: object) -> int | None:
    # int64 fields travel as JSON strings or numbers depending on the server's encoder.
    try:
        return int(raw) if raw is not None and raw != "" else None  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


class RestSource(MlflowSource):
    """An MLflow tracking server at `url` (`http(s)://host:port`, optionally with a path prefix)."""

    def __init__(self, url: str, token: str | None = None, timeout_s: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.description = self.url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout_s, follow_redirects=True)
        self._get("/api/2.0/mlflow/experiments/search", {"max_results": 1})  # fail early on a wrong URL

    def close(self) -> None:
        self.http.close()

    def _check(self, answer: httpx.Response, path: str) -> None:
        if answer.status_code in (401, 403):
            raise AuthError(f"the MLflow server at {self.url} refused the request ({answer.status_code}): "
                            "set MLFLOW_TRACKING_TOKEN or pass --token")
        if answer.status_code == 404 and "/mlflow/" in path and "RESOURCE_DOES_NOT_EXIST" not in answer.text:
            raise InvalidInputError(f"{self.url} is not an MLflow tracking server ({path} answered 404)")
        if answer.status_code >= 400:
            raise InvalidInputError(f"the MLflow server at {self.url} answered {answer.status_code} to {path}: "
                                    f"{answer.text[:200]}")

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            answer = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ServiceUnavailableError(f"cannot reach the MLflow server at {self.url}: {exc}") from None
        self._check(answer, path)
        try:
            body = answer.json()
        except ValueError:
            raise InvalidInputError(f"{self.url} is not an MLflow tracking server ({path} did not answer JSON)") from None
        if not isinstance(body, dict):
            raise InvalidInputError(f"{self.url}: unexpected answer to {path}")
        return body

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        return self._request("GET", path, params=params)

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", path, json=body)

    def _paged(self, path: str, body: dict[str, Any], field: str, *, post: bool = True) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            page = {**body, **({"page_token": token} if token else {})}
            answer = self._post(path, page) if post else self._get(path, page)
            yield from (item for item in answer.get(field) or [] if isinstance(item, dict))
            token = answer.get("next_page_token") or None
            if not token:
                return

    def experiments(self) -> list[SourceExperiment]:
        return [SourceExperiment(str(item["experiment_id"]), str(item.get("name", "")), _pairs(item.get("tags")))
                for item in self._paged("/api/2.0/mlflow/experiments/search",
                                        {"max_results": PAGE, "view_type": "ACTIVE_ONLY"}, "experiments")]

    def runs(self, experiment: SourceExperiment) -> list[SourceRun]:
        found = []
        for item in self._paged("/api/2.0/mlflow/runs/search",
                                {"experiment_ids": [experiment.experiment_id], "max_results": PAGE,
                                 "run_view_type": "ACTIVE_ONLY"}, "runs"):
            info, data = item.get("info") or {}, item.get("data") or {}
            tags = _pairs(data.get("tags"))
            found.append(SourceRun(
                run_id=str(info.get("run_id") or info.get("run_uuid")), experiment_id=experiment.experiment_id,
                name=tags.get(RUN_NAME_TAG) or str(info.get("run_name") or ""), status=status_name(info.get("status")),
                start_time_ms=_millis(info.get("start_time")), end_time_ms=_millis(info.get("end_time")),
                artifact_uri=str(info.get("artifact_uri") or ""), params=_pairs(data.get("params")), tags=tags,
                metric_keys=tuple(sorted({str(metric["key"]) for metric in data.get("metrics") or []
                                          if isinstance(metric, dict) and "key" in metric})),
            ))
        return oldest_first(found)

    def metric_history(self, run: SourceRun, key: str) -> MetricHistory:
        points = [(int(point.get("step") or 0), int(point.get("timestamp") or 0), float(point["value"]))
                  for point in self._paged("/api/2.0/mlflow/metrics/get-history",
                                           {"run_id": run.run_id, "metric_key": key, "max_results": HISTORY_PAGE},
                                           "metrics", post=False)]
        return MetricHistory.from_points(points)

    def artifacts(self, run: SourceRun) -> list[SourceArtifact]:
        found: list[SourceArtifact] = []
        folders = [""]
        while folders:
            folder = folders.pop()
            params = {"run_id": run.run_id, **({"path": folder} if folder else {})}
            for item in self._paged("/api/2.0/mlflow/artifacts/list", params, "files", post=False):
                path = str(item.get("path", ""))
                if item.get("is_dir"):
                    folders.append(path)
                else:
                    found.append(SourceArtifact(path, _millis(item.get("file_size"))))
        return sorted(found, key=lambda artifact: artifact.path)

    def open_artifact(self, run: SourceRun, artifact: SourceArtifact) -> AbstractContextManager[ByteStream]:
        return self._download(run, artifact)

    @contextmanager
    def _download(self, run: SourceRun, artifact: SourceArtifact) -> Iterator[ByteStream]:
        params = {"run_id": run.run_id, "path": artifact.path}
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
            try:
                with self.http.stream("GET", "/get-artifact", params=params) as answer:
                    if answer.status_code == 404:
                        raise NotFoundError(f"artifact {artifact.path!r} of run {run.run_id} is gone from {self.url}")
                    if answer.status_code >= 400:
                        answer.read()
                        self._check(answer, "/get-artifact")
                    for chunk in answer.iter_bytes(1 << 20):
                        spool.write(chunk)
            except httpx.HTTPError as exc:
                raise ServiceUnavailableError(f"cannot download {artifact.path!r} from {self.url}: {exc}") from None
            spool.seek(0)
            stream: IO[bytes] = spool  # type: ignore[assignment]
            yield stream
