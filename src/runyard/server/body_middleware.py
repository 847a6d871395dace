"""ASGI middleware: token before body, body size limit, gzip bodies, msgpack bodies for JSON routes.

Every request's body is counted against `max_body_bytes`, whatever its content type and
whether or not it declares a length; only the declared upload routes (`runyard.server.uploads`)
stream, counted against the artifact limit instead. When tokens are required, a request
with a body is answered 401 before a byte of it is read unless its token is valid, so no
anonymous caller can make the server buffer anything.

Routes declare pydantic bodies as usual (documented in OpenAPI, 422 on bad fields); this
layer lets clients send the same bodies as msgpack or gzip. Raw-msgpack routes (the SDK
ingest, which carries binary arrays) are passed through untouched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runyard.errors import InvalidInputError, PayloadTooLargeError, RunyardError
from runyard.jsonenc import json_safe
from runyard.server.bodies import MSGPACK_TYPES, decode
from runyard.server.errors import error_response, status_for

Gate = Callable[[Request], Awaitable[None]]


def _too_large(limit: int, upload: bool) -> PayloadTooLargeError:
    if upload:
        return PayloadTooLargeError(f"artifact is larger than {limit} bytes (max_artifact_bytes)")
    return PayloadTooLargeError(f"request body is larger than {limit} bytes (max_body_bytes)")


class BodyMiddleware:
    """Checks the token and the size of every request body before routing, then normalizes it."""

    def __init__(self, app: ASGIApp, limit: int, is_raw_path: Callable[[str], bool], *,
                 upload_limit: int | None = None, is_upload_path: Callable[[str], bool] = lambda _path: False,
                 gate: Gate | None = None) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = limit if upload_limit is None else upload_limit
        self.is_raw_path = is_raw_path
        self.is_upload_path = is_upload_path
        self.gate = gate  # raises AuthError/ForbiddenError: no valid token for a request with a body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        encoding = headers.get("content-encoding", "").strip().lower()
        declared = headers.get("content-length", "").strip()
        length = int(declared) if declared.isascii() and declared.isdigit() else 0
        has_body = length > 0 or "transfer-encoding" in headers
        upload = self.is_upload_path(scope["path"])
        limit = self.upload_limit if upload else self.limit
        request = Request(scope)
        try:
            if has_body and self.gate is not None:
                await self.gate(request)
            if length > limit:
                raise _too_large(limit, upload)
            if has_body and not upload:
                # Read here, bounded, rather than in the route: FastAPI turns any error raised
                # while it reads a body into a 400, and the routes hold the whole body anyway.
                body = await self._read(receive)
                new_headers, body = self._convert(scope, headers, body, content_type, encoding)
        except RunyardError as exc:
            await error_response(request, status_for(exc), str(exc), headers=exc.headers or None)(scope, receive, send)
            return
        if not has_body or upload:
            # Uploads stream: counted as they arrive, stopped (413) at the artifact limit.
            await self.app(scope, self._limited(receive, limit, upload) if has_body else receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": new_headers}, replay, send)

    def _limited(self, receive: Receive, limit: int, upload: bool) -> Receive:
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Raised inside the route (multipart parser, stream reader): it stops reading
                    # at once and the error handlers answer 413.
                    raise _too_large(limit, upload)
            return message

        return wrapped

    async def _read(self, receive: Receive) -> bytes:
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise InvalidInputError("client disconnected")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                raise _too_large(self.limit, upload=False)
            parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts)

    def _convert(self, scope: Scope, headers: dict[str, str], body: bytes, content_type: str,
                 encoding: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
        converting = encoding not in ("", "identity") or (
            content_type in MSGPACK_TYPES and not self.is_raw_path(scope["path"]))
        if not converting:
            return list(scope["headers"]), body
        if encoding in ("gzip", "x-gzip"):
            import zlib

            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            try:
                body = inflater.decompress(body, self.limit + 1)
            except zlib.error:
                raise InvalidInputError("body is not valid gzip") from None
            if len(body) > self.limit or inflater.unconsumed_tail:
                raise PayloadTooLargeError(f"decompressed body is larger than {self.limit} bytes")
        elif encoding not in ("", "identity"):
            raise InvalidInputError(f"unsupported Content-Encoding {encoding!r}")
        new_type = headers.get("content-type", "application/json")
        if content_type in MSGPACK_TYPES and not self.is_raw_path(scope["path"]):
            # JSON has no NaN/Inf: carry them as the strings the JSON routes accept.
            data: Any = json_safe(decode(body, content_type))
            try:
                body = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
            except TypeError:
                raise InvalidInputError("msgpack body has values JSON cannot carry") from None
            new_type = "application/json"
        kept = [(k, v) for k, v in scope["headers"]
                if k.lower() not in (b"content-length", b"content-encoding", b"content-type")]
        kept += [(b"content-length", str(len(body)).encode()), (b"content-type", new_type.encode())]
        return kept, body
