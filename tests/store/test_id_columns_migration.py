"""The migration that gives rowid-ordered tables an id column keeps every row and its order."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from runyard.store import open_store
from runyard.store.sqlite.schema import MIGRATIONS

M_Z, M_Y, M_A, M_NEW = ("m-" + digit * 32 for digit in "fea0")


def test_links_and_hub_experiments_keep_their_order(tmp_path: Path) -> None:
    path = tmp_path / "data"
    path.mkdir()
    before = len(MIGRATIONS) - 1  # the schema just before the id columns
    with sqlite3.connect(path / "runyard.db") as conn:
        for migration in MIGRATIONS[:before]:
            conn.executescript(migration)
        conn.execute(f"PRAGMA user_version = {before}")
        conn.execute("INSERT INTO projects (tenant, name, created_at, updated_at) VALUES ('default', 'p', 1, 1)")
        conn.execute("INSERT INTO runs (uid, project_id, name, status, start_time, heartbeat_at, updated_at)"
                     " VALUES ('run-a', 1, 'a', 'finished', 1, 1, 1)")
        # Logged in an order that is not the primary key's: the later M_A must stay after M_Z.
        for direction, model_id, step in (("output", M_Z, 3), ("input", M_Y, 0), ("output", M_A, 7)):
            conn.execute("INSERT INTO run_model_links (run_id, direction, model_id, step) VALUES (1, ?, ?, ?)",
                         (direction, model_id, step))
        for name in ("zeta", "alpha"):
            conn.execute("INSERT INTO hub_experiments (tenant, name, type, config, state, created_at, updated_at)"
                         " VALUES ('default', ?, 'toy', '{}', '{}', 5, 5)", (name,))
    with open_store(path) as store:
        links = store.run_links([1])[1]
        assert links.model_inputs == (M_Y,)
        assert links.model_outputs == ((M_Z, 3), (M_A, 7))
        assert [record.name for record in store.hub_list_experiments()] == ["zeta", "alpha"]
        store.log_run_outputs(1, [(M_Z, 9), (M_NEW, 1)])  # the unique key still upserts
        assert store.run_links([1])[1].model_outputs == ((M_Z, 9), (M_A, 7), (M_NEW, 1))
