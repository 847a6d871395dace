"""Walking an importer's source folder without leaving it: symbolic links are never followed."""

from __future__ import annotations

import os
from pathlib import Path


def regular_files(folder: Path) -> list[tuple[str, Path]]:
    """(path relative to `folder` with '/', file) of each regular file below `folder`, sorted.

    A linked folder or file may point anywhere on the machine, so links are skipped, the folder
    itself included.
    """
    if not folder.is_dir() or folder.is_symlink():
        return []
    found = []
    for parent, _folders, files in os.walk(folder):  # os.walk does not descend into linked folders
        for name in files:
            file = Path(parent, name)
            if file.is_file() and not file.is_symlink():
                found.append((file.relative_to(folder).as_posix(), file))
    return sorted(found)
