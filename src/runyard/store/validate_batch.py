"""Checks on a unit of work that do not depend on the backend: metric keys and columns, log lines.

`Store.apply` runs them in the caller's thread before a backend sees the batch, so every
backend refuses the same input with the same message and writes only clean data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from runyard.errors import InvalidInputError
from runyard.store.codec import sort_dedupe
from runyard.store.models import RUN_STATUSES, MetricColumns
from runyard.store.units import LogEntry, WriteBatch
from runyard.store.validate import check_label, check_text, printable_text
from runyard.store.validate_numbers import check_columns, check_time

MAX_KEY_LENGTH = 255
MAX_LINE = 16_384
MAX_TAG_VALUE = 65_536  # key-value tag values (MLflow allows 8,000; its notes live in one)
STREAMS = ("stdout", "stderr", "log")


def check_key(key: object) -> str:
    """Metric keys are non-empty, encodable strings of bounded length without bidi overrides."""
    return check_label(key, "metric key", MAX_KEY_LENGTH)


def check_metrics(batch: Mapping[str, MetricColumns]) -> dict[str, MetricColumns]:
    """Checked columns per key, sorted by step (a repeated step: the later point wins); empty keys dropped."""
    clean: dict[str, MetricColumns] = {}
    for key, columns in batch.items():
        checked = check_columns(check_key(key), columns)
        if len(checked):
            clean[key] = sort_dedupe(checked)
    return clean


def check_lines(lines: Sequence[LogEntry]) -> list[LogEntry]:
    """Validate (time, stream, text); overlong lines are cut and undecodable characters replaced, not refused."""
    checked = []
    for entry in lines:
        try:
            when, stream, text = entry
        except (TypeError, ValueError):
            raise InvalidInputError(f"log line must be (time, stream, text), not {entry!r:.80}") from None
        if stream not in STREAMS:
            raise InvalidInputError(f"log stream must be one of {STREAMS}, not {stream!r:.40}")
        if not isinstance(text, str):
            raise InvalidInputError("log text must be a string")
        checked.append((check_time(when, "log line time"), stream, printable_text(text[:MAX_LINE])))
    return checked


def check_tag_values(values: Mapping[str, str], deletes: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """Key-value tags: keys like metric keys, values bounded encodable text (may be empty)."""
    clean = {check_label(key, "tag key", MAX_KEY_LENGTH): check_text(value, f"tag {key!r} value", MAX_TAG_VALUE)
             for key, value in values.items()}
    return clean, [check_label(key, "tag key", MAX_KEY_LENGTH) for key in deletes]


def check_batch(batch: WriteBatch) -> WriteBatch:
    """The batch with its metrics and log lines checked and cleaned; `InvalidInputError` for bad parts."""
    if batch.status is not None and batch.status not in RUN_STATUSES:
        raise InvalidInputError(f"status must be one of {RUN_STATUSES}")
    tag_values, tag_deletes = check_tag_values(batch.tag_values or {}, batch.tag_deletes)
    history = {check_key(key): check_columns(key, columns) for key, columns in batch.history.items()}
    return dataclasses.replace(batch, metrics=check_metrics(batch.metrics), logs=check_lines(batch.logs),
                               tag_values=tag_values or None, tag_deletes=tag_deletes, history=history)
