"""Where logged media live among a run's artifacts: (key, step, kind) <-> artifact path.

Media are ordinary artifacts (no table of their own, so every store backend holds them
with the SQL it already has), named `media/<key>/<step>.<suffix>`:

- image: `<step>.png`, and `<step>.png.json` ({"caption": ...}) when it has a caption;
- histogram: `<step>.histogram.json`; table: `<step>.table.json`.

The step file is always the last path segment, so a key may itself hold `/` (`val/samples`).
The SDK names files with `media_path`; the server and the live events read them back with
`parse_media_path` and list a run's media with `index_media` from `Store.list_artifacts`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from runyard.errors import InvalidInputError
from runyard.store.models import Artifact

PREFIX = "media/"
SUFFIXES = {"image": ".png", "histogram": ".histogram.json", "table": ".table.json"}
KINDS = tuple(SUFFIXES)
CAPTION_SUFFIX = ".png.json"  # an image's caption sidecar
CONTENT_TYPES = {"image": "image/png", "histogram": "application/json", "table": "application/json"}
MAX_KEY_BYTES = 200
_STEP_FILE = re.compile(r"^(0|[1-9][0-9]{0,18})(\.png|\.histogram\.json|\.table\.json|\.png\.json)$")
_KIND_OF_SUFFIX = {suffix: kind for kind, suffix in SUFFIXES.items()}


@dataclass(frozen=True, slots=True)
class MediaFile:
    """One artifact read as a media file: an item (`kind`) or an image's caption sidecar (`caption`)."""

    key: str
    step: int
    kind: str  # image / histogram / table, or "caption"


@dataclass(slots=True)
class MediaSeries:
    """Every step of one key of one kind, ordered; `captioned` holds the image steps with a caption."""

    key: str
    kind: str
    steps: list[int] = field(default_factory=list)
    captioned: set[int] = field(default_factory=set)


def check_media_key(key: object) -> str:
    """A media key: non-empty, `/`-separated plain segments (no `..`, `.`, empty parts, `\\` or control characters)."""
    if not isinstance(key, str) or not key:
        raise ValueError(f"media keys must be non-empty strings, got {key!r}")
    bad = "\\" in key or any(ord(ch) < 32 or ord(ch) == 127 for ch in key)
    if bad or any(part in ("", ".", "..") for part in key.split("/")) or len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise ValueError(f"media key {key[:80]!r} must be '/'-separated names without '..', '\\' or control "
                         f"characters, at most {MAX_KEY_BYTES} bytes")
    return key


def check_key_query(key: str) -> str:
    """A media key a client named; 400 (not a ValueError) when it cannot be one."""
    try:
        return check_media_key(key)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None


def media_path(key: str, step: int, kind: str) -> str:
    """The artifact path of one media item."""
    return f"{PREFIX}{check_media_key(key)}/{step}{SUFFIXES[kind]}"


def caption_path(key: str, step: int) -> str:
    """The artifact path of an image's caption sidecar."""
    return f"{PREFIX}{check_media_key(key)}/{step}{CAPTION_SUFFIX}"


def parse_media_path(path: str) -> MediaFile | None:
    """The media file an artifact path names; None for any other artifact."""
    if not path.startswith(PREFIX):
        return None
    key, _, name = path[len(PREFIX):].rpartition("/")
    found = _STEP_FILE.match(name)
    if not key or found is None:
        return None
    suffix = found.group(2)
    return MediaFile(key, int(found.group(1)), "caption" if suffix == CAPTION_SUFFIX else _KIND_OF_SUFFIX[suffix])


def index_media(artifacts: Iterable[Artifact], *, key: str | None = None, step_min: int | None = None,
                step_max: int | None = None) -> list[MediaSeries]:
    """A run's media grouped by (key, kind), keys in order, steps ascending, within the step range."""
    series: dict[tuple[str, str], MediaSeries] = {}
    captions: set[tuple[str, int]] = set()
    for artifact in artifacts:
        found = parse_media_path(artifact.path)
        if found is None or (key is not None and found.key != key):
            continue
        if (step_min is not None and found.step < step_min) or (step_max is not None and found.step > step_max):
            continue
        if found.kind == "caption":
            captions.add((found.key, found.step))
            continue
        series.setdefault((found.key, found.kind), MediaSeries(found.key, found.kind)).steps.append(found.step)
    out = [series[pair] for pair in sorted(series)]
    for item in out:
        item.steps.sort()
        if item.kind == "image":
            item.captioned = {step for step in item.steps if (item.key, step) in captions}
    return out


def sample_steps(steps: list[int], most: int) -> list[int]:
    """At most `most` of the ascending `steps`, spread evenly, the first and the last kept."""
    if len(steps) <= most:
        return list(steps)
    if most == 1:
        return [steps[-1]]
    return sorted({steps[round(i * (len(steps) - 1) / (most - 1))] for i in range(most)})


def parse_kind(kind: str) -> str:
    """A media kind named by a client; 400 for anything else."""
    if kind not in SUFFIXES:
        raise InvalidInputError(f"kind must be one of {', '.join(KINDS)}, got {kind!r:.40}")
    return kind
