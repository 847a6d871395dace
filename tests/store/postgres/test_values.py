"""Values PostgreSQL holds differently from SQLite: NUL characters in text, JSON documents holding one."""

from __future__ import annotations

import time
from collections.abc import Callable

from runyard.store.postgres.conn import to_pg
from runyard.store.postgres.store import PostgresStore
from runyard.store.query import RunQuery, parse_filter


def test_a_nul_in_text_is_stored_as_the_replacement_character_not_refused(
        open_pg: Callable[[], PostgresStore]) -> None:
    store = open_pg()
    run = store.create_run(store.create_project("p").id)
    store.append_logs(run.id, [(time.time(), "stdout", "a\x00b")])
    assert [line.line for line in store.read_logs(run.id)] == ["a\ufffdb"]
    assert store.update_run(run.id, notes="n\x00").notes == "n\ufffd"


def test_a_json_document_holding_a_nul_does_not_fail_searches(open_pg: Callable[[], PostgresStore]) -> None:
    store = open_pg()
    project = store.create_project("p")
    store.create_run(project.id, name="nul", config={"name": "x\x00y", "lr": 0.1}, tags=["t"])
    store.create_run(project.id, name="plain", config={"name": "z", "lr": "0.01"})
    assert store.get_run_by_name(project.id, "nul").config["name"] == "x\x00y"  # the document itself is kept
    for expression, expected in [("config.lr < 0.05", ["plain"]), ("config.lr > 0.05", ["nul"]),
                                 ("config.name = 'z'", ["plain"]), ("config.name contains 'X'", ["nul"]),
                                 ("tags contains 't'", ["nul"])]:
        found = store.search_runs(RunQuery(project_ids=(project.id,), filters=parse_filter(expression)))
        assert [run.name for run in found] == expected, expression


def test_placeholders_outside_quotes_only_and_percent_signs_doubled() -> None:
    assert to_pg("SELECT ? , '?', \"a?\" FROM t WHERE x LIKE '5%' AND y = ?") == \
        "SELECT %s , '?', \"a?\" FROM t WHERE x LIKE '5%%' AND y = %s"
