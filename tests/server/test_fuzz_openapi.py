"""Schemathesis over the served OpenAPI schema, with real ids seeded: 0 responses >= 500.

Two passes: the default tenant without tokens, and a tenant's valid token with auth on.
Bounded to run in CI in well under two minutes on two cores; deterministic (derandomized,
no example database). Prints `fuzz figures: requests N, 5xx M` for the closing note.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from runyard.server import create_app
from runyard.settings import Settings
from runyard.store import DEFAULT_TENANT, Store
from tests.server.fuzzing import fuzz
from tests.server.seeded import seed

MAX_EXAMPLES = 10  # per operation and generation mode (positive, negative)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", jupyter_enabled=False, hub_types=())


@pytest.fixture
def fuzzed_app(settings: Settings, store: Store) -> Iterator[FastAPI]:
    yield create_app(settings, store=store)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("auth", [False, True], ids=["no-auth", "auth"])
def test_fuzzing_the_served_schema_finds_no_server_error(settings: Settings, store: Store, auth: bool) -> None:
    tenant = "fuzz-tenant" if auth else DEFAULT_TENANT
    seeded = seed(store, tenant, "fuzz")
    app = create_app(settings.with_changes(auth=auth), store=store)
    tally = fuzz(app, seeded, token=seeded.token if auth else None, max_examples=MAX_EXAMPLES)
    print(f"\nfuzz figures ({'auth' if auth else 'no auth'}): requests {tally.requests}, "
          f"5xx {len(tally.server_errors)}; statuses {dict(sorted(tally.per_status.items()))}")
    assert tally.requests > 500
    assert not tally.server_errors, "\n".join(tally.server_errors)
