"""Jinja2 templates of the dashboard pages (autoescaped) and the helpers they use."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

import jinja2
from fastapi.responses import HTMLResponse

from runyard import __version__

TEMPLATES = Path(__file__).parent / "templates"
DASHBOARD_JS = Path(__file__).parent / "static" / "dashboard"
_RELATIVE_IMPORT = re.compile(r"""(?:\bfrom|\bimport)\s*["']\./([\w.-]+\.js)["']""")


def page_json(payload: object) -> str:
    """JSON safe inside `<script type="application/json">` (no `</script>` can close it early)."""
    text = json.dumps(payload, default=str, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def segment(name: str) -> str:
    """A name as one URL path segment ('/' encoded too, unlike Jinja's `urlencode`)."""
    return urllib.parse.quote(name, safe="")


def compact_json(value: object) -> str:
    """A config value as one line of JSON, for display."""
    return json.dumps(value, default=str)


def when(epoch_s: float | None) -> str:
    """An epoch time as `2026-01-31 14:05:09 UTC`."""
    if epoch_s is None:
        return ""
    return dt.datetime.fromtimestamp(epoch_s, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: float | None) -> str:
    """A duration as `1h 02m`, `3m 04s` or `5.2s`."""
    if seconds is None or seconds < 0:
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


def size(n: int) -> str:
    """Bytes as a short human size."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


@functools.cache
def module_preloads(*entries: str) -> tuple[str, ...]:
    """URLs of every dashboard module the entry modules import, directly or not, for `<link rel="modulepreload">`.

    Without them the browser finds the imports one level at a time (a request round trip per level of
    the graph); announced in the page head, all modules load at once. The URLs are the ones the
    imports resolve to (no `?v=`), or the browser would fetch each module twice.
    """
    seen: dict[str, None] = {}
    pending = list(entries)
    while pending:
        text = (DASHBOARD_JS / pending.pop()).read_text(encoding="utf-8")
        for name in _RELATIVE_IMPORT.findall(text):
            if name not in seen and (DASHBOARD_JS / name).is_file():
                seen[name] = None
                pending.append(name)
    return tuple(f"/static/dashboard/{name}" for name in seen if name not in entries)


@functools.cache
def environment() -> jinja2.Environment:
    """The template environment, built on first use (nothing happens at import time)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(segment=segment, page_json=page_json, compact_json=compact_json, when=when, duration=duration, size=size)
    env.globals["version"] = __version__
    env.globals["module_preloads"] = module_preloads
    return env


def render(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A template rendered into an HTML response."""
    return HTMLResponse(environment().get_template(name).render(**context), status_code=status_code)
