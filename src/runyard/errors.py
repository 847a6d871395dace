"""One error hierarchy for the whole package; each dialect maps these onto its own shape."""

from __future__ import annotations


class RunyardError(Exception):
    """Base of every error runyard raises on purpose."""


class NotFoundError(RunyardError):
    """A project, run, metric key or artifact does not exist."""


class ConflictError(RunyardError):
    """A name is taken or a state change is not allowed."""


class InvalidInputError(RunyardError, ValueError):
    """Input is malformed or out of bounds."""


class PayloadTooLargeError(InvalidInputError):
    """A body, batch or file is over a documented limit."""


class AuthError(RunyardError):
    """Missing or invalid credentials."""


class ForbiddenError(RunyardError):
    """The caller's tenant may not touch this object."""


class StoreError(RunyardError):
    """The store cannot be opened or written (bad data dir, disk full, ...)."""


class InsufficientStorageError(StoreError):
    """The disk (or a file size limit) has no room for what was sent."""


class SchemaTooNewError(StoreError):
    """The data dir was written by a newer runyard than this one."""
