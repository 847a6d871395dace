"""Bodies of the SDK ingest routes: checks that turn decoded msgpack/JSON into store arguments, and their OpenAPI."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runyard.errors import InvalidInputError
from runyard.sdk.sink import RunSpec

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": text}
    for code, text in ((400, "Malformed body or arrays"), (401, "Missing or invalid token"),
                       (403, "Cross-site write refused (cookie sign-in)"),
                       (404, "Run not found, or another tenant's (the same answer)"),
                       (409, "Name taken (create without resume) or run still live (resume)"),
                       (413, "Body, batch or artifact over its limit"))
}


def _body(schema: dict[str, Any], *types: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {kind: {"schema": schema} for kind in types}}}


_ARRAY = {"type": "string", "format": "binary"}
CREATE_BODY = _body({
    "type": "object", "required": ["project"],
    "properties": {
        "project": {"type": "string"}, "name": {"type": "string", "nullable": True},
        "uid": {"type": "string", "description": "client-made run uid; re-sending the same create returns the same run"},
        "config": {"type": "object"}, "tags": {"type": "array", "items": {"type": "string"}},
        "notes": {"type": "string", "nullable": True}, "system": {"type": "object", "nullable": True},
        "host": {"type": "string"}, "pid": {"type": "integer"}, "pid_started_at": {"type": "number"},
        "resume": {"description": "true (resume the run called name), a uid or name, or null"},
        "rename_taken": {"type": "boolean", "description": "give a taken name a unique suffix instead of 409"},
        "start_time": {"type": "number", "description": "when the run started, epoch seconds (default: now)"},
    },
}, "application/json", "application/msgpack")
BATCH_BODY = _body({
    "type": "object", "required": ["batch_id"],
    "properties": {
        "batch_id": {"type": "string", "maxLength": 200},
        "metrics": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["steps", "values", "times"],
            "properties": {"steps": {**_ARRAY, "description": "little-endian int64"},
                           "values": {**_ARRAY, "description": "little-endian float64"},
                           "times": {**_ARRAY, "description": "little-endian float64, epoch seconds"}}}},
        "logs": {"type": "array", "items": {"type": "array", "description": "[time, stream, line]"}},
    },
}, "application/msgpack")
STATUS_BODY = _body({"type": "object", "required": ["status"], "properties": {
    "status": {"type": "string"},
    "end_time": {"type": "number", "description": "when the run ended, epoch seconds (default: now)"}}},
                    "application/json", "application/msgpack")
PARAMS_BODY = _body({"type": "object", "required": ["params"], "properties": {"params": {"type": "object"}}},
                    "application/json", "application/msgpack")
UPDATE_MAPS = ("system", "config", "summary", "metric_defs")  # run fields `update` replaces with a map
UPDATE_BODY = _body({"type": "object", "properties": {
    "tags": {"type": "array", "items": {"type": "string"}}, **{name: {"type": "object"} for name in UPDATE_MAPS},
}}, "application/json", "application/msgpack")
ARTIFACT_BODY = _body({"type": "string", "format": "binary"}, "application/octet-stream")


def _typed(data: Mapping[str, Any], key: str, kinds: tuple[type, ...], what: str) -> Any:
    """The field if missing, null or of one of `kinds` (a bool is no number here); 400 otherwise."""
    value = data.get(key)
    if value is None or (isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool))):
        return value
    raise InvalidInputError(f"{key} must be {what}, not {type(value).__name__}")


def run_spec(data: Any) -> tuple[RunSpec, bool]:
    """The create/resume request as a `RunSpec`, and whether a taken name may be renamed."""
    if not isinstance(data, dict):
        raise InvalidInputError("body must be a map with at least 'project'")
    project = _typed(data, "project", (str,), "a string")
    if not project or not project.strip():
        raise InvalidInputError("project must be a non-empty string")
    tags = _typed(data, "tags", (list,), "a list of strings") or []
    if not all(isinstance(tag, str) for tag in tags):
        raise InvalidInputError("tags must be a list of strings")
    resume = data.get("resume")
    if resume is not None and not isinstance(resume, bool | str):
        raise InvalidInputError("resume must be true, false, null or the uid or name of a run")
    spec = RunSpec(
        project=project,
        name=_typed(data, "name", (str,), "a string"),
        config=_typed(data, "config", (dict,), "a map") or {},
        tags=tags,
        notes=_typed(data, "notes", (str,), "a string"),
        resume=resume,
        host=_typed(data, "host", (str,), "a string") or "",
        pid=_typed(data, "pid", (int,), "an integer") or 0,
        pid_started_at=float(_typed(data, "pid_started_at", (int, float), "a number") or 0.0),
        uid=_typed(data, "uid", (str,), "a string"),
        system=_typed(data, "system", (dict,), "a map"),
        start_time=_typed(data, "start_time", (int, float), "a number"),
    )
    return spec, bool(_typed(data, "rename_taken", (bool,), "a boolean"))


def end_time(data: Any) -> float | None:
    """The status body's `end_time` (None when not sent); checked as a wall time by the store."""
    return _typed(data, "end_time", (int, float), "a number") if isinstance(data, dict) else None


def update_fields(data: Any) -> dict[str, Any]:
    """The `update` body's fields that were sent: tags, system, config, summary, metric_defs."""
    if not isinstance(data, dict):
        raise InvalidInputError("body must be a map of tags, system, config, summary and/or metric_defs")
    unknown = set(data) - {"tags", *UPDATE_MAPS}
    if unknown:
        raise InvalidInputError(f"cannot update {sorted(unknown)}; only tags, {', '.join(UPDATE_MAPS)}")
    fields: dict[str, Any] = {}
    for key, kind, what in (("tags", list, "a list of strings"), *((name, dict, "a map") for name in UPDATE_MAPS)):
        if data.get(key) is not None:
            fields[key] = _typed(data, key, (kind,), what)
    if "tags" in fields and not all(isinstance(tag, str) for tag in fields["tags"]):
        raise InvalidInputError("tags must be a list of strings")
    return fields


def check_artifact_name(name: str) -> None:
    """Refuse names that could leave the run's artifact dir, before reading the upload."""
    parts = name.split("/")
    if (name.startswith("/") or "\\" in name or any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
            or any(part in ("", "..") for part in parts)):
        raise InvalidInputError(f"artifact name {name!r} must be a relative path without '..', '//' or '\\'")
