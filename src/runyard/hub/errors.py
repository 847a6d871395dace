"""Hub failures that are neither bad input nor a missing object; each carries its HTTP status."""

from __future__ import annotations

from runyard.errors import (
    DependencyMissingError,
    ForbiddenError,
    RunyardError,
    ServiceUnavailableError,
    TooManyRequestsError,
)


class DatastreamError(ServiceUnavailableError):
    """The data queue backend (RabbitMQ) cannot be reached or refused the operation: 503."""


class HubTimeoutError(RunyardError):
    """A training or prediction did not end within `hub_wait_s`: 504."""

    status = 504


class HubUnavailableError(DependencyMissingError):
    """The hub's optional dependencies (pandas, ...) are not installed: 501."""


class HubBusyError(TooManyRequestsError):
    """As many hub jobs run as the server or the tenant may run at once: 429 with Retry-After."""

    def __init__(self, message: str, retry_after_s: int = 5) -> None:
        super().__init__(message, retry_after_s)


class UntrustedModelError(ForbiddenError):
    """A run's model was not written by a hub job, or changed since: never loaded (403)."""
