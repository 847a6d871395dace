"""ASGI middleware: body size limit, gzip request bodies, and msgpack bodies for JSON routes.

Routes declare pydantic bodies as usual (documented in OpenAPI, 422 on bad fields); this
layer lets clients send the same bodies as msgpack or gzip. Raw-msgpack routes (the SDK
ingest, which carries binary arrays) are passed through untouched. Multipart uploads and
raw `application/octet-stream` uploads to those routes stream through; their size is
checked where the file is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runyard.errors import InvalidInputError, PayloadTooLargeError, RunyardError
from runyard.server.bodies import MSGPACK_TYPES, decode
from runyard.server.errors import error_response, status_for


class BodyMiddleware:
    """Normalizes request bodies before routing."""

    def __init__(self, app: ASGIApp, limit: int, is_raw_path: Callable[[str], bool]) -> None:
        self.app = app
        self.limit = limit
        self.is_raw_path = is_raw_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = {key.decode().lower(): value.decode() for key, value in scope["headers"]}
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        encoding = headers.get("content-encoding", "").strip().lower()
        if content_type.startswith("multipart/") or (
            content_type == "application/octet-stream" and self.is_raw_path(scope["path"])
        ):
            # Uploads stream through; the route checks their size against the artifact limit.
            await self.app(scope, receive, send)
            return
        try:
            length = int(headers.get("content-length", "0") or 0)
        except ValueError:
            length = 0
        try:
            if length > self.limit:
                raise PayloadTooLargeError(f"request body is larger than {self.limit} bytes")
            converting = encoding not in ("", "identity") or (
                content_type in MSGPACK_TYPES and not self.is_raw_path(scope["path"])
            )
            if not converting:
                await self.app(scope, self._limited(receive), send)
                return
            body = await self._read(receive)
            new_headers, body = self._convert(scope, headers, body, content_type, encoding)
        except RunyardError as exc:
            response = error_response(Request(scope), status_for(exc), str(exc))
            await response(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": new_headers}, replay, send)

    def _limited(self, receive: Receive) -> Receive:
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise PayloadTooLargeError(f"request body is larger than {self.limit} bytes")
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
                raise PayloadTooLargeError(f"request body is larger than {self.limit} bytes")
            parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts)

    def _convert(self, scope: Scope, headers: dict[str, str], body: bytes, content_type: str,
                 encoding: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
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
            data: Any = _explicit_non_finite(decode(body, content_type))
            try:
                body = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
            except TypeError:
                raise InvalidInputError("msgpack body has values JSON cannot carry") from None
            new_type = "application/json"
        kept = [(k, v) for k, v in scope["headers"]
                if k.lower() not in (b"content-length", b"content-encoding", b"content-type")]
        kept += [(b"content-length", str(len(body)).encode()), (b"content-type", new_type.encode())]
        return kept, body


def _explicit_non_finite(value: Any) -> Any:
    """JSON has no NaN/Inf: carry them as the strings the JSON routes accept."""
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, dict):
        return {key: _explicit_non_finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_explicit_non_finite(item) for item in value]
    return value
