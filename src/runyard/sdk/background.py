"""The lifecycle every SDK background thread shares: a daemon loop started once, stopped on demand."""

from __future__ import annotations

import abc
import threading


class BackgroundLoop(abc.ABC):
    """Runs `_loop` on a daemon thread (it never keeps the process alive) until `stop()`.

    `_loop` ends when `_stop` is set; a loop that waits on another event passes it as
    `wake`, which `stop()` sets too, so stopping does not sit out a whole wait.
    """

    def __init__(self, name: str, wake: threading.Event | None = None) -> None:
        self._stop = threading.Event()
        self._wake = wake
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    @abc.abstractmethod
    def _loop(self) -> None:
        """The thread's body; returns once `_stop` is set."""

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    @property
    def alive(self) -> bool:
        """Whether the thread runs."""
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to exit and wait (at most `timeout`) for it; idempotent.

        Called from the thread itself (e.g. a callback ending the run) it only asks: a
        thread cannot join itself.
        """
        self._stop.set()
        if self._wake is not None:
            self._wake.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
