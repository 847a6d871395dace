"""Request bodies in JSON or msgpack, read with a size limit (BodyMiddleware has inflated gzip)."""

from __future__ import annotations

import json
from typing import Any

import orjson
import ormsgpack
from fastapi import Request

from runyard.errors import InvalidInputError, PayloadTooLargeError

MSGPACK_TYPES = ("application/msgpack", "application/x-msgpack", "application/vnd.msgpack")


async def read_raw(request: Request, limit: int) -> bytes:
    """The body bytes; 413 past `limit`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"request body is larger than {limit} bytes")
        chunks.append(chunk)
    # gzip was inflated (and Content-Encoding dropped) by BodyMiddleware before routing.
    return b"".join(chunks)


def decode(body: bytes, content_type: str) -> Any:
    """JSON (NaN/Infinity literals accepted, as Python's json writes them) or msgpack."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in MSGPACK_TYPES:
        try:
            return ormsgpack.unpackb(body)
        except (ormsgpack.MsgpackDecodeError, ValueError):
            raise InvalidInputError("body is not valid msgpack") from None
    if not body.strip():
        raise InvalidInputError("request body is empty")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        try:
            return json.loads(body)
        except RecursionError:
            raise InvalidInputError("body is nested too deeply") from None
        except (ValueError, UnicodeDecodeError):
            raise InvalidInputError("body is not valid JSON") from None

