"""Hub failures that are neither bad input nor a missing object; the server maps them to 5xx."""

from __future__ import annotations

from runyard.errors import RunyardError


class DatastreamError(RunyardError):
    """The data queue backend (RabbitMQ) cannot be reached or refused the operation: 503."""


class HubTimeoutError(RunyardError):
    """A training or prediction did not end within `hub_wait_s`: 504."""


class HubUnavailableError(RunyardError):
    """The hub's optional dependencies (pandas, ...) are not installed: 501."""
