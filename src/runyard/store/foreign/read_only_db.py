"""One read-only connection to another tracker's SQLite file, checked for the tables it needs.

The file is opened with `mode=ro`, so an import never changes it (and works on a copy a user
may not write). Every failure is an error naming the file: missing (NotFoundError), not a
database or not that tracker's (InvalidInputError).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

from runyard.errors import InvalidInputError, NotFoundError


class ReadOnlyDatabase:
    """Base of the foreign databases: `what` names the kind ("MLflow database"), `needed` its tables."""

    what: ClassVar[str]
    article: ClassVar[str] = "a"
    needed: ClassVar[frozenset[str]]

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise NotFoundError(f"no {self.what} at {path}")
        self.path = path
        try:
            self._conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True,
                                         check_same_thread=False)
            tables = {row[0] for row in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise InvalidInputError(f"{path} is not {self.article} {self.what} ({exc})") from None
        missing = self.needed - tables
        if missing:
            self._conn.close()
            raise InvalidInputError(f"{path} is not {self.article} {self.what} (no {', '.join(sorted(missing))} table)")

    def close(self) -> None:
        self._conn.close()

    def _rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise InvalidInputError(f"{self.path}: cannot read the {self.what} ({exc})") from None
