"""Remote mode: a run's batches go to a runyard server over HTTP, through a local spool when it is down."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from runyard.errors import InvalidInputError, RunyardError
from runyard.sdk.http_client import IngestClient, Unavailable
from runyard.sdk.outbox import Outbox
from runyard.sdk.sink import DRAIN_TIMEOUT_S, RunHandle, RunSpec, Sink
from runyard.sdk.spool import Spool
from runyard.sdk.warn import WarnOnce
from runyard.sdk.wire import PREFIX, Request, json_request, logs_request, metrics_request, run_path
from runyard.store.models import Artifact, MetricColumns

MAX_POINTS_PER_REQUEST = 1_000_000  # ~24 MB of arrays: well under the server's body limit
MAX_LOG_BYTES_PER_REQUEST = 8 << 20
CREATE_ATTEMPTS = 3


def new_uid(now: float | None = None) -> str:
    """A run uid made by the client, in the store's format: `run-YYYYMMDD_HHMMSS-xxxxxxxx`."""
    stamp = time.strftime("%Y%m%d_%H%M%S", time.gmtime(time.time() if now is None else now))
    return f"run-{stamp}-{uuid.uuid4().hex[:8]}"


def split_batch(batch: Mapping[str, MetricColumns], limit: int) -> Iterator[dict[str, MetricColumns]]:
    """Cut a batch into parts of at most `limit` points (long keys are sliced)."""
    part: dict[str, MetricColumns] = {}
    size = 0
    for key, cols in batch.items():
        start = 0
        while start < len(cols):
            take = min(len(cols) - start, limit - size)
            end = start + take
            part[key] = cols if (start, end) == (0, len(cols)) else MetricColumns(
                cols.steps[start:end], cols.values[start:end], cols.times[start:end])
            size += take
            start = end
            if size >= limit:
                yield part
                part, size = {}, 0
    if part:
        yield part


def split_lines(lines: Sequence[tuple[float, str, str]], limit: int) -> Iterator[list[tuple[float, str, str]]]:
    """Cut console lines into parts of about `limit` bytes of text (a single line may exceed it)."""
    part: list[tuple[float, str, str]] = []
    size = 0
    for line in lines:
        if part and size + len(line[2]) > limit:
            yield part
            part, size = [], 0
        part.append(line)
        size += len(line[2]) + 16
    if part:
        yield part


def _stored_fields(answer: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """config, summary and metric definitions of a created or resumed run (empty from an older server)."""
    values = (answer.get(key) for key in ("config", "summary", "metric_defs"))
    config, summary, metric_defs = (value if isinstance(value, dict) else {} for value in values)
    return config, summary, metric_defs


class RemoteSink(Sink):
    """Speaks the `/api/v1/sdk` protocol; never loses acknowledged-or-spooled data to a server outage."""

    def __init__(self, server: str, token: str | None, data_dir: Path, *,
                 drain_timeout: float = DRAIN_TIMEOUT_S, client: IngestClient | None = None) -> None:
        self.server = server
        self.data_dir = data_dir
        self.client = client if client is not None else IngestClient(server, token)
        self.drain_timeout = drain_timeout
        self.warn = WarnOnce()
        self.uid = ""
        self._outbox: Outbox | None = None

    @property
    def outbox(self) -> Outbox:
        """The run's ordered delivery (exists once the run is open)."""
        if self._outbox is None:
            raise RuntimeError("the run is not open")
        return self._outbox

    def _bind(self, uid: str, spec: RunSpec) -> None:
        self.uid = uid
        owner = {"uid": uid, "project": spec.project, "name": spec.name, "server": self.server,
                 "host": spec.host, "pid": spec.pid, "pid_started_at": spec.pid_started_at, "created_at": time.time()}
        self._outbox = Outbox(self.client, Spool.of_run(self.data_dir, uid), self.warn, owner)

    def open_run(self, spec: RunSpec) -> RunHandle:
        """Create or resume the run on the server; if it is unreachable, spool the create and go on."""
        # The client's clock, for the create sent now or replayed from the spool much later.
        spec = replace(spec, uid=spec.uid or new_uid(), start_time=spec.start_time or time.time())
        body: dict[str, Any] = {key: value for key, value in asdict(spec).items() if value is not None}
        try:
            answer = self.client.send_retrying(json_request("create", f"{PREFIX}/runs", body), attempts=CREATE_ATTEMPTS)
        except Unavailable as exc:
            if spec.resume not in (None, False):
                raise ConnectionError(f"cannot resume: runyard server {self.server} is unreachable ({exc})") from exc
            assert spec.uid is not None
            self._bind(spec.uid, spec)
            self.outbox.to_spool(json_request("create", f"{PREFIX}/runs", {**body, "rename_taken": True}))
            self.warn("offline", f"runyard server {self.server} is unreachable ({exc}); run {spec.uid} is spooled "
                                 f"to {self.outbox.spool.root} and sent when the server is back")
            return RunHandle(0, spec.uid, spec.name or spec.uid, spec.project, 0)
        run = answer.get("run")
        if not isinstance(run, dict) or not {"id", "uid", "name", "project", "project_id"} <= run.keys():
            raise InvalidInputError(f"{self.server} answered, but not as a runyard server does (no run in the answer)")
        self._bind(str(run["uid"]), spec)
        return RunHandle(int(run["id"]), str(run["uid"]), str(run["name"]), str(run["project"]),
                         int(run["project_id"]), int(answer.get("next_step", 0)), bool(answer.get("resumed")),
                         float(answer.get("start_time") or 0.0), *_stored_fields(answer))

    def write_metrics(self, run_id: int, batch: Mapping[str, MetricColumns], batch_id: str) -> None:
        """Send (or spool) the batch as raw arrays; big ones in parts with derived batch ids."""
        parts = list(split_batch(batch, MAX_POINTS_PER_REQUEST))
        for index, part in enumerate(parts):
            part_id = batch_id if len(parts) == 1 else f"{batch_id}.{index}"
            self.outbox.submit(metrics_request(self.uid, part_id, part))

    def write_logs(self, run_id: int, lines: Sequence[tuple[float, str, str]], batch_id: str) -> None:
        """Send (or spool) console lines, in parts that stay under the server's body limit."""
        parts = list(split_lines(lines, MAX_LOG_BYTES_PER_REQUEST))
        for index, part in enumerate(parts):
            self.outbox.submit(logs_request(self.uid, batch_id if len(parts) == 1 else f"{batch_id}.{index}", part))

    def heartbeat(self, run_id: int) -> None:
        """Send a heartbeat, or use the moment to retry the spool."""
        self.outbox.poke(json_request("heartbeat", run_path(self.uid, "heartbeat"), {}))

    def _submit_or_drop(self, request: Request, what: str) -> dict[str, Any] | None:
        # A refusal (4xx) is final: sending it again would fail the same way. Drop this one
        # request with a warning and let the run go on, as a spooled one would be dropped.
        try:
            return self.outbox.submit(request)
        except RunyardError as exc:
            self.warn(f"refused:{what}", f"the server refused {what} of run {self.uid}; dropped it: {exc}")
            return None

    def update_run(self, run_id: int, *, tags: Sequence[str] | None = None,
                   system: Mapping[str, Any] | None = None, config: Mapping[str, Any] | None = None,
                   summary: Mapping[str, Any] | None = None, metric_defs: Mapping[str, Any] | None = None) -> None:
        """Replace tags, system info, config, summary or metric definitions (a refusal is dropped with a warning)."""
        fields = {key: value for key, value in (("tags", None if tags is None else list(tags)),
                                                ("system", system), ("config", config), ("summary", summary),
                                                ("metric_defs", metric_defs)) if value is not None}
        if fields:
            self._submit_or_drop(json_request("update", run_path(self.uid, "update"), fields), "+".join(fields))

    def log_params(self, run_id: int, params: Mapping[str, Any]) -> None:
        """Merge params (dropped with a warning if the server refuses them)."""
        self._submit_or_drop(json_request("params", run_path(self.uid, "params"), {"params": dict(params)}), "params")

    def add_artifact(self, run_id: int, path: Path, name: str | None) -> Artifact:
        """Upload the file (streamed), or copy it into the spool; a refused one is dropped with a warning."""
        target = name or path.name
        request = Request("artifact", f"{run_path(self.uid, 'artifacts')}?name={quote(target, safe='')}", file=path)
        answer = self._submit_or_drop(request, f"artifact {target!r}")
        if answer is not None:
            return Artifact(0, run_id, str(answer["path"]), int(answer["size"]), str(answer["sha256"]), time.time())
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            while block := stream.read(1 << 20):
                digest.update(block)
        return Artifact(0, run_id, target, path.stat().st_size, digest.hexdigest(), time.time())

    def set_status(self, run_id: int, status: str) -> None:
        """Send (or spool) the status."""
        request = json_request("status", run_path(self.uid, "status"), {"status": status, "end_time": time.time()})
        request.meta["status"] = status
        self.outbox.submit(request)

    def close(self) -> None:
        """Drain the spool for a bounded time (the rest waits for `runyard sync`), then disconnect."""
        try:
            if self._outbox is not None:
                self._outbox.close(self.drain_timeout)
        finally:
            self.client.close()
