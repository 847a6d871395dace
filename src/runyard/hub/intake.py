"""Training data in: consume an experiment's queue into its data file before a training starts."""

from __future__ import annotations

import logging

from runyard.errors import InvalidInputError
from runyard.hub import records
from runyard.hub.limits import check_rows
from runyard.hub.queues import DataQueue
from runyard.hub.workspace import Workspace
from runyard.settings import Settings

log = logging.getLogger("runyard.hub")


def gather(queue: DataQueue, workspace: Workspace, tenant: str, name: str, settings: Settings, *,
           append: bool) -> str:
    """The path of the data to train on: what waited in the queue (added to the old data when
    `append`, else replacing it; the old data alone when nothing waited).

    The file is written before the queue is acknowledged, so a crash in between can only
    deliver messages twice, never lose them. Messages that are not data are dropped (and
    logged): left in the queue they would fail every training after. A training set over
    `hub_max_rows` is refused (the messages stay queued).
    """
    path = workspace.data_path(tenant, name)
    skipped = 0
    with queue.consume(tenant, name) as messages:
        frames = []
        for message in messages:
            try:
                frames.append(records.decode(message))
            except InvalidInputError as exc:
                skipped += 1
                log.warning("hub %s: dropped a message that is not data: %s", name, exc)
        new = records.combine(frames)
        old = records.read_frame(path) if path.exists() else None
        if append:
            data = records.combine([frame for frame in (old, new) if frame is not None])
        else:
            data = new if new is not None else old
        if data is not None and len(data):
            check_rows(len(data), len(data.columns), settings, "the training data")
            records.write_frame(data, path)
    if data is None or not len(data):
        note = f" ({skipped} message(s) were not data and were dropped)" if skipped else ""
        raise InvalidInputError(f"no training data: queue {name!r} is empty{note}; publish records "
                                f"to it (or POST /{name}/data), then POST /{name}/train")
    return str(path)
