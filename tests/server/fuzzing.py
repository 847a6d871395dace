"""A bounded, deterministic schemathesis run over the app's served OpenAPI schema.

Every operation gets `max_examples` positive cases (valid per the schema: the edges of
every integer range, long and odd strings) and as many negative ones (invalid per the
schema). Half the cases have their path parameters swapped for a seeded tenant's real
ids and names, so the fuzzed query strings and bodies reach real runs, not only 404s.
Any status >= 500, or an exception out of the app (a stream that broke after its 200),
is recorded with the request that caused it.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import hypothesis.errors
import ormsgpack
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.transport import SerializationContext

from tests.server.seeded import Seeded

BASE_URL = "http://127.0.0.1"
# Operations that start processes: an ExperimentHub training or model load (a worker process
# each), so they are covered by tests/server/hub instead. Jupyter spawn is bounded another
# way: the fuzzed app has Jupyter disabled, so spawn answers its 4xx without starting one.
SKIPPED = frozenset({
    "POST /create_experiment/{name}/{experiment_type}", "POST /{name}/train", "POST /{name}/retrain",
    "POST /{name}/predict", "POST /{name}/load", "POST /{name}/load/{run_id}",
})
# Live streams of a run that a fuzzed write set back to running would never end: cut them.
STREAM_TIMEOUT_S = 2.0
CALL_TIMEOUT_S = 30.0


def _msgpack(_ctx: SerializationContext, value: Any) -> bytes:
    """SDK routes take msgpack; a value msgpack cannot hold (an int past 64 bits) goes as junk."""
    try:
        return ormsgpack.packb(value, default=repr)
    except (TypeError, ormsgpack.MsgpackEncodeError):
        return b"\xc1" + repr(value).encode()[:1000]


schemathesis.serializer("application/msgpack")(_msgpack)


@dataclass
class Tally:
    """What a fuzz run sent and what went wrong."""

    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    per_status: dict[int, int] = field(default_factory=dict)

    def add(self, status: int) -> None:
        self.requests += 1
        self.per_status[status] = self.per_status.get(status, 0) + 1


def _order(key: str) -> int:
    """Reads first, then writes, deletions last: deleting the seeded objects early would
    leave later operations nothing real to work on."""
    method, path = key.split(" ", 1)
    if method == "DELETE" or path.endswith("/delete"):
        return 2
    return 0 if method == "GET" else 1


CONSTRAINTS = ("integer", "number", "boolean", "minimum", "maximum", "pattern", "Length", "enum")


def _can_be_invalid(operation: Any) -> bool:
    """Whether a negative case exists: a body, or a parameter with a type or bound to break.
    (For plain strings Hypothesis would search for a second before giving up.)"""
    raw = operation.definition.raw
    return "requestBody" in raw or any(word in json.dumps(raw.get("parameters", [])) for word in CONSTRAINTS)


def _describe(case: Any) -> str:
    body = getattr(case, "body", None)
    text = repr(body)[:200] if body is not None else ""
    return (f"{case.method} {case.formatted_path} query={case.query!r} "
            f"headers={dict(case.headers or {})!r} body={text}")


def fuzz(app: FastAPI, seeded: Seeded, *, token: str | None, max_examples: int) -> Tally:
    """Fuzz every operation of the app's schema (except `SKIPPED`); returns the tally."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers={"host": "127.0.0.1"})
    headers = {"authorization": f"Bearer {token}"} if token else {}
    tally = Tally()
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    operations.sort(key=lambda op: _order(f"{op.method.upper()} {op.path}"))
    for operation in operations:
        key = f"{operation.method.upper()} {operation.path}"
        if key in SKIPPED:
            continue
        timeout = STREAM_TIMEOUT_S if operation.path.endswith(("/stream", "/live")) else CALL_TIMEOUT_S
        modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if _can_be_invalid(operation) else (
            GenerationMode.POSITIVE,)
        for mode in modes:
            _fuzz_operation(operation, mode, seeded, headers, timeout, max_examples, tally)
    return tally


def _fuzz_operation(operation: Any, mode: GenerationMode, seeded: Seeded, headers: dict[str, str],
                    timeout: float, max_examples: int, tally: Tally) -> None:
    @hypothesis.settings(max_examples=max_examples, derandomize=True, database=None, deadline=None,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                         print_blob=False)
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode), real=st.booleans())
    def run(case: Any, real: bool) -> None:
        if real and case.path_parameters:
            for name in list(case.path_parameters):
                value = seeded.value_for(operation.path, name)
                if value is not None:
                    case.path_parameters[name] = value
        try:
            response = case.call(base_url=BASE_URL, headers={**headers, "host": "127.0.0.1"}, timeout=timeout)
        except Exception as exc:  # the app raised: a 500 for a plain route, a broken stream for SSE
            tally.add(599)
            tally.server_errors.append(f"{_describe(case)} -> {type(exc).__name__}: {exc}"[:600])
            return
        tally.add(response.status_code)
        if response.status_code >= 500:
            tally.server_errors.append(f"{_describe(case)} -> {response.status_code} {response.text[:200]}")

    # Unsatisfiable: nothing to make invalid (negative mode on an operation without parameters).
    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        run()
