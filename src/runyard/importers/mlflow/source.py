"""Which reader a SOURCE argument names: a tracking server URL, an `mlruns` folder or an MLflow database."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from runyard.errors import InvalidInputError, NotFoundError
from runyard.importers.mlflow.records import MlflowSource

DATABASE_PREFIX = "sqlite:///"  # SQLAlchemy's form: sqlite:///relative.db, sqlite:////absolute.db


def open_source(spec: str, *, token: str | None = None, artifacts_root: Path | None = None) -> MlflowSource:
    """The reader for `spec`; a clear error for anything that is none of the three."""
    parsed = urlparse(spec)
    if parsed.scheme in ("http", "https"):
        from runyard.importers.mlflow.rest import RestSource  # imports httpx: only for servers

        return RestSource(spec, token)
    if spec.startswith(DATABASE_PREFIX):
        return _database(Path(spec[len(DATABASE_PREFIX):]), artifacts_root)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path))
    elif len(parsed.scheme) > 1:
        raise InvalidInputError(f"cannot import from {spec!r}: give an MLflow tracking server URL (http://...), "
                                "an mlruns folder or an MLflow SQLite database (sqlite:///path or a .db file)")
    else:
        path = Path(spec)
    if path.is_dir():
        from runyard.importers.mlflow.files import FileStoreSource

        return FileStoreSource(path)
    if path.is_file():
        return _database(path, artifacts_root)
    raise NotFoundError(f"no MLflow store at {spec}")


def _database(path: Path, artifacts_root: Path | None) -> MlflowSource:
    from runyard.importers.mlflow.database import DatabaseSource

    return DatabaseSource(path, artifacts_root)
