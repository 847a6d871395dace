"""Protocol-buffer wire format, decoded field by field: enough to read TensorBoard's Event messages
without the protobuf runtime or generated classes (nothing in the file becomes code)."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from runyard.errors import InvalidInputError

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
Field = tuple[int, int, int | bytes]  # (field number, wire type, int for varints else raw bytes)


class WireError(InvalidInputError):
    """A message that does not follow the protobuf wire format."""


def _varint(data: bytes, offset: int) -> tuple[int, int]:
    result, shift = 0, 0
    while True:
        if offset >= len(data) or shift > 63:
            raise WireError("truncated or overlong varint")
        byte = data[offset]
        offset += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, offset
        shift += 7


def fields(data: bytes) -> Iterator[Field]:
    """Every field of one message, in wire order."""
    offset = 0
    while offset < len(data):
        key, offset = _varint(data, offset)
        number, wire_type = key >> 3, key & 7
        value: int | bytes
        if wire_type == VARINT:
            value, offset = _varint(data, offset)
        elif wire_type in (FIXED64, FIXED32):
            size = 8 if wire_type == FIXED64 else 4
            value, offset = data[offset:offset + size], offset + size
            if len(value) != size:
                raise WireError("truncated fixed-width field")
        elif wire_type == LENGTH:
            size, offset = _varint(data, offset)
            value, offset = data[offset:offset + size], offset + size
            if len(value) != size:
                raise WireError("truncated length-delimited field")
        else:
            raise WireError(f"unsupported wire type {wire_type}")
        yield number, wire_type, value


def as_double(raw: int | bytes) -> float:
    """A `double` field (fixed64)."""
    if not isinstance(raw, bytes) or len(raw) != 8:
        raise WireError("expected a double")
    return float(struct.unpack("<d", raw)[0])


def as_float(raw: int | bytes) -> float:
    """A `float` field (fixed32), widened exactly to a Python float."""
    if not isinstance(raw, bytes) or len(raw) != 4:
        raise WireError("expected a float")
    return float(struct.unpack("<f", raw)[0])


def as_int64(raw: int | bytes) -> int:
    """An `int64` varint (two's complement: negative numbers arrive as 64-bit unsigned)."""
    if not isinstance(raw, int):
        raise WireError("expected a varint")
    return raw - (1 << 64) if raw >= 1 << 63 else raw


def as_bytes(raw: int | bytes) -> bytes:
    """A length-delimited field (string, bytes or a nested message)."""
    if not isinstance(raw, bytes):
        raise WireError("expected a length-delimited field")
    return raw
