"""The filter and order of `logged-models/search`: MLflow's grammar (`filters`) over a logged model's fields.

Attributes: `name`, `model_id`, `model_type`, `status`, `source_run_id` (strings) and
`creation_timestamp` / `creation_time`, `last_updated_timestamp` / `last_updated_time`
(milliseconds); `params.<key>` and `tags.<key>` compare as strings; `metrics.<key>` parses but
matches no model (runyard keeps no model metrics: MLflow links them from runs' datasets).
Matching and ordering are `matching.select` / `matching.order`, as for runs and experiments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from runyard.errors import InvalidInputError
from runyard.server.mlflow.filters import Clause, Identifier, Order, parse_filter
from runyard.server.mlflow.matching import Value
from runyard.store.logged_models import LoggedModel

ALIASES = {"creation_time": "creation_timestamp", "last_updated_time": "last_updated_timestamp",
           "creation_timestamp_ms": "creation_timestamp", "last_updated_timestamp_ms": "last_updated_timestamp"}
NUMERIC = frozenset({"creation_timestamp", "creation_time", "last_updated_timestamp", "last_updated_time"})
ATTRIBUTES = frozenset({"name", "model_id", "model_type", "status", "source_run_id"}) | NUMERIC


@dataclass(frozen=True, slots=True)
class Candidate:
    """A model with the attribute values a filter compares (MLflow's names; timestamps in milliseconds)."""

    model: LoggedModel
    attributes: Mapping[str, str | float]


def parse(text: str | None) -> list[Clause]:
    """The clauses of a logged-model filter; `InvalidInputError` for anything else."""
    return parse_filter(text, ATTRIBUTES, NUMERIC)


def orders(fields: list[tuple[str, bool]]) -> list[Order]:
    """`order_by` entries (field name, ascending) as attribute orders; 400 for a field models do not have."""
    known = ATTRIBUTES | set(ALIASES)
    for name, _ascending in fields:
        if name not in known:
            raise InvalidInputError(f"Invalid order by field name: {name[:60]!r} (known: {', '.join(sorted(known))})")
    return [Order(Identifier("attribute", name), ascending) for name, ascending in fields]


def value_of(candidate: Candidate, target: Identifier) -> Value:
    """The value a clause or order compares: None when the model has no such key (metrics: never)."""
    model = candidate.model
    if target.entity == "param":
        return model.params.get(target.key)
    if target.entity == "tag":
        return model.tags.get(target.key)
    if target.entity == "attribute":
        return candidate.attributes.get(ALIASES.get(target.key, target.key))
    return None
