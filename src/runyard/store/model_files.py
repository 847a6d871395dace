"""Files of logged models under `<data>/artifacts/.logged-models/<model id>/`: the folder itself is the record.

Uploads are atomic (a temporary `.upload-*` file renamed into place, see `artifact_files.write_into`),
so a listed file is always whole; temporaries and symlinks are never listed or served.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from runyard.errors import NotFoundError
from runyard.store import artifact_files
from runyard.store.logged_models import ModelFile
from runyard.store.run_data import ByteStream
from runyard.store.validate_paths import UPLOAD_PREFIX, clean_name, confined, model_folder


def write(root: Path, model_id: str, name: str, stream: ByteStream, max_bytes: int | None) -> ModelFile:
    """Store a stream as the model's file `name`."""
    cleaned, size, _digest = artifact_files.write_into(lambda: model_folder(root, model_id), name, stream, max_bytes)
    return ModelFile(cleaned, size)


def list_(root: Path, model_id: str) -> list[ModelFile]:
    """Every whole, regular file of the model, by path."""
    folder = model_folder(root, model_id)
    found: list[ModelFile] = []
    for current, dirs, files in os.walk(folder):  # os.walk does not follow symlinked folders
        base = Path(current)
        dirs[:] = [name for name in dirs if not (base / name).is_symlink()]
        for name in files:
            path = base / name
            if name.startswith(UPLOAD_PREFIX) or path.is_symlink() or not path.is_file():
                continue
            found.append(ModelFile(path.relative_to(folder).as_posix(), path.stat().st_size))
    return sorted(found, key=lambda item: item.path)


def path_of(root: Path, model_id: str, name: str) -> Path:
    """The local file of the model's file `name`."""
    cleaned = clean_name(name)
    path = confined(model_folder(root, model_id), cleaned)
    if not path.is_file():
        raise NotFoundError(f"logged model {model_id} has no file {cleaned!r:.80}")
    return path


def delete(root: Path, model_id: str, name: str) -> int:
    """Delete the file `name` or the folder `name` with everything in it; returns how many files went."""
    folder = model_folder(root, model_id)
    cleaned = clean_name(name)
    inside = [item.path for item in list_(root, model_id)
              if item.path == cleaned or item.path.startswith(cleaned + "/")]
    if not inside:
        raise NotFoundError(f"logged model {model_id} has no file or folder {cleaned!r:.80}")
    artifact_files.remove_files(folder, inside)
    return len(inside)


def remove_folder(root: Path, model_id: str) -> None:
    """Delete a model's folder, if any (the model is being deleted)."""
    shutil.rmtree(model_folder(root, model_id), ignore_errors=True)
