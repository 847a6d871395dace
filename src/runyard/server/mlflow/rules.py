"""MLflow's input rules (mlflow/utils/validation.py): batch limits, key characters, value lengths.

Checked before anything is written, so a refused request leaves nothing behind.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

from runyard.errors import InvalidInputError

MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000
MAX_PARAM_VALUE = 6000
MAX_TAG_VALUE = 8000
MAX_KEY = 250
_KEY = re.compile(r"[/\w.\- :]*")


def check_key(key: str, what: str) -> str:
    """MLflow's key rule: letters, digits, `_ - . : /` and spaces; not a path that normalizes elsewhere."""
    if not key or not _KEY.fullmatch(key):
        raise InvalidInputError(f"Invalid value {key!r} for parameter '{what}' supplied: Names may only contain "
                                "alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and "
                                "slashes (/).")
    normal = posixpath.normpath(key)
    if normal != key or normal == "." or normal.startswith(("..", "/")):
        raise InvalidInputError(f"Invalid value {key!r} for parameter '{what}' supplied: names may be treated as "
                                f"files and must not resolve to other names ({normal!r})")
    if len(key) > MAX_KEY:
        raise InvalidInputError(f"'{what}' exceeds the maximum length of {MAX_KEY} characters")
    return key


def bounded(value: str, limit: int, what: str) -> str:
    if len(value) > limit:
        raise InvalidInputError(f"'{what}' exceeds the maximum length of {limit} characters")
    return value


def check_tags(sets: Mapping[str, str]) -> None:
    """Tag keys by MLflow's key rule, values up to MAX_TAG_VALUE characters."""
    for key, value in sets.items():
        check_key(key, "tags.key")
        bounded(value, MAX_TAG_VALUE, f"tags[{key}].value")
