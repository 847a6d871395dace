"""Console capture: tee sys.stdout/sys.stderr into complete lines the flusher ships with metrics."""

from __future__ import annotations

import contextlib
import io
import sys
import threading
import time
from typing import Any, TextIO

from runyard.sdk.buffer import take

MAX_LINE_CHARS = 64 * 1024
MAX_PENDING_LINES = 200_000

LogRecord = tuple[float, str, str]


class LineBuffer:
    """Pending (time, stream, line) tuples; appends never block on I/O."""

    def __init__(self, max_pending: int = MAX_PENDING_LINES) -> None:
        self._lines: list[LogRecord] = []
        self.max_pending = max_pending
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._lines)

    def add(self, stream: str, line: str, when: float | None = None) -> None:
        """Queue one line (dropped and counted once far too many are pending)."""
        if len(self._lines) >= self.max_pending:
            self.dropped += 1
            return
        self._lines.append((time.time() if when is None else when, stream, line))

    def add_text(self, stream: str, text: str) -> None:
        """Queue every line of a block of text."""
        now = time.time()
        for line in text.splitlines():
            self.add(stream, line, now)

    def take(self, limit: int) -> list[LogRecord]:
        """Remove and return up to `limit` of the oldest lines."""
        return take(self._lines, limit)


class TeeStream(io.TextIOBase):
    """Writes through to the original stream and collects complete lines on the side."""

    def __init__(self, original: TextIO, stream: str, lines: LineBuffer) -> None:
        super().__init__()
        self._original = original
        self._stream = stream
        self._lines = lines
        self._partial = ""
        self._lock = threading.RLock()  # re-entrant: a signal handler may print mid-write
        self.capturing = True

    @property
    def original(self) -> TextIO:
        """The stream this tee writes through to."""
        return self._original

    def write(self, s: str) -> int:
        """Write to the original, then remember the text."""
        written = self._original.write(s)
        if self.capturing and s and isinstance(s, str):
            with contextlib.suppress(Exception):  # capture must never break printing
                self._capture(s)
        return len(s) if written is None else written

    def _capture(self, s: str) -> None:
        with self._lock:
            text = self._partial + s
            if "\n" not in s and len(text) <= MAX_LINE_CHARS:
                self._partial = text
                return
            parts = text.split("\n")
            rest = parts.pop()
            now = time.time()
            for part in parts:
                self._lines.add(self._stream, _visible(part), now)
            while len(rest) > MAX_LINE_CHARS:
                self._lines.add(self._stream, rest[:MAX_LINE_CHARS], now)
                rest = rest[MAX_LINE_CHARS:]
            # A carriage return redraws the line (progress bars): only the last state counts.
            self._partial = rest[rest.rindex("\r") + 1 :] if "\r" in rest else rest

    def flush_partial(self) -> None:
        """Queue an unterminated last line, if any."""
        with self._lock:
            if self._partial:
                self._lines.add(self._stream, _visible(self._partial))
                self._partial = ""

    def writelines(self, lines: Any) -> None:
        """Write each string."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Flush the original stream."""
        self._original.flush()

    def isatty(self) -> bool:
        """Whether the original stream is a terminal."""
        return bool(self._original.isatty())

    def fileno(self) -> int:
        """The original stream's file descriptor."""
        return self._original.fileno()

    def readable(self) -> bool:
        """Never readable."""
        return False

    def writable(self) -> bool:
        """Always writable."""
        return True

    def seekable(self) -> bool:
        """Never seekable."""
        return False

    def close(self) -> None:
        """Does not close the original stream (it is not ours)."""
        self.capturing = False

    @property
    def closed(self) -> bool:  # type: ignore[override]
        """Whether the original stream is closed."""
        return bool(self._original.closed)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """The original stream's encoding."""
        return str(getattr(self._original, "encoding", None) or "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        """The original stream's error handler."""
        return getattr(self._original, "errors", None)

    @property
    def newlines(self) -> Any:  # type: ignore[override]
        """The original stream's newlines."""
        return getattr(self._original, "newlines", None)

    @property
    def buffer(self) -> Any:
        """The original binary buffer (writes to it are not captured)."""
        return self._original.buffer

    def __getattr__(self, name: str) -> Any:
        # Anything else (mode, name, line_buffering, reconfigure, ...) is the original's.
        return getattr(self._original, name)


def _visible(line: str) -> str:
    if "\r" in line:
        line = line.rstrip("\r")
        line = line[line.rfind("\r") + 1 :]
    return line


class ConsoleCapture:
    """Installs the tees on sys.stdout/sys.stderr and takes them off again."""

    def __init__(self, lines: LineBuffer) -> None:
        self.lines = lines
        self._tees: dict[str, TeeStream] = {}

    def start(self) -> None:
        """Replace sys.stdout and sys.stderr by tees."""
        for stream in ("stdout", "stderr"):
            current = getattr(sys, stream)
            if current is None:
                continue
            tee = TeeStream(current, stream, self.lines)
            self._tees[stream] = tee
            setattr(sys, stream, tee)

    def stop(self) -> None:
        """Restore the original streams and queue unterminated lines; idempotent."""
        for stream, tee in self._tees.items():
            tee.flush_partial()
            tee.capturing = False
            if getattr(sys, stream) is tee:
                setattr(sys, stream, tee.original)
            # else someone wrapped our tee: leave their wrapper, ours now just passes through.
        self._tees.clear()
