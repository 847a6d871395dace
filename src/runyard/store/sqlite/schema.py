"""Versioned schema migrations for the SQLite store.

Each entry upgrades the database by one version; a database made by an older runyard
is upgraded on open, one made by a newer runyard is refused.
"""

from __future__ import annotations

import sqlite3

from runyard.errors import SchemaTooNewError

_V1 = """
CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '',
    lifecycle TEXT NOT NULL DEFAULT 'active',
    artifact_location TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (tenant, name)
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    config TEXT NOT NULL DEFAULT '{}',
    params TEXT NOT NULL DEFAULT '{}',
    system TEXT NOT NULL DEFAULT '{}',
    start_time REAL NOT NULL,
    end_time REAL,
    heartbeat_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    host TEXT NOT NULL DEFAULT '',
    pid INTEGER NOT NULL DEFAULT 0,
    pid_started_at REAL NOT NULL DEFAULT 0,
    UNIQUE (project_id, name)
);
CREATE INDEX runs_status ON runs (status);
CREATE TABLE metric_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    key TEXT NOT NULL,
    count INTEGER NOT NULL,
    vmin REAL,
    vmax REAL,
    first_step INTEGER NOT NULL,
    last_step INTEGER NOT NULL,
    last_value REAL,
    last_time REAL NOT NULL,
    small_chunks INTEGER NOT NULL DEFAULT 0,
    UNIQUE (run_id, key)
);
CREATE TABLE metric_chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id INTEGER NOT NULL REFERENCES metric_keys(id),
    seq INTEGER NOT NULL,
    created_at REAL NOT NULL,
    n INTEGER NOT NULL,
    first_step INTEGER NOT NULL,
    last_step INTEGER NOT NULL,
    vmin REAL,
    vmax REAL,
    step_stride INTEGER,
    steps BLOB,
    values_codec INTEGER NOT NULL,
    vals BLOB NOT NULL,
    times_codec INTEGER NOT NULL,
    times BLOB NOT NULL
);
CREATE INDEX metric_chunks_key ON metric_chunks (key_id, seq, id);
CREATE TABLE log_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    time REAL NOT NULL,
    stream TEXT NOT NULL,
    line TEXT NOT NULL
);
CREATE INDEX log_lines_run ON log_lines (run_id, id);
CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (run_id, path)
);
CREATE TABLE batches (
    run_id INTEGER NOT NULL,
    batch_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (run_id, batch_id)
) WITHOUT ROWID;
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL
);
CREATE INDEX changes_run ON changes (run_id, seq);
"""

_V2 = """
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    revoked_at REAL,
    last_used_at REAL
);
"""

# ExperimentHub: hub experiments (names are global: they are the hub's URL paths) and the
# embedded data queue used when no RabbitMQ is configured.
_V3 = """
CREATE TABLE hub_experiments (
    name TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    type TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE hub_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    payload BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX hub_queue_name ON hub_queue (queue, id);
"""

# ExperimentHub per tenant (issue 11): experiments keyed by (tenant, name), queued messages
# carry their tenant (rows go to the tenant of the experiment of their name; rows of a name
# nobody owned stay with the default tenant), and `hub_models` records the sha256 of every
# file of each model a hub job saved: only those, unchanged, may ever be loaded.
_HUB_TENANTS = """
CREATE TABLE hub_experiments_by_tenant (
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (tenant, name)
);
INSERT INTO hub_experiments_by_tenant (tenant, name, type, config, state, created_at, updated_at)
    SELECT tenant, name, type, config, state, created_at, updated_at FROM hub_experiments ORDER BY rowid;
ALTER TABLE hub_queue ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
UPDATE hub_queue SET tenant = coalesce(
    (SELECT e.tenant FROM hub_experiments e WHERE e.name = hub_queue.queue), 'default');
DROP TABLE hub_experiments;
ALTER TABLE hub_experiments_by_tenant RENAME TO hub_experiments;
DROP INDEX hub_queue_name;
CREATE INDEX hub_queue_name ON hub_queue (tenant, queue, id);
CREATE TABLE hub_models (
    run_id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    experiment TEXT NOT NULL,
    files TEXT NOT NULL,
    created_at REAL NOT NULL
);
"""

# Key-value tags of projects and runs, and metrics' full histories (compressed chunks of every
# point as logged, `runyard.store.history`): what the MLflow dialect needs beyond the series.
_KEY_VALUES_AND_HISTORY = """
CREATE TABLE project_tags (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (project_id, key)
) WITHOUT ROWID;
CREATE TABLE run_tags (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE TABLE metric_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    points BLOB NOT NULL
);
CREATE INDEX metric_history_key ON metric_history (run_id, key, id);
"""

# MLflow 3's logged models (params and tags as JSON objects; files under
# `artifacts/.logged-models/<id>/`) and what runs link to: datasets they read, models they
# used or produced.
_LOGGED_MODELS = """
CREATE TABLE logged_models (
    id TEXT PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL,
    model_type TEXT NOT NULL DEFAULT '',
    source_run_id INTEGER,
    status TEXT NOT NULL,
    status_message TEXT NOT NULL DEFAULT '',
    params TEXT NOT NULL DEFAULT '{}',
    tags TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX logged_models_project ON logged_models (project_id, created_at);
CREATE TABLE run_dataset_inputs (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    digest TEXT NOT NULL,
    source_type TEXT NOT NULL,
    source TEXT NOT NULL,
    schema TEXT NOT NULL,
    profile TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (run_id, name, digest)
);
CREATE TABLE run_model_links (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    direction TEXT NOT NULL,
    model_id TEXT NOT NULL,
    step INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, direction, model_id)
);
CREATE INDEX run_model_links_model ON run_model_links (model_id);
"""

# How dashboards show a project or run (`runyard.store.view_state`): run_id 0 is the project's own view.
_VIEW_SETTINGS = """
CREATE TABLE view_settings (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    run_id INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (project_id, run_id, kind, name)
) WITHOUT ROWID;
"""

# The SDK's `run.summary` and `run.define_metric` (JSON objects, replaced whole like config).
_RUN_SUMMARY_AND_METRIC_DEFS = """
ALTER TABLE runs ADD COLUMN summary TEXT NOT NULL DEFAULT '{}';
ALTER TABLE runs ADD COLUMN metric_defs TEXT NOT NULL DEFAULT '{}';
"""

# Id columns where rows were ordered by SQLite's rowid (the shared SQL orders by columns both backends have):
# the tables are rebuilt with their rows in rowid order, the old primary keys kept as unique keys.
_ID_COLUMNS = """
CREATE TABLE run_model_links_by_id (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    direction TEXT NOT NULL,
    model_id TEXT NOT NULL,
    step INTEGER NOT NULL DEFAULT 0,
    UNIQUE (run_id, direction, model_id)
);
INSERT INTO run_model_links_by_id (run_id, direction, model_id, step)
    SELECT run_id, direction, model_id, step FROM run_model_links ORDER BY rowid;
DROP TABLE run_model_links;
ALTER TABLE run_model_links_by_id RENAME TO run_model_links;
CREATE INDEX run_model_links_model ON run_model_links (model_id);
CREATE TABLE hub_experiments_by_id (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (tenant, name)
);
INSERT INTO hub_experiments_by_id (tenant, name, type, config, state, created_at, updated_at)
    SELECT tenant, name, type, config, state, created_at, updated_at FROM hub_experiments ORDER BY rowid;
DROP TABLE hub_experiments;
ALTER TABLE hub_experiments_by_id RENAME TO hub_experiments;
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _HUB_TENANTS, _KEY_VALUES_AND_HISTORY, _LOGGED_MODELS, _VIEW_SETTINGS,
                               _RUN_SUMMARY_AND_METRIC_DEFS, _ID_COLUMNS)
SCHEMA_VERSION = len(MIGRATIONS)


def _current_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_not_newer(found: int, path: str) -> None:
    """`SchemaTooNewError` for a database of a schema this runyard does not know."""
    if found > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"{path} was written by a newer runyard (schema v{found}; this runyard knows "
            f"up to v{SCHEMA_VERSION}): upgrade runyard to open it"
        )


def migrate(conn: sqlite3.Connection, path: str) -> int:
    """Bring the database to SCHEMA_VERSION; return the version it had before."""
    found = _current_version(conn)
    check_not_newer(found, path)
    if found == SCHEMA_VERSION:
        return found
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: another process may have migrated meanwhile.
        found = _current_version(conn)
        for version in range(found, SCHEMA_VERSION):
            for statement in MIGRATIONS[version].split(";"):
                if statement.strip():
                    conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found
