"""Data messages -> frames, and the rules for experiment names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from runyard.errors import InvalidInputError
from runyard.hub import records
from runyard.hub.name_rules import check_name, first_segments


@pytest.mark.parametrize("orient", ["columns", "split", "table", "records"])
def test_decode_pandas_orients(orient: str) -> None:
    frame = pd.DataFrame({"ds": ["2024-01-01", "2024-01-02", "2024-01-03"], "value": [1.5, 2.5, 3.5]})
    decoded = records.decode(frame.to_json(orient=orient).encode())
    assert list(decoded["value"]) == [1.5, 2.5, 3.5]
    assert list(decoded.columns) == ["ds", "value"]


def test_decode_default_to_json_keeps_row_order_past_ten_rows() -> None:
    frame = pd.DataFrame({"value": range(12)})
    assert list(records.decode(frame.to_json().encode())["value"]) == list(range(12))


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b"{}", b'"text"', b'{"a": 1}', b"[[1, 2]]"])
def test_decode_refuses_what_is_not_a_frame(payload: bytes) -> None:
    with pytest.raises(InvalidInputError):
        records.decode(payload)


def test_frames_round_trip_with_dtypes(tmp_path: Path) -> None:
    frame = pd.DataFrame({"ds": pd.date_range("2024-01-01", periods=3, freq="D"), "y": [1, 2, 3]})
    path = tmp_path / "data.json"
    records.write_frame(frame, path)
    back = records.read_frame(path)
    assert back["ds"].dtype.kind == "M" and list(back["y"]) == [1, 2, 3]
    assert records.to_records_json(back).startswith(b'[{"ds":"2024-01-01T00:00:00')
    assert records.combine([]) is None
    combined = records.combine([frame, frame])
    assert combined is not None and len(combined) == 6


@pytest.mark.parametrize("name", ["a", "my_exp-1.2", "X" * 100])
def test_good_names(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["", ".hidden", "a/b", "a b", "x" * 101, "ünï", "api", "docs", "health",
                                  "experiments", "flush", "static", "amq.gen"])
def test_bad_names(name: str) -> None:
    with pytest.raises(InvalidInputError):
        check_name(name)


def test_reserved_from_routes() -> None:
    assert first_segments(["/api/v1/x", "/{name}/train", "/web/api/y", "/"]) == {"api", "web"}
    with pytest.raises(InvalidInputError, match="reserved"):
        check_name("web", {"web"})
