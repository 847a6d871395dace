"""Which models may be loaded: only those a hub job wrote, byte for byte.

Loading a model unpickles it, which runs whatever code the file holds. Run artifacts can be
written by any token holder (v1 log-artifact, SDK ingest), so a file's place in a run proves
nothing. When a hub job saves a model, the worker records in the store (`hub_models`, which
no upload route writes) the run, its tenant and the sha256 of `hub.json` and of every
`model/` file. `load`, `predict` and the worker (on the very bytes it is about to
deserialize) refuse a run without that record, of another tenant, or whose files changed.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from runyard import access
from runyard.errors import NotFoundError
from runyard.hub.errors import UntrustedModelError
from runyard.store import Run, Store
from runyard.store.artifacts import ArtifactFile
from runyard.store.hub_store import hub_store

MANIFEST = "hub.json"  # artifact naming the experiment, type and config a run was made with
MODEL_DIR = "model"


def _refuse(run: Run, why: str) -> UntrustedModelError:
    return UntrustedModelError(f"run {run.uid} holds a model not made by the hub ({why}); only models "
                               "trained or predicted with by this hub can be loaded")


def record(store: Store, run_id: int, tenant: str, experiment: str, files: Mapping[str, str]) -> None:
    """Record what a hub job saved: `files` maps artifact paths to the sha256 the job wrote."""
    hub_store(store).hub_record_model(run_id, tenant=tenant, experiment=experiment, files=files)


def trusted_files(store: Store, run: Run, tenant: str) -> dict[str, str]:
    """The recorded files of the run's hub model; UntrustedModelError when there is none."""
    try:
        found = hub_store(store).hub_get_model(run.id)
    except NotFoundError:
        raise _refuse(run, "no hub job saved a model in it") from None
    if not access.owns(tenant, found) or MANIFEST not in found.files:
        raise _refuse(run, "no hub job of this tenant saved a model in it")
    return dict(found.files)


def _file(store: Store, run: Run, path: str) -> ArtifactFile:
    try:
        return store.open_artifact(run.id, path)
    except NotFoundError:
        raise _refuse(run, f"{path} is gone") from None


def check(store: Store, run: Run, tenant: str) -> dict[str, Any]:
    """Every recorded file unchanged; returns the manifest, parsed from the bytes just checked."""
    files = trusted_files(store, run, tenant)
    for path, expected in files.items():
        if path != MANIFEST and _file(store, run, path).sha256() != expected:
            raise _refuse(run, f"{path} changed after the hub saved it")
    raw = _file(store, run, MANIFEST).read_bytes()
    if hashlib.sha256(raw).hexdigest() != files[MANIFEST]:
        raise _refuse(run, f"{MANIFEST} changed after the hub saved it")
    manifest: dict[str, Any] = orjson.loads(raw)
    return manifest


def restore(store: Store, run: Run, tenant: str, target: Path) -> Path:
    """Copy the recorded model files into target/model, checking the copies' hashes; returns it.

    The copies are what the type loads, so what was checked is what is deserialized; files
    that are not in the record are not copied at all.
    """
    files = trusted_files(store, run, tenant)
    folder = target / MODEL_DIR
    folder.mkdir(parents=True, exist_ok=True)
    prefix = MODEL_DIR + "/"
    for path, expected in sorted(files.items()):
        if not path.startswith(prefix):
            continue
        destination = folder / path[len(prefix):]
        destination.parent.mkdir(parents=True, exist_ok=True)
        # Hashed as it is written: the bytes checked are the bytes the type will load.
        if _file(store, run, path).save_as(destination) != expected:
            shutil.rmtree(folder, ignore_errors=True)
            raise _refuse(run, f"{path} changed after the hub saved it")
    return folder
