"""Server settings: one declared object, built by the CLI and passed to `create_app`."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from runyard.paths import resolve_data_dir

MIB = 1 << 20


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def split_hosts(text: str) -> tuple[str, ...]:
    """`a.example, b.example` -> ("a.example", "b.example")."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server reads; nothing is taken from the environment behind its back.

    Each field, with its CLI option and `RUNYARD_*` variable, is one row of
    docs/configuration.md (tests/test_docs.py fails on a field missing there).
    """

    data_dir: Path = field(default_factory=lambda: resolve_data_dir(None))
    # Where metadata and artifacts live (runyard.store.locations): None keeps both in the data dir;
    # `postgresql://...` and `s3://bucket/prefix` let several replicas share them (docs/deploy.md).
    store: str | None = None
    artifacts: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    auth: bool | None = None
    # Host names (beyond the bind address and localhost) this server answers to; a leading
    # dot allows subdomains; "*" allows any (unsafe: DNS rebinding, see docs/configuration.md).
    allowed_hosts: tuple[str, ...] = ()
    demo: bool = False  # `serve --demo`: the demo project and a live run that stops with the server
    max_body_bytes: int = 64 * MIB
    max_artifact_bytes: int = 2048 * MIB
    max_batch_metrics: int = 10_000
    max_batch_params: int = 1_000
    max_batch_tags: int = 1_000
    max_points_per_request: int = 5_000_000
    stale_after_s: float = 120.0
    reap_interval_s: float = 1.0  # cheap (~2 ms for 1,000 live runs): a killed run shows crashed within ~1 s
    jupyter_enabled: bool = False
    jupyter_max_servers: int = 8
    jupyter_start_timeout_s: float = 60.0
    # ExperimentHub (runyard.hub): RabbitMQ URL for the datastream plugin (None: the embedded
    # queue in the store), extra types as "name=module:Class", and job time limits.
    hub_enabled: bool = True
    datastream_url: str | None = None
    hub_types: tuple[str, ...] = ()
    hub_wait_s: float = 300.0
    hub_stop_grace_s: float = 5.0
    # Hub work at once (worker processes; beyond: 429 + Retry-After) and rows/columns per data
    # push, prediction input and training set (beyond: 413).
    hub_max_jobs: int = 2
    hub_max_jobs_per_tenant: int = 1
    hub_max_rows: int = 1_000_000
    hub_max_columns: int = 10_000
    default_project: str | None = None  # the project SwanLab's `GET /api/v1/project` shows
    # Third-party dashboards, each served on a port of its own (server/sites); None: off.
    swanboard_port: int | None = None
    aspara_port: int | None = None
    expman_port: int | None = None

    @property
    def auth_required(self) -> bool:
        """Tokens are required off loopback, or when asked for with `--auth`."""
        return bool(self.auth) if self.auth is not None else not is_loopback(self.host)

    @property
    def jupyter_allowed(self) -> bool:
        """Spawning Jupyter runs code as this server's user: only when enabled explicitly."""
        return self.jupyter_enabled

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with some fields replaced."""
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then RUNYARD_* variables, then explicit overrides (None means unset)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {"data_dir": resolve_data_dir(None, env)}
        if env.get("RUNYARD_STORE", "").strip():
            values["store"] = env["RUNYARD_STORE"].strip()
        if env.get("RUNYARD_ARTIFACTS", "").strip():
            values["artifacts"] = env["RUNYARD_ARTIFACTS"].strip()
        if "RUNYARD_HOST" in env:
            values["host"] = env["RUNYARD_HOST"]
        if "RUNYARD_PORT" in env:
            values["port"] = int(env["RUNYARD_PORT"])
        if env.get("RUNYARD_AUTH", "").lower() in ("1", "true", "yes"):
            values["auth"] = True
        if env.get("RUNYARD_ALLOWED_HOSTS", "").strip():
            values["allowed_hosts"] = split_hosts(env["RUNYARD_ALLOWED_HOSTS"])
        if "RUNYARD_JUPYTER" in env:
            values["jupyter_enabled"] = env["RUNYARD_JUPYTER"].lower() in ("1", "true", "yes")
        if env.get("RUNYARD_PROJECT"):
            values["default_project"] = env["RUNYARD_PROJECT"]
        if env.get("RUNYARD_DATASTREAM_URL"):
            values["datastream_url"] = env["RUNYARD_DATASTREAM_URL"]
        if env.get("RUNYARD_SWANBOARD_PORT"):
            values["swanboard_port"] = int(env["RUNYARD_SWANBOARD_PORT"])
        if env.get("RUNYARD_ASPARA_PORT"):
            values["aspara_port"] = int(env["RUNYARD_ASPARA_PORT"])
        if env.get("RUNYARD_EXPMAN_PORT"):
            values["expman_port"] = int(env["RUNYARD_EXPMAN_PORT"])
        if "RUNYARD_HUB" in env:
            values["hub_enabled"] = env["RUNYARD_HUB"].lower() in ("1", "true", "yes")
        if env.get("RUNYARD_HUB_TYPES"):
            values["hub_types"] = tuple(t.strip() for t in env["RUNYARD_HUB_TYPES"].split(",") if t.strip())
        values.update({key: value for key, value in overrides.items() if value is not None})
        if isinstance(values.get("data_dir"), str):
            values["data_dir"] = resolve_data_dir(values["data_dir"])
        return cls(**values)
