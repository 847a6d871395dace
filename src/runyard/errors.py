"""One error hierarchy for the whole package; each dialect maps these onto its own shape.

Each class carries its HTTP `status` (and the CLI's `exit_code`): the server's handler, the
SDK's refusal table and the CLI derive theirs from here, so a status is decided once.
"""

from __future__ import annotations

from typing import ClassVar


class RunyardError(Exception):
    """Base of every error runyard raises on purpose."""

    status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1
    hint: ClassVar[str] = ""  # what a CLI user can do about it, appended in parentheses

    @property
    def headers(self) -> dict[str, str]:
        """Response headers the answer must carry (Retry-After, WWW-Authenticate, ...)."""
        return {}


class NotFoundError(RunyardError):
    """A project, run, metric key or artifact does not exist."""

    status = 404


class ConflictError(RunyardError):
    """A name is taken or a state change is not allowed."""

    status = 409


class InvalidInputError(RunyardError, ValueError):
    """Input is malformed or out of bounds."""

    status = 400


class PayloadTooLargeError(InvalidInputError):
    """A body, batch or file is over a documented limit."""

    status = 413


class AuthError(RunyardError):
    """Missing or invalid credentials."""

    status = 401

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class ForbiddenError(RunyardError):
    """The caller's tenant may not touch this object, or the server has the feature off."""

    status = 403


class TooManyRequestsError(RunyardError):
    """A limit on concurrent work is reached; `retry_after_s` (when known) says when to try again."""

    status = 429

    def __init__(self, message: str, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    @property
    def headers(self) -> dict[str, str]:
        return {} if self.retry_after_s is None else {"Retry-After": str(self.retry_after_s)}


class DependencyMissingError(RunyardError):
    """An optional dependency this feature needs is not installed (the message says what to install)."""

    status = 501


class ServiceUnavailableError(RunyardError):
    """A service this request needs is down or stopping: try again later."""

    status = 503


class StoreError(RunyardError):
    """The store cannot be opened or written (bad data dir, disk full, ...)."""


class InsufficientStorageError(StoreError):
    """The disk (or a file size limit) has no room for what was sent."""

    status = 507


class ReadOnlyError(StoreError):
    """The data dir is open read-only (no write access to it): reads work, every write is refused."""

    status = 405
    hint = "give this process write access to the data dir, or read only"

    @property
    def headers(self) -> dict[str, str]:
        """What still works on a read-only data dir."""
        return {"Allow": "GET, HEAD"}


class StoreUnavailableError(StoreError, ServiceUnavailableError):
    """The database server cannot be reached (down, restarting, connection lost mid-commit): try again later."""

    status = 503


class SchemaTooNewError(StoreError):
    """The data dir was written by a newer runyard than this one."""

    hint = "upgrade runyard to read this data dir"


def by_status() -> dict[int, type[RunyardError]]:
    """Each status to the class of this module that first takes it (its parent has another).

    What a client raises for an answer with that status: `PayloadTooLargeError` for 413,
    `InvalidInputError` (not a subclass of it) for 400.
    """
    found: dict[int, type[RunyardError]] = {}
    todo: list[type[RunyardError]] = [RunyardError]
    while todo:
        cls = todo.pop(0)
        todo.extend(sub for sub in cls.__subclasses__() if sub.__module__ == __name__)
        if any(getattr(base, "status", None) == cls.status for base in cls.__bases__):
            continue  # inherits its parent's status
        if found.setdefault(cls.status, cls) is not cls:
            raise TypeError(f"{found[cls.status].__name__} and {cls.__name__} both take status {cls.status}")
    return found
