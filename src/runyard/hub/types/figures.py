"""Plotly JSON figures built by hand, so the hub needs no plotting package.

Every builder returns plain JSON values: NaN and infinities become None (Plotly.js draws
gaps), datetimes become ISO strings, numpy scalars become Python numbers. Histograms are
binned here so a figure's size does not grow with the data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from runyard.hub.types.base import Figure

Trace = dict[str, Any]


def values(data: Any) -> list[Any]:
    """`data` (array, Series, Index, list) as a JSON-safe list."""
    arr = np.asarray(data)
    kind = arr.dtype.kind
    if kind == "M":
        text = np.datetime_as_string(arr.astype("datetime64[ms]"))
        return [None if t == "NaT" else t for t in text.tolist()]
    if kind == "f":
        return [v if math.isfinite(v) else None for v in arr.tolist()]
    if kind in "biu":
        return list(arr.tolist())
    return [_scalar(v) for v in arr.tolist()]


def _scalar(value: Any) -> Any:
    # Object arrays: pandas Timestamps, Python floats, strings, None, pd.NA / NaT.
    if value is None or isinstance(value, str | bool | int):
        return value
    try:
        if value != value:  # NaN and NaT are not equal to themselves
            return None
    except TypeError:  # pd.NA refuses to be a bool: it is missing too
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "isoformat"):
        # Plotly has no time zones: show wall-clock time.
        if getattr(value, "tzinfo", None) is not None:
            value = value.replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, np.generic):
        return _scalar(value.item())
    return str(value)


def line(x: Any, y: Any, name: str, *, mode: str = "lines", **extra: Any) -> Trace:
    """A scatter trace (lines, markers or both)."""
    return {"type": "scatter", "mode": mode, "name": name, "x": values(x), "y": values(y), **extra}


def band(x: Any, lower: Any, upper: Any, name: str, color: str = "rgba(99,110,250,0.2)") -> list[Trace]:
    """Two traces drawing a filled interval between `lower` and `upper`."""
    xs = values(x)
    edge = {"width": 0}
    return [
        {"type": "scatter", "mode": "lines", "name": f"{name} lower", "x": xs, "y": values(lower),
         "line": edge, "showlegend": False, "hoverinfo": "skip"},
        {"type": "scatter", "mode": "lines", "name": name, "x": xs, "y": values(upper),
         "line": edge, "fill": "tonexty", "fillcolor": color},
    ]


def bar(x: Any, y: Any, name: str, **extra: Any) -> Trace:
    """A bar trace."""
    return {"type": "bar", "name": name, "x": values(x), "y": values(y), **extra}


def histogram(data: Any, name: str, bins: int = 30, **extra: Any) -> Trace:
    """A pre-binned histogram as a bar trace (bin centres on x, counts on y)."""
    arr = np.asarray(data, dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return bar([], [], name, **extra)
    counts, edges = np.histogram(arr, bins=bins)
    centres = (edges[:-1] + edges[1:]) / 2
    width = float(edges[1] - edges[0]) if len(edges) > 1 else 1.0
    return bar(centres, counts, name, width=width, **extra)


def heatmap(z: Any, x: Sequence[str], y: Sequence[str], name: str = "") -> Trace:
    """A heatmap trace; `z` is a 2-D array (rows follow `y`)."""
    rows = [values(row) for row in np.asarray(z, dtype=float)]
    return {"type": "heatmap", "name": name, "z": rows, "x": list(x), "y": list(y),
            "colorscale": "RdBu", "reversescale": True, "zmid": 0}


def hline(y: float, name: str, x0: Any, x1: Any, dash: str = "dash") -> Trace:
    """A horizontal line from x0 to x1 drawn as a two-point trace (so it shows in the legend)."""
    return line([x0, x1], [y, y], name, line={"dash": dash, "color": "red"})


def figure(traces: Sequence[Trace], title: str, *, xaxis: str = "", yaxis: str = "",
           layout: Mapping[str, Any] | None = None) -> Figure:
    """A Plotly figure `{"data", "layout"}` with axis titles; `layout` keys override the defaults."""
    base: dict[str, Any] = {
        "title": {"text": title},
        "xaxis": {"title": {"text": xaxis}},
        "yaxis": {"title": {"text": yaxis}},
        "hovermode": "x unified",
    }
    base.update(layout or {})
    return {"data": list(traces), "layout": base}


def stacked(panels: Mapping[str, Sequence[Trace]], title: str, *, xaxis: str = "") -> Figure:
    """Panels stacked vertically on a shared x axis, one y axis each (e.g. trend/season/resid)."""
    names = list(panels)
    count = max(1, len(names))
    gap = 0.04
    height = (1 - gap * (count - 1)) / count
    layout: dict[str, Any] = {"height": max(300, 220 * count), "showlegend": False}
    traces: list[Trace] = []
    for i, name in enumerate(names):
        suffix = "" if i == 0 else str(i + 1)
        top = 1 - i * (height + gap)
        layout[f"yaxis{suffix}"] = {"title": {"text": name}, "domain": [max(0.0, top - height), top]}
        if i > 0:
            layout[f"xaxis{suffix}"] = {"matches": "x", "anchor": f"y{suffix}", "showticklabels": False}
        for trace in panels[name]:
            traces.append({**trace, "xaxis": f"x{suffix}", "yaxis": f"y{suffix}"})
    # The first panel is on top; its x axis sits at the bottom of the figure.
    layout["xaxis"] = {"title": {"text": xaxis}, "anchor": f"y{'' if count == 1 else count}"}
    return figure(traces, title, layout=layout)


def grid(panels: Mapping[str, Sequence[Trace]], title: str, columns: int = 3) -> Figure:
    """Small multiples: one panel per name in a grid, each with its own axes."""
    names = list(panels)
    count = max(1, len(names))
    cols = min(columns, count)
    rows = math.ceil(count / cols)
    gap_x, gap_y = 0.06, 0.1 / max(1, rows - 1) if rows > 1 else 0.0
    width = (1 - gap_x * (cols - 1)) / cols
    height = (1 - gap_y * (rows - 1)) / rows
    layout: dict[str, Any] = {"height": max(300, 260 * rows), "showlegend": False, "annotations": []}
    traces: list[Trace] = []
    for i, name in enumerate(names):
        row, col = divmod(i, cols)
        suffix = "" if i == 0 else str(i + 1)
        left = col * (width + gap_x)
        top = 1 - row * (height + gap_y)
        layout[f"xaxis{suffix}"] = {"domain": [left, left + width], "anchor": f"y{suffix}"}
        layout[f"yaxis{suffix}"] = {"domain": [max(0.0, top - height), top], "anchor": f"x{suffix}"}
        layout["annotations"].append({
            "text": name, "showarrow": False, "xref": "paper", "yref": "paper",
            "x": left + width / 2, "y": top, "xanchor": "center", "yanchor": "bottom",
        })
        for trace in panels[name]:
            traces.append({**trace, "xaxis": f"x{suffix}", "yaxis": f"y{suffix}"})
    layout["hovermode"] = "closest"
    return figure(traces, title, layout=layout)
