"""The on-disk spool of a remote run: requests the server has not acknowledged yet, in order.

`<data dir>/spool/<run uid>/` holds `000001.msgpack`, `000002.msgpack`, ... (one request
each, sent in that order), `NNNNNN.blob` copies of artifact files, `owner.json` (which
process, host and server the run belongs to) and `.lock`, held by whoever drains it (the
training process for its lifetime, or `runyard sync`). Every file is written to a temp
name, fsynced and renamed, so a crash leaves either the whole request or none of it; a
request file is deleted only after the server acknowledged it.

A request the server keeps failing on while it answers others (a 500 for one artifact)
is *held*: renamed to `NNNNNN.held` (atomic, its blob stays), out of the line, so the
requests behind it go on; held ones are retried now and then, at `finish()` and by
`runyard sync`, and deleted only once acknowledged (or refused as bad).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import IO, Any

import orjson
import ormsgpack

from runyard.sdk.wire import Request
from runyard.store.liveness import process_alive

SPOOL_DIR_NAME = "spool"
ENTRY_SUFFIX = ".msgpack"
BLOB_SUFFIX = ".blob"
HELD_SUFFIX = ".held"
OWNER_FILE = "owner.json"

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, the owner check remains
    fcntl = None  # type: ignore[assignment]


def spool_root(data_dir: Path) -> Path:
    """Where the spools of a data dir live."""
    return data_dir / SPOOL_DIR_NAME


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be fsynced
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(target: Path, data: bytes | None = None, source: Path | None = None) -> None:
    """Write bytes (or copy a file) to `target` through a temp file, fsync and rename."""
    temp = target.with_name(f".tmp-{target.name}-{os.getpid()}")
    with temp.open("wb") as out:
        if source is not None:
            with source.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
        else:
            out.write(data or b"")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, target)
    _fsync_dir(target.parent)


class Spool:
    """One run's spool directory; one process appends and drains it at a time (see `lock`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.uid = root.name
        self._seqs: list[int] | None = None
        self._held: list[int] = []
        self._lock_file: IO[bytes] | None = None

    @classmethod
    def of_run(cls, data_dir: Path, uid: str) -> Spool:
        """The spool of run `uid` in a data dir (not created yet)."""
        return cls(spool_root(data_dir) / uid)

    def _scan(self, suffix: str) -> list[int]:
        names = os.listdir(self.root) if self.root.is_dir() else []
        return sorted(int(n[: -len(suffix)]) for n in names if n.endswith(suffix) and n[: -len(suffix)].isdigit())

    def _known(self) -> list[int]:
        if self._seqs is None:
            self._seqs = self._scan(ENTRY_SUFFIX)
            self._held = self._scan(HELD_SUFFIX)
        return self._seqs

    def __len__(self) -> int:
        """Requests waiting in line (held ones not counted)."""
        return len(self._known())

    def held(self) -> list[int]:
        """Sequence numbers of the held requests, oldest first."""
        self._known()
        return list(self._held)

    def empty(self) -> bool:
        """Nothing waits, in line or held."""
        return not self._known() and not self._held

    def hold(self, seq: int) -> None:
        """Take a waiting request out of the line (kept, retried apart from the rest)."""
        os.replace(self._entry(seq), self.root / f"{seq:06d}{HELD_SUFFIX}")
        _fsync_dir(self.root)
        self._known().remove(seq)
        self._held.append(seq)
        self._held.sort()

    def seqs(self) -> list[int]:
        """Sequence numbers of the requests waiting, oldest first."""
        return list(self._known())

    def _entry(self, seq: int) -> Path:
        return self.root / f"{seq:06d}{ENTRY_SUFFIX}"

    def append(self, request: Request) -> int:
        """Write a request durably after the ones already waiting; returns its number."""
        self.root.mkdir(parents=True, exist_ok=True)
        known = self._known()
        seq = max(known[-1:] + self._held[-1:] + [0]) + 1  # held ones keep their number and blob
        blob = None
        if request.file is not None:
            blob = f"{seq:06d}{BLOB_SUFFIX}"
            write_atomic(self.root / blob, source=request.file)  # the caller may change the file later
        record = {"v": 1, "kind": request.kind, "path": request.path, "type": request.content_type,
                  "body": request.body, "points": request.points, "blob": blob, "meta": request.meta}
        write_atomic(self._entry(seq), ormsgpack.packb(record))
        known.append(seq)
        return seq

    def read(self, seq: int) -> Request:
        """The request stored as number `seq`."""
        entry = self._entry(seq)
        if seq in self.held():
            entry = self.root / f"{seq:06d}{HELD_SUFFIX}"
        record: dict[str, Any] = ormsgpack.unpackb(entry.read_bytes())
        blob = record.get("blob")
        return Request(record["kind"], record["path"], record.get("body") or b"", record["type"],
                       int(record.get("points") or 0), self.root / blob if blob else None,
                       dict(record.get("meta") or {}))

    def remove(self, seq: int) -> None:
        """Forget an acknowledged request."""
        self._entry(seq).unlink(missing_ok=True)
        (self.root / f"{seq:06d}{HELD_SUFFIX}").unlink(missing_ok=True)
        (self.root / f"{seq:06d}{BLOB_SUFFIX}").unlink(missing_ok=True)
        for seqs in (self._known(), self._held):
            if seq in seqs:
                seqs.remove(seq)

    def write_owner(self, owner: dict[str, Any]) -> None:
        """Record who this spool belongs to (host, pid, server), for `runyard sync`."""
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(self.root / OWNER_FILE, orjson.dumps(owner))

    def owner(self) -> dict[str, Any]:
        """The owner record; empty when missing or unreadable."""
        try:
            data = orjson.loads((self.root / OWNER_FILE).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    def lock(self) -> bool:
        """Take the spool's drain lock without waiting; False when another process holds it."""
        if self._lock_file is not None:
            return True
        self.root.mkdir(parents=True, exist_ok=True)
        handle = (self.root / ".lock").open("ab")
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                return False
        self._lock_file = handle
        self._seqs = None  # rescan: the previous holder may have changed it
        return True

    def unlock(self) -> None:
        """Release the drain lock."""
        if self._lock_file is not None:
            self._lock_file.close()  # closing drops the flock
            self._lock_file = None

    def discard_if_empty(self) -> bool:
        """Remove the directory once nothing waits in it; True when it is gone."""
        if not self.empty() or not self.root.exists():
            return not self.root.exists()
        shutil.rmtree(self.root, ignore_errors=True)
        self.unlock()
        return not self.root.exists()


def owner_alive(owner: dict[str, Any]) -> bool:
    """Whether the process that wrote a spool still runs and has not let go of it."""
    if owner.get("released_at"):
        return False
    return process_alive(str(owner.get("host", "")), int(owner.get("pid") or 0),
                         float(owner.get("pid_started_at") or 0.0))


def find_spools(data_dir: Path) -> list[Spool]:
    """Every run spool in a data dir, oldest run first (uids start with their UTC start time)."""
    root = spool_root(data_dir)
    if not root.is_dir():
        return []
    return [Spool(path) for path in sorted(root.iterdir()) if path.is_dir() and not path.name.startswith(".")]
