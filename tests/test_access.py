"""The one tenant-access rule (runyard.access): refusals per kind, listings, identical 404s."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from runyard import access
from runyard.errors import ForbiddenError, NotFoundError


@dataclass
class Thing:
    tenant: str
    name: str = "x"


def test_owner_gets_the_object_back() -> None:
    thing = Thing("acme")
    for kind in access.Kind:
        assert access.require(thing, "acme", kind) is thing


@pytest.mark.parametrize("kind", [access.Kind.PROJECT, access.Kind.RUN])
def test_projects_and_runs_of_another_tenant_are_403(kind: access.Kind) -> None:
    with pytest.raises(ForbiddenError, match="Tenant access denied"):
        access.require(Thing("acme"), "evil", kind)
    with pytest.raises(ForbiddenError):
        access.require_tenant("acme", "evil", kind)


@pytest.mark.parametrize("kind", [access.Kind.HUB_EXPERIMENT, access.Kind.HUB_MODEL, access.Kind.JUPYTER_SERVER])
def test_self_named_objects_of_another_tenant_look_missing(kind: access.Kind) -> None:
    with pytest.raises(NotFoundError) as foreign:
        access.require(Thing("acme"), "evil", kind, "sales")
    # Byte for byte what a name nobody holds gets: the answer tells nothing about the name.
    assert str(foreign.value) == str(access.missing(kind, "sales"))


def test_listings_show_only_the_callers_objects_in_order() -> None:
    things = [Thing("a", "1"), Thing("b", "2"), Thing("a", "3")]
    assert [t.name for t in access.visible(things, "a")] == ["1", "3"]
    assert access.visible(things, "c") == []
    assert access.owns("b", things[1]) and not access.owns("b", things[0])
