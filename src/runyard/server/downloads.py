"""What a downloaded artifact file is served as: shared by the expman API and the web dashboard."""

from __future__ import annotations

import mimetypes


def media_type(path: str) -> str:
    """Content type from the file name; unknown types download as bytes."""
    guessed, _encoding = mimetypes.guess_type(path, strict=False)
    return guessed or "application/octet-stream"
