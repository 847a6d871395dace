"""Value, key and step checks of the log() slow path."""

from __future__ import annotations

import argparse
import dataclasses
import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from runyard.sdk.values import check_key, check_step, coerce_record, coerce_value, config_dict
from tests.sdk.helpers import FakeTensor


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.5, 1.5),
        (3, 3),
        (True, 1.0),
        (False, 0.0),
        (np.float32(0.25), 0.25),
        (np.float64(2.5), 2.5),
        (np.int64(7), 7.0),
        (np.uint8(255), 255.0),
        (np.bool_(True), 1.0),
        (np.array(4.5), 4.5),
        (np.array([6.0]), 6.0),
        (np.array([[8]], dtype=np.int32), 8.0),
        (FakeTensor(0.125), 0.125),
        (Fraction(1, 4), 0.25),
        (10**400, math.inf),
        (-(10**400), -math.inf),
    ],
)
def test_coerce_value_accepts_scalars(value: Any, expected: float) -> None:
    got = coerce_value("k", value)
    assert got == expected
    assert type(got) in (float, int)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("1.0", "str"),
        (None, "NoneType"),
        (1 + 2j, "complex"),
        ([1.0], "list"),
        (np.array([1.0, 2.0]), "2 elements"),
        (FakeTensor(1.0, 2.0), "2 elements"),
        (np.array("x"), "str"),
        (object(), "object"),
    ],
)
def test_coerce_value_rejects_non_numbers(value: Any, fragment: str) -> None:
    with pytest.raises(TypeError, match="key 'loss'") as info:
        coerce_value("loss", value)
    assert fragment in str(info.value)


def test_nan_and_inf_pass_unchanged() -> None:
    assert math.isnan(coerce_value("k", np.float32("nan")))
    assert coerce_value("k", np.float64("-inf")) == -math.inf


def test_coerce_record_checks_keys() -> None:
    assert coerce_record({"a": np.float32(1.0), "b": 2}) == {"a": 1.0, "b": 2}
    with pytest.raises(TypeError, match="keys must be strings"):
        coerce_record({1: 1.0})
    with pytest.raises(ValueError, match="must not be empty"):
        coerce_record({"": 1.0})


def test_check_key() -> None:
    assert check_key("train/loss") == "train/loss"
    with pytest.raises(TypeError):
        check_key(("a",))


@pytest.mark.parametrize("step", [0, 5, np.int64(9), np.uint16(3)])
def test_check_step_accepts_ints(step: Any) -> None:
    assert check_step(step) == int(step)


@pytest.mark.parametrize(("step", "error"), [(1.0, TypeError), (True, TypeError), ("3", TypeError), (-1, ValueError), (2**63, ValueError)])
def test_check_step_rejects(step: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        check_step(step)


def test_config_dict_shapes() -> None:
    @dataclasses.dataclass
    class Cfg:
        lr: float = 0.1
        layers: tuple[int, ...] = (1, 2)

    assert config_dict(Cfg()) == {"lr": 0.1, "layers": [1, 2]}
    assert config_dict(argparse.Namespace(a=1, b="x")) == {"a": 1, "b": "x"}
    assert config_dict({"arr": np.arange(3), "x": np.float32(0.5), "p": object})["arr"] == [0, 1, 2]
    assert config_dict(None) == {}
    with pytest.raises(TypeError):
        config_dict(3)
