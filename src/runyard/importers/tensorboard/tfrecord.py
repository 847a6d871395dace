"""TFRecord framing of TensorBoard event files: each record is

    uint64 length | uint32 masked_crc32c(length) | data[length] | uint32 masked_crc32c(data)

(little-endian). A writer that is still running (or was killed) can leave a partial record at the
end of the file; TensorBoard waits for the rest, so a truncated tail is read as the end of the
file. A checksum that does not match means a damaged file: that is an error naming the file and
the record's offset, never a silently wrong value.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

from runyard.errors import InvalidInputError

_HEADER = struct.Struct("<QI")
_FOOTER = struct.Struct("<I")
_MASK_DELTA = 0xA282EAD8


def _crc32c_table() -> tuple[int, ...]:
    # Castagnoli polynomial, reflected (zlib's crc32 uses another polynomial, so it cannot serve).
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C of `data` (pure Python: event records are short, and no extra dependency is needed)."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """The checksum as TFRecord stores it (rotated and offset, so a CRC of CRCs is not trivial)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def read_records(path: Path) -> Iterator[bytes]:
    """The data of each complete record in `path`, in file order."""
    content = path.read_bytes()
    offset, end = 0, len(content)
    while end - offset >= _HEADER.size:
        length, length_crc = _HEADER.unpack_from(content, offset)
        if masked_crc32c(content[offset:offset + 8]) != length_crc:
            raise InvalidInputError(f"{path}: damaged TFRecord header at byte {offset} (checksum mismatch)")
        data_start = offset + _HEADER.size
        data_end = data_start + length
        if data_end + _FOOTER.size > end:
            return  # partial last record: the writer had not finished it
        data = content[data_start:data_end]
        (data_crc,) = _FOOTER.unpack_from(content, data_end)
        if masked_crc32c(data) != data_crc:
            raise InvalidInputError(f"{path}: damaged TFRecord record at byte {offset} (checksum mismatch)")
        yield data
        offset = data_end + _FOOTER.size
