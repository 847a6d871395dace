"""runyard.jsonenc: one orjson configuration and one spelling of non-finite floats."""

from __future__ import annotations

import math

import numpy as np
import orjson

from runyard.jsonenc import WORDS, Spelling, dumps, json_float, json_floats, json_safe


def test_dumps_numpy_and_int_keys() -> None:
    assert orjson.loads(dumps({"a": np.arange(3), 1: "x"})) == {"a": [0, 1, 2], "1": "x"}
    assert dumps({"when": object()}, default=lambda _value: "obj") == b'{"when":"obj"}'


def test_json_float_spells_non_finite() -> None:
    assert json_float(1.5) == 1.5
    assert [json_float(v) for v in (math.nan, math.inf, -math.inf)] == ["NaN", "Infinity", "-Infinity"]
    nulls = Spelling(None, None, None)
    assert json_float(math.inf, nulls) is None and json_float(2.0, nulls) == 2.0


def test_json_floats_keeps_finite_arrays() -> None:
    finite = np.array([1.0, 2.0])
    assert json_floats(finite) is finite  # no copy: orjson writes the array itself
    assert json_floats(np.array([1.0, math.nan, -math.inf])) == [1.0, "NaN", "-Infinity"]


def test_json_safe_at_any_depth() -> None:
    value = {"a": [math.nan, {"b": math.inf}], "c": (-math.inf, 1), 3: "x", "d": np.float64(math.nan)}
    assert json_safe(value) == {"a": ["NaN", {"b": "Infinity"}], "c": ["-Infinity", 1], 3: "x", "d": "NaN"}
    assert WORDS.of(math.nan) == "NaN"
