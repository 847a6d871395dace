"""Calls of the MLflow dialect in process (`client` of tests/server/conftest.py), as the client sends them."""

from __future__ import annotations

from typing import Any

import httpx

API = "/api/2.0/mlflow"


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    """POST a JSON body; assert the status; the answer."""
    response = await client.post(f"{API}/{path}", json=body)
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def get(client: httpx.AsyncClient, path: str, params: dict[str, Any], status: int = 200) -> dict[str, Any]:
    """GET with fields in the query string (lists as repeated keys); assert the status; the answer."""
    response = await client.get(f"{API}/{path}", params=params)
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


def error_code(answer: dict[str, Any]) -> str:
    """The MLflow error code of an error answer (which carries exactly a code and a message)."""
    assert set(answer) == {"error_code", "message"}, answer
    return str(answer["error_code"])


async def new_experiment(client: httpx.AsyncClient, name: str = "demo") -> str:
    """A new experiment's id."""
    return str((await post(client, "experiments/create", {"name": name}))["experiment_id"])


async def new_run(client: httpx.AsyncClient, experiment_id: str, **fields: Any) -> dict[str, Any]:
    """A new run (the Run message)."""
    body = {"experiment_id": experiment_id, "start_time": 1_700_000_000_000, **fields}
    run: dict[str, Any] = (await post(client, "runs/create", body))["run"]
    return run
