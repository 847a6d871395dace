"""How a run ends on its own: uncaught exceptions, SIGTERM and interpreter exit."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

# end(status, traceback_text) -> False when it could not finish now (already finishing
# further up this same thread's stack, e.g. a signal arrived inside finish()).
EndCallback = Callable[[str, "str | None"], bool]
ExceptHook = Callable[[type[BaseException], BaseException, "TracebackType | None"], Any]
SignalHandler = Callable[[int, "FrameType | None"], Any] | int | None


def exception_status(exc_type: type[BaseException] | None, exc: BaseException | None) -> str:
    """The final status for leaving a run by this exception (None: a normal end)."""
    if exc_type is None:
        return "finished"
    if issubclass(exc_type, KeyboardInterrupt):
        return "killed"
    if issubclass(exc_type, SystemExit):
        code = exc.code if isinstance(exc, SystemExit) else None
        return "finished" if code in (None, 0) else "failed"
    return "failed"


def format_traceback(
    exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None
) -> str:
    """The traceback as the interpreter would print it."""
    return "".join(traceback.format_exception(exc_type, exc, tb))


class Lifecycle:
    """Chains into sys.excepthook, atexit and (main thread only) SIGTERM for one run."""

    def __init__(self, end: EndCallback) -> None:
        self._end = end
        self._active = False
        self._prev_excepthook: ExceptHook | None = None
        self._prev_sigterm: SignalHandler = None
        self._sigterm_installed = False
        self._deferred_signal: int | None = None

    def install(self) -> None:
        """Hook in; SIGTERM only from the main thread and only if it was not ignored."""
        self._active = True
        self._prev_excepthook = sys.excepthook
        sys.excepthook = self._excepthook
        atexit.register(self._atexit)
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGTERM)
            # None: a handler set from C we cannot chain to; SIG_IGN: the process opted out.
            if previous is not None and previous != signal.SIG_IGN:
                self._prev_sigterm = previous
                signal.signal(signal.SIGTERM, self._on_sigterm)
                self._sigterm_installed = True

    def uninstall(self) -> None:
        """Unhook what is still ours; re-raise a SIGTERM that arrived while finishing."""
        self._active = False
        if sys.excepthook == self._excepthook:
            sys.excepthook = self._prev_excepthook or sys.__excepthook__
        atexit.unregister(self._atexit)
        if self._sigterm_installed and threading.current_thread() is threading.main_thread():
            if signal.getsignal(signal.SIGTERM) == self._on_sigterm:
                signal.signal(signal.SIGTERM, self._prev_sigterm)
            self._sigterm_installed = False
        deferred, self._deferred_signal = self._deferred_signal, None
        if deferred is not None:
            self._reraise(deferred, None)

    def _excepthook(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if self._active:
            # Whatever happens here, the original hook below must still report the error.
            with contextlib.suppress(Exception):
                self._end(exception_status(exc_type, exc), format_traceback(exc_type, exc, tb))
        (self._prev_excepthook or sys.__excepthook__)(exc_type, exc, tb)

    def _atexit(self) -> None:
        if self._active:
            self._end("finished", None)

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        if self._active and not self._end("killed", None):
            self._deferred_signal = signum  # finish() is under way below us: it re-raises
            return
        self._reraise(signum, frame)

    def _reraise(self, signum: int, frame: FrameType | None) -> None:
        previous = self._prev_sigterm
        if callable(previous):
            if signal.getsignal(signum) == self._on_sigterm:
                signal.signal(signum, previous)
            previous(signum, frame)
            return
        # Default action: restore it and deliver the signal again, so the process ends
        # with the exit status a SIGTERM gives (the run is already written).
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
