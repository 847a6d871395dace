"""The SDK's HTTP client: one attempt or a few with backoff, answers sorted into three outcomes.

A 2xx is an acknowledgement (the server committed). Connection errors, timeouts, 5xx, 408
and 429 raise `Unavailable`: try again later, the data is fine. Any other 4xx raises the
runyard error of its status (`InvalidInputError`, `NotFoundError`, `ConflictError`,
`AuthError`, `ForbiddenError`, `PayloadTooLargeError`): sending it again will not help.

`Unavailable.suspect` tells a server that is down or busy (connect errors, 429, 502-504:
not this request's fault) from one that answered and failed on this very request (500,
507, 408, a connection broken mid-request): the caller may set such a request aside.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson

from runyard.errors import InvalidInputError, RunyardError, by_status
from runyard.http_detail import answer_detail
from runyard.sdk.wire import OCTETS, Request

BLOCK = 1 << 20
RETRY_STATUSES = frozenset({408, 429})
SERVER_WIDE = frozenset({429, 502, 503, 504})  # overload or a proxy without its server: any request fails
UNREACHABLE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# A refusal raises the class that takes its status (runyard.errors); 422 is FastAPI's bad input.
REFUSALS: dict[int, type[RunyardError]] = {
    **{status: cls for status, cls in by_status().items() if 400 <= status < 500 and status not in RETRY_STATUSES},
    422: InvalidInputError,
}


class Unavailable(Exception):
    """The server could not be reached, or asked to be tried again later."""

    def __init__(self, message: str, *, suspect: bool = False) -> None:
        super().__init__(message)
        self.suspect = suspect  # the server is up but failed on this request: it may fail it again


class _Late(Exception):
    """The caller's deadline passed while a file was still uploading."""


def _blocks(path: Path, deadline: float | None) -> Iterator[bytes]:
    with path.open("rb") as stream:
        while block := stream.read(BLOCK):
            if deadline is not None and time.monotonic() > deadline:
                raise _Late
            yield block


class IngestClient:
    """Talks to one server's `/api/v1/sdk` routes; thread-safe (httpx.Client is)."""

    def __init__(self, server: str, token: str | None = None, *, timeout: float = 30.0,
                 connect_timeout: float = 3.0) -> None:
        from runyard import __version__

        self.server = server.rstrip("/")
        headers = {"User-Agent": f"runyard-sdk/{__version__}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout
        self._http = httpx.Client(
            base_url=self.server,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            trust_env=False,  # a proxy from the environment must not see training traffic by surprise
        )

    def send(self, request: Request, deadline: float | None = None) -> dict[str, Any]:
        """One attempt: the decoded answer, or `Unavailable`, or the refusal as a runyard error.

        With a `deadline` (monotonic), the attempt is abandoned (`Unavailable`) once it passes.
        """
        timeout: float | httpx.Timeout = httpx.USE_CLIENT_DEFAULT  # type: ignore[assignment]
        if deadline is not None:
            timeout = max(0.05, min(self.timeout, deadline - time.monotonic()))
        try:
            if request.file is not None:
                size = request.file.stat().st_size
                response = self._http.post(request.path, content=_blocks(request.file, deadline), timeout=timeout,
                                           headers={"Content-Type": OCTETS, "Content-Length": str(size)})
            else:
                response = self._http.post(request.path, content=request.body, timeout=timeout,
                                           headers={"Content-Type": request.content_type})
        except _Late as exc:
            raise Unavailable(f"{request.kind} to {self.server} not done in time") from exc
        except httpx.TransportError as exc:
            raise Unavailable(f"cannot reach {self.server}: {exc!r}",
                              suspect=not isinstance(exc, UNREACHABLE)) from exc
        status = response.status_code
        if status < 300:
            try:
                answer = orjson.loads(response.content) if response.content else {}
            except orjson.JSONDecodeError:
                answer = {}
            return answer if isinstance(answer, dict) else {"answer": answer}
        if status >= 500 or status in RETRY_STATUSES:
            raise Unavailable(f"{self.server} answered {status} to {request.kind}: {answer_detail(response)}",
                              suspect=status not in SERVER_WIDE)
        raise REFUSALS.get(status, InvalidInputError)(f"server refused {request.kind} ({status}): {answer_detail(response)}")

    def send_retrying(self, request: Request, *, attempts: int = 3, first_delay: float = 0.2) -> dict[str, Any]:
        """`send` with exponential backoff between attempts; `Unavailable` after the last.

        It is `suspect` only when every attempt was (a server restarting mid-way is not).
        """
        delay = first_delay
        suspect = True
        for attempt in range(attempts):
            try:
                return self.send(request)
            except Unavailable as exc:
                suspect = suspect and exc.suspect
                if attempt == attempts - 1:
                    exc.suspect = suspect
                    raise
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()
