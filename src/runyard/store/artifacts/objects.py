"""Artifacts in S3-compatible object storage, through obstore: `<prefix>/<run uid>/<name>` and
`<prefix>/.logged-models/<model id>/<name>`, the local folder's layout under a bucket prefix.

Uploads stream through obstore's writer: a file within one part is one PUT, a larger one a
multipart upload in `PART`-byte parts, at most `CONCURRENCY` in flight, so memory stays near
`PART * (CONCURRENCY + 1)` whatever the size. An upload that fails or is refused
(`max_bytes`) is aborted: nothing is left in the bucket. Downloads read ranges of
`PART` bytes pinned to the object's ETag: each request is short (a slow reader holds no
connection open) and a file replaced meanwhile fails the download instead of mixing versions.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import obstore
from obstore.exceptions import BaseError as ObjectStoreError
from obstore.store import S3Store

from runyard.errors import ConflictError, NotFoundError, RunyardError, ServiceUnavailableError
from runyard.store.artifacts.base import ArtifactFile, ArtifactStore, Folder, Stored, hashed_blocks
from runyard.store.run_data import ByteStream
from runyard.store.validate_paths import clean_name

if TYPE_CHECKING:
    from obstore.store import ClientConfig, RetryConfig

log = logging.getLogger("runyard.store")
PART = 8 << 20  # multipart part and download range size
CONCURRENCY = 4  # parts uploaded at once
# obstore's defaults retry for minutes: a request waiting on a dead endpoint should fail sooner.
RETRY: RetryConfig = {"max_retries": 3, "retry_timeout": timedelta(seconds=20),
                      "backoff": {"init_backoff": timedelta(milliseconds=100), "max_backoff": timedelta(seconds=2),
                                  "base": 2.0}}


def _unavailable(exc: Exception, action: str, location: str) -> ServiceUnavailableError:
    """503 for the client; the storage's own words (endpoint, bucket, status) go to the log only."""
    log.warning("object storage %s: cannot %s: %s", location, action, str(exc).split("\n", 1)[0][:500])
    return ServiceUnavailableError(f"artifact storage is unavailable: cannot {action}; try again later")


class ObjectFile(ArtifactFile):
    """An object read in ranges of `PART` bytes, pinned to the ETag seen when it was opened."""

    def __init__(self, store: ObjectArtifacts, key: str, name: str, size: int, etag: str | None) -> None:
        super().__init__(name, size)
        self._store = store
        self._key = key
        self._etag = etag

    def chunks(self) -> Iterator[bytes]:
        for start in range(0, self.size, PART):
            options: dict[str, Any] = {"range": (start, min(start + PART, self.size))}
            if self._etag:
                options["if_match"] = self._etag
            try:
                got = obstore.get(self._store.client, self._key, options=options)  # type: ignore[arg-type]
                yield bytes(got.bytes())
            except (ObjectStoreError, OSError) as exc:
                raise _unavailable(exc, f"read {self.name!r}", self._store.location) from None


class ObjectArtifacts(ArtifactStore):
    """Files as objects of one bucket, under a key prefix."""

    backend = "s3"

    def __init__(self, bucket: str, prefix: str = "", *, endpoint: str | None = None, region: str | None = None,
                 access_key_id: str | None = None, secret_access_key: str | None = None,
                 session_token: str | None = None) -> None:
        self.prefix = prefix.strip("/")
        self.location = f"s3://{bucket}/{self.prefix}".rstrip("/")
        config: dict[str, Any] = {"virtual_hosted_style_request": False} if endpoint else {}
        for key, value in (("endpoint", endpoint), ("region", region), ("access_key_id", access_key_id),
                           ("secret_access_key", secret_access_key), ("token", session_token)):
            if value:
                config[key] = value
        # Plain http only when the endpoint itself says so (a MinIO or test server on a private network).
        client: ClientConfig = {"allow_http": bool(endpoint and endpoint.startswith("http://")),
                                "connect_timeout": timedelta(seconds=5), "timeout": timedelta(seconds=120)}
        self.client = S3Store(bucket, prefix=self.prefix or None, client_options=client, retry_config=RETRY,
                              **config)

    def _key(self, folder: Folder, name: str) -> str:
        return f"{folder.key}/{name}"

    def _exists(self, key: str) -> bool:
        try:
            obstore.head(self.client, key)
        except FileNotFoundError:
            return False
        return True

    def _check_shape(self, folder: Folder, cleaned: str) -> None:
        """Refuse what a folder on disk could not hold: a file under a file, a file over a folder."""
        parts = cleaned.split("/")
        for end in range(1, len(parts)):
            blocker = "/".join(parts[:end])
            if self._exists(self._key(folder, blocker)):
                raise ConflictError(f"artifact {cleaned!r} needs a folder {blocker!r}, but {blocker!r} is a file")
        inside = next(iter(obstore.list(self.client, self._key(folder, cleaned), chunk_size=1)), [])
        if inside:
            raise ConflictError(f"artifact {cleaned!r} is a folder of other artifacts; choose another name")

    def put(self, folder: Folder, name: str, stream: ByteStream, *, max_bytes: int | None = None) -> Stored:
        cleaned = clean_name(name)
        digest = hashlib.sha256()
        size = 0
        try:
            self._check_shape(folder, cleaned)
            # The writer is fed from this thread (never from inside obstore's runtime, so the
            # stream may itself read from object storage); leaving the block by an exception
            # aborts the upload: no object, no multipart upload left open.
            with obstore.open_writer(self.client, self._key(folder, cleaned), buffer_size=PART,
                                     max_concurrency=CONCURRENCY) as out:
                for block in hashed_blocks(stream, cleaned, max_bytes, digest):
                    out.write(block)
                    size += len(block)
        except RunyardError:
            raise
        except (ObjectStoreError, OSError) as exc:
            raise _unavailable(exc, f"store {cleaned!r}", self.location) from None
        return Stored(cleaned, size, digest.hexdigest())

    def open(self, folder: Folder, name: str) -> ArtifactFile:
        cleaned = clean_name(name)
        key = self._key(folder, cleaned)
        try:
            meta = obstore.head(self.client, key)
        except FileNotFoundError:
            raise NotFoundError(f"no file {cleaned!r:.80} in the artifacts of {folder.kind} {folder.id}") from None
        except (ObjectStoreError, OSError) as exc:
            raise _unavailable(exc, f"read {cleaned!r}", self.location) from None
        return ObjectFile(self, key, cleaned, int(meta["size"]), meta.get("e_tag"))

    def files(self, folder: Folder) -> list[tuple[str, int]]:
        start = len(folder.key) + 1
        try:
            return sorted((meta["path"][start:], int(meta["size"]))
                          for batch in obstore.list(self.client, folder.key) for meta in batch)
        except (ObjectStoreError, OSError) as exc:
            raise _unavailable(exc, f"list {folder.kind} {folder.id}", self.location) from None

    def delete(self, folder: Folder, names: Sequence[str]) -> None:
        keys = [self._key(folder, clean_name(name)) for name in names]
        if not keys:
            return
        try:
            obstore.delete(self.client, keys)  # bulk: up to 1000 keys a request
        except (ObjectStoreError, OSError) as exc:
            raise _unavailable(exc, f"delete from {folder.kind} {folder.id}", self.location) from None

    def remove_folder(self, folder: Folder) -> None:
        self.delete(folder, [name for name, _size in self.files(folder)])

