"""The one resolver of projects and runs (runyard.lookup): forms, order, tenant rule, wording."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from runyard import lookup
from runyard.errors import InvalidInputError, NotFoundError
from runyard.store import Project, Run, Store

MINE, THEIRS = "acme", "globex"


def _run(store: Store, tenant: str, project: str, name: str, uid: str | None = None) -> tuple[Project, Run]:
    owner = store.get_or_create_project(project, tenant=tenant)
    return owner, store.create_run(owner.id, name=name, uid=uid)


def _message(fn: Callable[[], Any]) -> str:
    with pytest.raises(NotFoundError) as caught:
        fn()
    return str(caught.value)


def test_foreign_project_by_id_reads_as_missing(store: Store) -> None:
    theirs, _ = _run(store, THEIRS, "secret", "r")
    mine, _ = _run(store, MINE, "open", "r")
    assert lookup.project_by_id(store, mine.id, MINE) == mine
    nobody = theirs.id + 100
    foreign = _message(lambda: lookup.project_by_id(store, theirs.id, MINE))
    assert foreign == _message(lambda: lookup.project_by_id(store, nobody, MINE)).replace(str(nobody), str(theirs.id))


def test_foreign_run_by_id_or_uid_reads_as_missing(store: Store) -> None:
    theirs, run = _run(store, THEIRS, "secret", "r", uid="their-run")
    assert lookup.run_by_id(store, run.id, THEIRS) == lookup.Located(theirs, run)
    assert lookup.run_by_uid(store, "their-run", THEIRS).run == run
    by_id = _message(lambda: lookup.run_by_id(store, run.id, MINE))
    assert by_id == _message(lambda: lookup.run_by_id(store, run.id + 100, MINE)).replace(str(run.id + 100), str(run.id))
    assert _message(lambda: lookup.run_by_uid(store, "their-run", MINE)) == \
        _message(lambda: lookup.run_by_uid(store, "their-run", "nobody-at-all")) == "run 'their-run' not found"


def test_projects_by_name_are_per_tenant_and_active_only(store: Store) -> None:
    theirs, _ = _run(store, THEIRS, "secret", "r")
    gone, _ = _run(store, MINE, "gone", "r")
    store.set_project_lifecycle(gone.id, "deleted")
    missing = _message(lambda: lookup.project_by_name(store, "nope", MINE))
    assert _message(lambda: lookup.project_by_name(store, "secret", MINE)) == missing.replace("nope", "secret")
    assert "gone" in _message(lambda: lookup.project_by_name(store, "gone", MINE))
    assert lookup.project_by_name(store, "secret", THEIRS) == theirs


def test_dialects_word_their_own_errors(store: Store) -> None:
    _run(store, MINE, "p", "r")
    words = lookup.Wording(project="experiment {name!r} not found",
                           run="run {name!r} not found in experiment {project!r}",
                           run_ref="experiment {ref} not found")
    assert _message(lambda: lookup.project_by_name(store, "q", MINE, words)) == "experiment 'q' not found"
    assert _message(lambda: lookup.run_by_name(store, "p", "x", MINE, words)) == "run 'x' not found in experiment 'p'"
    assert _message(lambda: lookup.run_by_id(store, 99, MINE, words)) == "experiment 99 not found"


def test_ref_tries_uid_then_project_name_then_id(store: Store) -> None:
    project, named = _run(store, MINE, "p", "r", uid="run-named")
    _, by_digits_uid = _run(store, MINE, "p", "s", uid=str(named.id))  # a uid that looks like an id
    assert lookup.run_by_ref(store, "run-named", MINE) == lookup.Located(project, named)
    assert lookup.run_by_ref(store, "p/r", MINE).run == named
    assert lookup.run_by_ref(store, str(named.id), MINE).run == by_digits_uid  # uid first, as runyard.Api.run
    assert lookup.run_by_ref(store, named.id, MINE).run == named  # an int is always an id
    assert "give a uid" in _message(lambda: lookup.run_by_ref(store, "nothing", MINE))


def test_a_foreign_match_is_skipped_like_a_missing_one(store: Store) -> None:
    _, mine = _run(store, MINE, "p", "r")
    _run(store, THEIRS, "q", "s", uid=str(mine.id))  # their uid spells my run's id
    assert lookup.run_by_ref(store, str(mine.id), MINE).run == mine
    _, theirs = _run(store, THEIRS, "q", "t", uid="their-uid")
    for ref in ("their-uid", "q/t", str(theirs.id), theirs.id):
        assert isinstance(_message(lambda ref=ref: lookup.run_by_ref(store, ref, MINE)), str)


def test_located_is_one_frozen_type(store: Store) -> None:
    located = lookup.run_by_name(store, *_names(_run(store, MINE, "p", "r")), MINE)
    assert isinstance(located, lookup.Located)
    with pytest.raises(dataclasses.FrozenInstanceError):
        located.run = located.run  # type: ignore[misc]


def _names(found: tuple[Project, Run]) -> tuple[str, str]:
    return found[0].name, found[1].name


def test_local_reader_sees_every_tenant_by_id(store: Store) -> None:
    _, theirs = _run(store, THEIRS, "q", "t", uid="their-uid")
    assert lookup.run_by_ref(store, "their-uid", None).run == theirs
    assert lookup.run_by_ref(store, theirs.id, None).run == theirs


@pytest.mark.parametrize("text", ["1", "42", str(lookup.INT64_MAX)])
def test_ids_are_ascii_digits_within_int64(text: str) -> None:
    assert lookup.is_id(text) and lookup.parse_id(text, "run") == int(text)


@pytest.mark.parametrize("text", ["", "-1", "1.0", "²", "١٢", str(lookup.INT64_MAX + 1), "9" * 40, " "])
def test_other_ids_are_refused_with_a_400(text: str) -> None:
    assert not lookup.is_id(text)
    with pytest.raises(InvalidInputError, match="run id"):
        lookup.parse_id(text, "run")


def test_check_runs_reads_once_for_many_runs(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = [_run(store, MINE, f"p{i % 3}", f"r{i}")[1].id for i in range(30)]
    reads = 0
    real = store._db.read  # type: ignore[attr-defined]

    def counted(fn: Callable[..., Any]) -> Any:
        nonlocal reads
        reads += 1
        return real(fn)

    monkeypatch.setattr(store._db, "read", counted)  # type: ignore[attr-defined]
    lookup.check_runs(store, runs, MINE)
    assert reads == 1


def test_check_runs_refuses_foreign_runs_as_missing(store: Store) -> None:
    _, mine = _run(store, MINE, "p", "r")
    _, theirs = _run(store, THEIRS, "q", "s")
    lookup.check_runs(store, [mine.id], MINE)
    lookup.check_runs(store, [], MINE)
    foreign = _message(lambda: lookup.check_runs(store, [mine.id, theirs.id], MINE))
    unknown = theirs.id + 100
    assert foreign == _message(lambda: lookup.check_runs(store, [mine.id, unknown], MINE)).replace(
        str(unknown), str(theirs.id)) == f"run {theirs.id} not found"


def test_run_tenants_of_the_base_and_sqlite_agree(store: Store) -> None:
    _, mine = _run(store, MINE, "p", "r")
    _, theirs = _run(store, THEIRS, "q", "s")
    ids = [theirs.id, mine.id, 999, mine.id]
    expected = {mine.id: MINE, theirs.id: THEIRS}
    assert store.run_tenants(ids) == expected
    assert Store.run_tenants(store, ids) == expected  # the fallback a new backend inherits
    assert store.run_tenants(list(range(1, 1200))) == expected  # past one SQL chunk
