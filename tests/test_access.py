"""The one tenant-access rule (runyard.access): refusals per kind, listings, identical 404s."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from runyard import access
from runyard.errors import NotFoundError


@dataclass
class Thing:
    tenant: str
    name: str = "x"


def test_owner_gets_the_object_back() -> None:
    thing = Thing("acme")
    for kind in access.Kind:
        assert access.require(thing, "acme", kind) is thing


def test_every_kind_of_another_tenant_looks_missing() -> None:
    """Issue 12: one rule for every kind, projects and runs included (existence does not leak)."""
    for kind in access.Kind:
        with pytest.raises(NotFoundError) as foreign:
            access.require(Thing("acme"), "evil", kind, "sales")
        # Byte for byte what a name nobody holds gets: the answer tells nothing about the name.
        assert str(foreign.value) == str(access.missing(kind, "sales"))
        with pytest.raises(NotFoundError) as by_owner:
            access.require_tenant("acme", "evil", kind, 7)
        assert str(by_owner.value) == str(access.missing(kind, 7))


def test_missing_projects_and_runs_read_like_the_store() -> None:
    # The store's own words for an id or uid nobody holds: a foreign one must read the same.
    assert str(access.missing(access.Kind.PROJECT, 7)) == "project 7 not found"
    assert str(access.missing(access.Kind.RUN, 7)) == "run 7 not found"
    assert str(access.missing(access.Kind.RUN, "run-x")) == "run 'run-x' not found"


def test_listings_show_only_the_callers_objects_in_order() -> None:
    things = [Thing("a", "1"), Thing("b", "2"), Thing("a", "3")]
    assert [t.name for t in access.visible(things, "a")] == ["1", "3"]
    assert access.visible(things, "c") == []
    assert access.owns("b", things[1]) and not access.owns("b", things[0])
