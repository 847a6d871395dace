"""Turn the errors a user can hit into one `runyard: error: ...` line and an exit code."""

from __future__ import annotations

import errno

import typer

from runyard.errors import RunyardError

EXIT_ERROR = 1
EXIT_USAGE = 2


def describe(exc: BaseException) -> tuple[str, int] | None:
    """The message and exit code for an expected error; None for a bug (let it raise)."""
    if isinstance(exc, typer.TyperException):
        # Click's usage errors (exit code 2) and other click exceptions.
        code = int(getattr(exc, "exit_code", EXIT_ERROR))
        message = exc.format_message()
        if not message:  # a group called without a subcommand: click printed its help already
            return "", code
        if code == EXIT_USAGE:
            ctx = getattr(exc, "ctx", None)
            command = getattr(ctx, "command_path", None) or "runyard"
            message = f"{message.rstrip('.')} (see '{command} --help')"
        return message, code
    if isinstance(exc, typer.Abort):
        return "aborted", EXIT_ERROR
    if isinstance(exc, RunyardError):
        # The class decides the exit code and any hint; the store turns its backend's errors into these.
        message = str(exc) or type(exc).__name__
        return (f"{message} ({exc.hint})" if exc.hint else message), exc.exit_code
    if isinstance(exc, OSError):
        return _os_message(exc), EXIT_ERROR
    return None


def _os_message(exc: OSError) -> str:
    where = f": {exc.filename}" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return f"disk full: no space left on device{where}"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied{where} ({exc.strerror or exc})"
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{reason}{where}"
