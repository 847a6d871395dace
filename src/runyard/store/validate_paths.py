"""Every path the store builds under `<data>/artifacts/`: run and model folders and their files, confined.

A run folder is `<root>/<uid>`; a logged model's is `<root>/.logged-models/<model id>` (run uids
start with a letter or digit, so no run folder can be that one). Uids are checked when a run is made, but rows written by
an older runyard may hold any uid (`..` was once accepted), so each use of a folder checks
it again: one plain component, not a symlink, resolving to a direct child of the root.
Nothing is ever written or deleted at the root itself or above it.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from runyard.errors import InvalidInputError
from runyard.store.logged_models import check_model_id
from runyard.store.validate import check_label

MAX_COMPONENT_BYTES = 255  # NAME_MAX of common file systems, in UTF-8 bytes
MAX_PATH_BYTES = 1024
UPLOAD_PREFIX = ".upload-"  # temporary files of writes in progress
MODELS_FOLDER = ".logged-models"


def clean_name(name: str) -> str:
    """A relative POSIX path with no `..`, no absolute part, no control characters, of bounded length."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError("artifact name must be a non-empty string")
    if "\\" in name or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise InvalidInputError(f"artifact name {name!r:.80} has forbidden characters")
    check_label(name, "artifact name", MAX_PATH_BYTES)
    pure = PurePosixPath(name)
    if pure.is_absolute() or any(part in ("..", "") for part in pure.parts) or name.startswith("/"):
        raise InvalidInputError(f"artifact name {name!r:.80} must be a relative path without '..'")
    parts = [part for part in pure.parts if part != "."]
    if not parts:
        raise InvalidInputError(f"artifact name {name!r} names no file")
    for part in parts:
        if len(part.encode("utf-8")) > MAX_COMPONENT_BYTES:
            raise InvalidInputError(f"artifact name part {part[:30]!r}... is too long: over {MAX_COMPONENT_BYTES} bytes")
        if part.startswith(UPLOAD_PREFIX):
            raise InvalidInputError(f"artifact names may not start with {UPLOAD_PREFIX!r} (kept for uploads)")
    cleaned = "/".join(parts)
    if len(cleaned.encode("utf-8")) > MAX_PATH_BYTES:
        raise InvalidInputError(f"artifact name is too long: over {MAX_PATH_BYTES} bytes")
    return cleaned


def plain_component(uid: str) -> bool:
    """One path part that cannot climb or split: not '', '.', '..', no slash, backslash or NUL."""
    return (isinstance(uid, str) and uid not in ("", ".", "..") and "/" not in uid and "\\" not in uid
            and "\x00" not in uid)


def run_folder(root: Path, uid: str) -> Path:
    """The artifact folder of a run (not created): a direct, non-symlink child of the resolved root."""
    base = root.resolve()
    if not plain_component(uid):
        raise InvalidInputError(f"run uid {uid!r:.80} cannot name an artifact folder")
    folder = base / uid
    if folder.is_symlink() or folder.resolve().parent != base:
        raise InvalidInputError(f"the artifact folder of run {uid!r:.80} leads outside the artifact root")
    return folder


def confined(run_dir: Path, name: str) -> Path:
    """The file for `name` strictly inside `run_dir`; refuses anything that resolves outside it."""
    root = run_dir.resolve()
    target = (root / clean_name(name)).resolve()
    if target == root or not target.is_relative_to(root):
        raise InvalidInputError(f"artifact name {name!r:.80} escapes the run's artifact directory")
    return target


def model_folder(root: Path, model_id: str) -> Path:
    """The folder of a logged model's files (not created), confined like a run folder; never through a symlink."""
    models = root.resolve() / MODELS_FOLDER
    if models.is_symlink() or (models.exists() and not models.is_dir()):
        raise InvalidInputError(f"{MODELS_FOLDER} inside the artifact root must be a plain folder")
    return run_folder(models, check_model_id(model_id))
