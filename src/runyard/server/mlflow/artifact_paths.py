"""Paths of the `mlflow-artifacts` namespace, mapped onto runyard runs and logged models.

A run's `artifact_uri` is `mlflow-artifacts:/<experiment id>/<run id>/artifacts`
(`shapes.artifact_uri`) and a logged model's `mlflow-artifacts:/<experiment id>/models/<model id>/artifacts`; the client turns them
into `/api/2.0/mlflow-artifacts/artifacts/<that path>/<file>`. Anything else in that namespace
names nothing runyard holds and is refused (400), as is any path that could leave its folder:
`..`, absolute, backslashes, control characters (the server sees paths percent-decoded, so
`%2e%2e` arrives as `..` and is refused the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from runyard.errors import InvalidInputError
from runyard.store.validate_paths import clean_name

ARTIFACTS = "artifacts"
MODELS = "models"
SCHEME = "mlflow-artifacts:"


@dataclass(frozen=True, slots=True)
class ArtifactTarget:
    """Whose artifacts a path names (a run's or a logged model's) and the path inside them ("" = the root)."""

    kind: Literal["run", "model"]
    experiment_id: str
    owner_id: str  # the run id (uid) or the model id
    inner: str
    bare: bool = False  # True: the path stopped at `<experiment>/<owner>` (above `artifacts/`)


def model_artifact_uri(experiment_id: str, model_id: str) -> str:
    """The `artifact_uri` of a logged model."""
    return f"{SCHEME}/{experiment_id}/{MODELS}/{model_id}/{ARTIFACTS}"


def inner_path(path: str | None) -> str:
    """A relative path inside one owner's artifacts: "" for the root, else a clean relative path."""
    if path and path.startswith("/"):
        raise InvalidInputError(f"artifact path {path[:80]!r} must be relative")
    text = (path or "").rstrip("/")
    return clean_name(text) if text else ""


def parse(path: str) -> ArtifactTarget:
    """Whose artifacts `path` (relative to the artifact service root) names; 400 for anything else."""
    if path.startswith("/") or "\\" in path:
        raise InvalidInputError(f"artifact path {path[:80]!r} must be relative, with '/' separators")
    parts = path.split("/") if path else []
    if parts and parts[-1] == "":
        parts.pop()  # a trailing slash names the same folder
    # `<experiment>/models/<model id>/...`; a run whose uid is `models` keeps `<experiment>/models/artifacts/...`
    if len(parts) >= 3 and parts[1] == MODELS and parts[2] != ARTIFACTS:
        kind: Literal["run", "model"] = "model"
        experiment_id, owner, rest = parts[0], parts[2], parts[3:]
    elif len(parts) >= 2:
        kind = "run"
        experiment_id, owner, rest = parts[0], parts[1], parts[2:]
    else:
        raise InvalidInputError(
            f"artifact path {path[:80]!r} names no run or model: runyard serves "
            "'<experiment_id>/<run_id>/artifacts/...' and '<experiment_id>/models/<model_id>/artifacts/...'")
    if not experiment_id or not owner or any(part in ("", ".", "..") for part in (experiment_id, owner)):
        raise InvalidInputError(f"artifact path {path[:80]!r} is not a valid artifact path")
    if not rest:
        return ArtifactTarget(kind, experiment_id, owner, "", bare=True)
    if rest[0] != ARTIFACTS:
        raise InvalidInputError(f"artifact path {path[:80]!r}: a {kind}'s files live under '{ARTIFACTS}/'")
    return ArtifactTarget(kind, experiment_id, owner, inner_path("/".join(rest[1:])))
