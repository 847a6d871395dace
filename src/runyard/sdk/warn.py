"""Warnings the SDK raises instead of exceptions when the training loop must go on."""

from __future__ import annotations

import warnings


class RunyardWarning(UserWarning):
    """Something went wrong in the background (write failed, data dropped); training continues."""


class WarnOnce:
    """Emit each kind of warning once per run, so a broken disk does not flood the console."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def __call__(self, kind: str, message: str) -> None:
        """Warn about `kind` unless already done."""
        if kind in self._seen:
            return
        self._seen.add(kind)
        warnings.warn(f"runyard: {message}", RunyardWarning, stacklevel=2)
