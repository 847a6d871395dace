"""The framing of a W&B run log (`run-<id>.wandb`): LevelDB's log format behind a 7-byte file header.

    header := ":W&B" | uint16 magic 0xBEE1 | uint8 version 0
    then 32 KiB blocks; each chunk: uint32 crc | uint16 length | uint8 type | data[length]

(little-endian). A record larger than what is left of its block is split into FIRST, MIDDLE...,
LAST chunks; a block's last 6 or fewer bytes are zero padding. Unlike LevelDB, W&B's checksum is
zlib's CRC-32 (not CRC-32C) of the type byte followed by the data (checked against files written
by wandb 0.31's wandb-core). A run that is still writing, or was killed, can end in a partial
chunk: like W&B's own reader, that is the end of the log. A checksum that does not match is a
damaged file: an error naming the file and the byte offset, never a silently wrong record.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

from runyard.errors import InvalidInputError

FILE_HEADER = b":W&B" + struct.pack("<HB", 0xBEE1, 0)
BLOCK_LEN = 32768
_CHUNK = struct.Struct("<IHB")
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
# The checksum of each chunk type's byte, to continue over its data.
_TYPE_CRC = {kind: zlib.crc32(bytes([kind])) for kind in (FULL, FIRST, MIDDLE, LAST)}


def read_records(path: Path) -> Iterator[bytes]:
    """Each complete record of the run log `path` (one serialized `Record` message), in file order."""
    content = path.read_bytes()
    if not content.startswith(FILE_HEADER):
        raise InvalidInputError(f"{path}: not a W&B run log (no ':W&B' header of format version 0)")
    offset, end = len(FILE_HEADER), len(content)
    pending: list[bytes] = []
    while True:
        left_in_block = BLOCK_LEN - offset % BLOCK_LEN
        if left_in_block < _CHUNK.size:
            offset += left_in_block  # block trailer
            continue
        if end - offset < _CHUNK.size:
            return
        crc, length, kind = _CHUNK.unpack_from(content, offset)
        if crc == length == kind == 0:
            return  # zero fill after the last chunk: nothing more was written
        data = content[offset + _CHUNK.size:offset + _CHUNK.size + length]
        if len(data) < length:
            return  # partial last chunk: the writer had not finished it
        if kind not in _TYPE_CRC or zlib.crc32(data, _TYPE_CRC[kind]) != crc:
            raise InvalidInputError(f"{path}: damaged W&B run log at byte {offset} (checksum mismatch)")
        if (kind in (FULL, FIRST)) == bool(pending):
            raise InvalidInputError(f"{path}: damaged W&B run log at byte {offset} (chunk out of sequence)")
        pending.append(data)
        offset += _CHUNK.size + length
        if kind in (FULL, LAST):
            yield b"".join(pending)
            pending = []
