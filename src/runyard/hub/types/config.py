"""Config checking shared by the built-in types: every error names the dotted field at fault."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runyard.hub.types.base import ConfigError


def section(config: Mapping[str, Any], key: str, *, required: bool = True) -> dict[str, Any]:
    """`config[key]` as a dict; ConfigError if it is missing (when required) or not an object."""
    if not isinstance(config, Mapping):
        raise ConfigError("<root>", "config must be a JSON object")
    if key not in config or config[key] is None:
        if required:
            raise ConfigError(key, "is required")
        return {}
    value = config[key]
    if not isinstance(value, Mapping):
        raise ConfigError(key, "must be a JSON object")
    return dict(value)


def text(values: Mapping[str, Any], key: str, field: str, *, required: bool = True) -> str | None:
    """A non-empty string field (None when optional and absent)."""
    value = values.get(key)
    if value is None:
        if required:
            raise ConfigError(field, "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(field, "must be a non-empty string")
    return value


# Upper bounds of size parameters: each is a loop count, an array length or a row count in a
# worker, so an unbounded one (`horizon=10**12`) is a denial of service, not a config.
MAX_STEPS = 100_000
MAX_ITERATIONS = 10_000
MAX_SEED = 2**32 - 1  # numpy's seed range
MAX_ROWS = 1_000_000  # the default hub_max_rows
MAX_COLUMNS = 10_000  # the default hub_max_columns


def integer(values: Mapping[str, Any], key: str, field: str, *, minimum: int = 1,
            maximum: int = MAX_STEPS) -> int | None:
    """An optional integer field in [minimum, maximum]."""
    value = values.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(field, "must be an integer")
    if value < minimum:
        raise ConfigError(field, f"must be >= {minimum}")
    if value > maximum:
        raise ConfigError(field, f"must be <= {maximum}")
    return value


def reject_unknown(values: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
    """ConfigError for the first key not in `allowed`, named `prefix.key`."""
    for key in values:
        if key not in allowed:
            raise ConfigError(f"{prefix}.{key}", f"unknown field; expected one of {sorted(allowed)}")


def _fold(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "").replace(" ", "")


def model_type(value: Any, aliases: Mapping[str, tuple[str, ...]], field: str = "create_model.model_type") -> str:
    """The canonical model name for `value`, matched case-insensitively against names and aliases."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(field, f"is required; one of {sorted(aliases)}")
    folded = _fold(value)
    for canonical, names in aliases.items():
        if folded == _fold(canonical) or folded in {_fold(n) for n in names}:
            return canonical
    raise ConfigError(field, f"unknown model type {value!r}; one of {sorted(aliases)}")


def create_model(config: Mapping[str, Any], aliases: Mapping[str, tuple[str, ...]]) -> tuple[str, Any]:
    """The `create_model` section: its canonical model type (matched against `aliases`) and raw params."""
    create = section(config, "create_model")
    reject_unknown(create, {"model_type", "params"}, "create_model")
    return model_type(create.get("model_type"), aliases), create.get("params")


@dataclass(frozen=True)
class Param:
    """One model hyper-parameter: accepted JSON types, default, and optional bounds or choices."""

    kinds: tuple[type, ...]
    default: Any
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    # Extra check returning an error message, for list-shaped params such as ARIMA's order.
    check: Callable[[Any], str | None] | None = None

    def parse(self, value: Any, field: str) -> Any:
        """`value` checked and normalized (ints widened to float where a float is wanted)."""
        if value is None:
            if self.default is None or (self.choices and None in self.choices):
                return None
            raise ConfigError(field, "must not be null")
        if isinstance(value, bool) and bool not in self.kinds:
            raise ConfigError(field, f"must be {self._kind_names()}")
        if float in self.kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value) if int not in self.kinds else value
        if not isinstance(value, self.kinds):
            raise ConfigError(field, f"must be {self._kind_names()}")
        if self.choices is not None and isinstance(value, str) and value not in self.choices:
            raise ConfigError(field, f"must be one of {[c for c in self.choices if c is not None]}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                raise ConfigError(field, f"must be >= {self.minimum}")
            if self.maximum is not None and value > self.maximum:
                raise ConfigError(field, f"must be <= {self.maximum}")
        if self.check is not None and (problem := self.check(value)):
            raise ConfigError(field, problem)
        return value

    def _kind_names(self) -> str:
        names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}
        return " or ".join(names.get(k, k.__name__) for k in self.kinds)


def params(values: Any, spec: Mapping[str, Param], prefix: str = "create_model.params") -> dict[str, Any]:
    """`values` checked against `spec`, defaults filled in; unknown names are a ConfigError."""
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        raise ConfigError(prefix, "must be a JSON object")
    reject_unknown(values, set(spec), prefix)
    return {name: p.parse(values[name], f"{prefix}.{name}") if name in values else p.default
            for name, p in spec.items()}
