"""runyard.server.listparams: the one comma-list parser."""

from __future__ import annotations

import pytest

from runyard.errors import InvalidInputError
from runyard.server import listparams


def test_items() -> None:
    assert listparams.items(None) is None
    assert listparams.items("") == [] and listparams.items(" , ,") == []
    assert listparams.items(" b, a ,b,,c ") == ["b", "a", "c"]
    assert listparams.items(" a, a", strip=False) == [" a"]


def test_untrimmed_keys_stay_as_sent() -> None:
    assert listparams.bounded(" loss,loss", "keys", 5, required=False, strip=False) == [" loss", "loss"]


def test_bounded() -> None:
    assert listparams.bounded("a,b,a", "runs", 3) == ["a", "b"]
    with pytest.raises(InvalidInputError, match="No runs specified"):
        listparams.bounded(None, "runs", 3)
    assert listparams.bounded(None, "runs", 3, required=False) == []
    with pytest.raises(InvalidInputError, match=r"Too many runs: 4 \(max: 3\)"):
        listparams.bounded("a,a,a,a", "runs", 3)  # repeats count: the client did send them


def test_ids() -> None:
    assert listparams.ids("3, 1,3", "runs", 5) == [3, 1]
    assert listparams.ids("", "runs", 5) == []
    for junk in ("x", "1,-2", "²", "1" * 19):
        with pytest.raises(InvalidInputError, match="comma-separated ids"):
            listparams.ids(junk, "runs", 5)
