"""The hparams plugin's records (tensorboard/plugins/hparams/plugin_data.proto): the values of a
run's hyperparameters (`add_hparams` of torch and tensorboardX, TF's hparams API) and how the
session ended. They ride in a summary value's plugin metadata, under tags `_hparams_/...`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runyard.importers.tensorboard.protowire import VARINT, as_bytes, as_double, fields

HPARAMS_PLUGIN = "hparams"
TAG_PREFIX = b"_hparams_/"
# HParamsPluginData: session_start_info = 3, session_end_info = 4.
START_INFO, END_INFO = 3, 4
START_HPARAMS = 1  # SessionStartInfo.hparams: map<string, google.protobuf.Value>
END_STATUS = 1  # SessionEndInfo.status
# google.protobuf.Value's kinds.
NULL, NUMBER, STRING, BOOL, STRUCT, LIST = 1, 2, 3, 4, 5, 6
# hparams' Status enum -> runyard status (STATUS_UNKNOWN: nothing said).
STATUSES = {1: "finished", 2: "failed", 3: "running"}


@dataclass(slots=True)
class Hparams:
    """What a run's hparams records said: hyperparameter values, and a final status if one was written."""

    values: dict[str, Any] = field(default_factory=dict)
    status: str | None = None

    def read(self, content: bytes) -> None:
        """One HParamsPluginData message (the plugin data's content)."""
        for number, _, raw in fields(content):
            if number == START_INFO:
                for inner, _, entry in fields(as_bytes(raw)):
                    if inner == START_HPARAMS:
                        key, value = _map_entry(as_bytes(entry))
                        self.values[key] = value
            elif number == END_INFO:
                for inner, wire_type, status in fields(as_bytes(raw)):
                    if inner == END_STATUS and wire_type == VARINT and isinstance(status, int):
                        self.status = STATUSES.get(status, self.status)


def _map_entry(entry: bytes) -> tuple[str, Any]:
    key, value = "", None
    for number, _, raw in fields(entry):
        if number == 1:
            key = as_bytes(raw).decode("utf-8", "replace")
        elif number == 2:
            value = _value(as_bytes(raw))
    return key, value


def _value(message: bytes) -> Any:
    """A google.protobuf.Value as plain Python (struct -> dict, list -> list)."""
    result: Any = None
    for number, _, raw in fields(message):
        if number == NUMBER:
            result = as_double(raw)
        elif number == STRING:
            result = as_bytes(raw).decode("utf-8", "replace")
        elif number == BOOL:
            result = bool(raw)
        elif number == STRUCT:
            result = dict(_map_entry(as_bytes(entry)) for _, _, entry in fields(as_bytes(raw)))
        elif number == LIST:
            result = [_value(as_bytes(item)) for _, _, item in fields(as_bytes(raw))]
        elif number == NULL:
            result = None
    return result
