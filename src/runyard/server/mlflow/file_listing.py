"""One folder level of a flat file list, as MLflow's `FileInfo` messages: `{path, is_dir, file_size}`.

Runyard keeps artifacts as a flat list of relative file paths; MLflow lists one folder at a
time, files with their size and sub-folders with `is_dir`. Listing a file (not a folder) gives
nothing, as MLflow's own artifact repositories do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def folder_entries(files: Iterable[tuple[str, int]], folder: str, *, full_paths: bool) -> list[dict[str, Any]]:
    """Entries directly inside `folder` ("" = the root), sorted by name.

    `path` is the path from the root (`full_paths`: `/mlflow/artifacts/list`, a logged model's
    directories) or the bare name (`/mlflow-artifacts/artifacts?path=`).
    """
    start = f"{folder}/" if folder else ""
    found: dict[str, dict[str, Any]] = {}
    for path, size in files:
        if not path.startswith(start):
            continue
        rest = path[len(start):]
        name, slash, _deeper = rest.partition("/")
        shown = start + name if full_paths else name
        if slash:
            found.setdefault(name, {"path": shown, "is_dir": True})
        else:
            found[name] = {"path": shown, "is_dir": False, "file_size": size}
    return [found[name] for name in sorted(found)]
