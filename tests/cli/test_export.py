"""`runyard export`: every format read back and compared exactly with the stored series."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tests.cli.conftest import Invoke
from tests.cli.helpers import Sample, assert_one_line_error, expected_column

KEYS = ["acc", "loss", "lr"]
SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def check_frame(frame: pl.DataFrame, sample: Sample, keys: list[str] = KEYS) -> None:
    """The exported table equals the stored series bit for bit, nulls where a key has no point."""
    assert frame.columns == ["step", *keys]
    steps = frame["step"].to_numpy()
    assert steps.tolist() == list(range(11))
    for key in keys:
        want, present = expected_column(sample.series["baseline"][key], steps)
        assert frame[key].is_null().to_numpy().tolist() == (~present).tolist(), key
        assert frame[key].to_numpy()[present].tobytes() == want[present].tobytes(), key


def from_json(value: object) -> float | None:
    if isinstance(value, str):
        return SPECIAL[value]
    assert value is None or isinstance(value, (int, float))
    return None if value is None else float(value)


def test_export_csv(cli: Invoke, sample: Sample, tmp_path: Path) -> None:
    out = tmp_path / "run.csv"
    result = cli("export", "vision/baseline", "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote 11 steps x 3 keys" in result.stderr
    frame = pl.read_csv(out, schema={"step": pl.Int64, **{k: pl.Float64 for k in KEYS}})
    check_frame(frame, sample)


def test_export_parquet(cli: Invoke, sample: Sample, tmp_path: Path) -> None:
    out = tmp_path / "run.parquet"
    result = cli("export", sample.uids["baseline"], "--format", "parquet", "-o", str(out))
    assert result.exit_code == 0, result.output
    frame = pl.read_parquet(out)
    assert frame.schema == pl.Schema({"step": pl.Int64, **{k: pl.Float64 for k in KEYS}})
    check_frame(frame, sample)


def test_export_json_records(cli: Invoke, sample: Sample, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    result = cli("export", "vision/baseline", "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.output
    records = json.loads(out.read_text())
    assert records[3] == {"step": 3, "acc": None, "loss": "NaN", "lr": None}
    assert records[4]["loss"] == "Infinity" and records[5]["loss"] == "-Infinity"
    frame = pl.DataFrame(
        {
            "step": pl.Series([r["step"] for r in records], dtype=pl.Int64),
            **{k: pl.Series([from_json(r[k]) for r in records], dtype=pl.Float64) for k in KEYS},
        }
    )
    check_frame(frame, sample)


def test_export_json_columns_to_stdout(cli: Invoke, sample: Sample) -> None:
    result = cli("export", "vision/baseline", "-F", "json", "--orient", "columns", "-o", "-")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["step", *KEYS]
    assert data["loss"][3:6] == ["NaN", "Infinity", "-Infinity"]
    frame = pl.DataFrame(
        {
            "step": pl.Series(data["step"], dtype=pl.Int64),
            **{k: pl.Series([from_json(v) for v in data[k]], dtype=pl.Float64) for k in KEYS},
        }
    )
    check_frame(frame, sample)


def test_export_finite_columns_json(cli: Invoke, sample: Sample) -> None:
    data = json.loads(cli("export", "vision/fast", "-F", "json", "--orient", "columns", "-o", "-").stdout)
    assert data == {"step": [0, 1, 2], "acc": [None, None, 0.95], "loss": [1.0, 0.5, 0.2]}


def test_export_keys_and_csv_stdout(cli: Invoke, sample: Sample) -> None:
    result = cli("export", "vision/baseline", "--keys", "loss,acc", "-o", "-")
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(io.StringIO(result.stdout), schema_overrides={"loss": pl.Float64, "acc": pl.Float64})
    check_frame(frame, sample, ["loss", "acc"])


def test_export_default_file_name(cli: Invoke, sample: Sample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("export", "vision/fast", "--format", "parquet")
    assert result.exit_code == 0, result.output
    frame = pl.read_parquet(tmp_path / "vision_fast.parquet")
    assert frame["loss"].to_list() == [1.0, 0.5, 0.2]
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["vision/baseline", "--keys", "nope"], "has no metric 'nope'"),
        (["vision/baseline", "--format", "xlsx"], "unknown export format 'xlsx'"),
        (["vision/baseline", "-F", "json", "--orient", "rows"], "unknown JSON orient 'rows'"),
        (["vision/baseline", "-F", "parquet", "-o", "-"], "parquet cannot go to stdout"),
        (["vision/nope"], "run 'nope' not found in project 'vision'"),
    ],
)
def test_export_errors(cli: Invoke, args: list[str], message: str) -> None:
    assert message in assert_one_line_error(cli("export", *args))


def test_export_big_run_matches_store(cli: Invoke, tmp_path: Path) -> None:
    from runyard.store import MetricColumns, open_store

    n = 200_000
    rng = np.random.default_rng(0)
    values = rng.normal(size=n)
    values[rng.integers(0, n, 50)] = np.nan
    finite = rng.normal(size=n) * 1e-3
    with open_store(tmp_path / "big") as store:
        run = store.create_run(store.create_project("big").id, name="r")
        steps = np.arange(n, dtype=np.int64)
        store.append_metrics(run.id, {
            "x": MetricColumns(steps, values, steps * 0.01),
            "y": MetricColumns(steps, finite, steps * 0.01),  # no NaN/null: the numpy fast path
        })
    out = tmp_path / "big.parquet"
    result = cli("export", "big/r", "-F", "parquet", "-o", str(out), dir=tmp_path / "big")
    assert result.exit_code == 0, result.output
    frame = pl.read_parquet(out)
    assert frame["x"].to_numpy().tobytes() == values.tobytes()
    result = cli("export", "big/r", "-F", "json", "--orient", "columns", "-o", "-",
                 dir=tmp_path / "big")
    data = json.loads(result.stdout)
    assert data["step"] == list(range(n))
    got = np.array([from_json(v) for v in data["x"]], dtype=np.float64)
    assert got.tobytes() == values.tobytes()
    assert np.array(data["y"], dtype=np.float64).tobytes() == finite.tobytes()
