"""The run-log framing against logs written here by the LevelDB log rules (a writer of the test's own):
records split over blocks (FIRST, MIDDLE..., LAST), a block's short tail padded with zeros,
an empty FIRST chunk filling a block's last 7 bytes, a record ending exactly at a block's end,
and a cut-short tail."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from runyard.errors import InvalidInputError
from runyard.importers.wandb.datastore import BLOCK_LEN, FILE_HEADER, read_records
from tests.importers.wandb.framing import write_log


@pytest.mark.parametrize("sizes", [
    [100, 3 * BLOCK_LEN, 5],  # FIRST, two MIDDLEs, LAST
    [BLOCK_LEN - 17, 10, 20],  # after the first, 3 bytes are left: zero padding, then the next block
    [BLOCK_LEN - 21, 30],  # 7 bytes are left: an empty FIRST chunk fills them
    [BLOCK_LEN - 14, 0, 1],  # the first ends exactly at the block's end
    [0, 1, BLOCK_LEN - 7, 2 * BLOCK_LEN - 14],
])
def test_records_come_back_whole(tmp_path: Path, sizes: list[int]) -> None:
    records = [bytes([index % 251]) * size for index, size in enumerate(sizes)]
    log = tmp_path / "run-x.wandb"
    log.write_bytes(write_log(records))
    assert list(read_records(log)) == records
    log.write_bytes(write_log(records)[:-1])  # the last record cut short: read up to it
    assert list(read_records(log)) == records[:-1]


def test_chunks_out_of_sequence_are_refused(tmp_path: Path) -> None:
    log = tmp_path / "run-x.wandb"
    last_only = struct.pack("<IHB", zlib.crc32(b"\x04abc"), 3, 4) + b"abc"
    log.write_bytes(FILE_HEADER + last_only)
    with pytest.raises(InvalidInputError, match="out of sequence"):
        list(read_records(log))
