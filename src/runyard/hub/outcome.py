"""What the end of a job does to an experiment's state (the manager records it)."""

from __future__ import annotations

from typing import Any


def apply(state: dict[str, Any], kind: str, run_uid: str, status: str, outcome: dict[str, Any]) -> None:
    """Update `state` for a job of `kind` that ended `status` with `outcome`."""
    if status == "finished":
        state.update(status="trained", model_run=run_uid, plots_run=run_uid, error=None)
        if kind != "predict":
            state.update(eda_run=run_uid, metrics=outcome.get("metrics", {}))
    elif kind == "predict":
        # A failed prediction leaves the model as it was: still trained, still usable.
        state.update(status="trained" if state.get("model_run") else "failed",
                     error=f"prediction {status}: {outcome.get('error', '')}".rstrip(": "))
    elif status == "killed":
        state.update(status="stopped", error=f"the {kind} was stopped (run {run_uid})")
    else:
        state.update(status="failed", error=str(outcome.get("error", "failed")))
    state["job"] = None
