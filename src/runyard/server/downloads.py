"""How a downloaded artifact file is served, by every dialect: one response shape whatever the storage.

A file on local disk goes out as a `FileResponse` (sendfile, Range requests); one in object
storage as a `StreamingResponse` over its chunks (a plain iterator: Starlette runs it in its
thread pool, so the event loop never waits on storage). Both carry the same headers:
the content type guessed from the name, `Content-Disposition: attachment` with the file
name (Starlette's own form), and `X-Content-Type-Options: nosniff` (an uploaded file is
never sniffed into HTML).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from urllib.parse import quote

from starlette.responses import FileResponse, Response, StreamingResponse

from runyard.store.artifacts import ArtifactFile

NOSNIFF = {"X-Content-Type-Options": "nosniff"}


def media_type(path: str) -> str:
    """Content type from the file name; unknown types download as bytes."""
    guessed, _encoding = mimetypes.guess_type(path, strict=False)
    return guessed or "application/octet-stream"


def attachment(filename: str) -> str:
    """`Content-Disposition` for a download, exactly as Starlette's `FileResponse` writes it."""
    quoted = quote(filename)
    if quoted != filename:
        return f"attachment; filename*=utf-8''{quoted}"
    return f'attachment; filename="{filename}"'


def file_response(opened: ArtifactFile, *, name: str | None = None, media: str | None = None,
                  headers: Mapping[str, str] | None = None, download: bool = True) -> Response:
    """The opened file; `media` or else `name` (the path asked for) gives the content type.

    `download=False` serves it inline (no `Content-Disposition`), as media items are shown.
    """
    kind = media or media_type(name or opened.name)
    sent = {**NOSNIFF, **(headers or {})}
    filename = opened.filename if download else None
    if opened.local_path is not None:
        return FileResponse(opened.local_path, media_type=kind, filename=filename, headers=sent)
    if filename is not None:
        sent["Content-Disposition"] = attachment(filename)
    sent["Content-Length"] = str(opened.size)
    return StreamingResponse(opened.chunks(), media_type=kind, headers=sent)
