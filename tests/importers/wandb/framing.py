"""A run-log writer of the tests' own, by the LevelDB log rules (the reader under test is not used)."""

from __future__ import annotations

import struct
import zlib

from runyard.importers.wandb.datastore import BLOCK_LEN, FILE_HEADER


def write_log(records: list[bytes]) -> bytes:
    """The run log holding `records`, each split over blocks as needed."""
    out = bytearray(FILE_HEADER)
    for record in records:
        rest, first = record, True
        while True:
            room = BLOCK_LEN - len(out) % BLOCK_LEN
            if room < 7:
                out += bytes(room)
                continue
            piece, rest = rest[:room - 7], rest[room - 7:]
            kind = (1 if not rest else 2) if first else (4 if not rest else 3)
            out += struct.pack("<IHB", zlib.crc32(bytes([kind]) + piece), len(piece), kind) + piece
            first = False
            if not rest:
                break
    return bytes(out)
