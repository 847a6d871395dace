"""TensorBoard's `Event` messages (tensorflow/core/util/event.proto, summary.proto), reduced to the
scalar points they carry.

Two encodings of a scalar exist: `simple_value` (a float32: torch.utils.tensorboard, tensorboardX,
TF1) and a one-element `tensor` whose tag's metadata names the "scalars" plugin (TF2's
tf.summary.scalar: float32 or float64, kept exactly). The metadata is written only with a tag's
first value in a file, so `EventDecoder` remembers each tag's plugin. Everything else (histograms,
images, audio, text, graphs, other plugins' tensors) is counted as dropped.
"""

from __future__ import annotations

import struct
from collections import Counter
from dataclasses import dataclass

from runyard.importers.tensorboard.hparams import HPARAMS_PLUGIN, Hparams
from runyard.importers.tensorboard.protowire import (
    FIXED32,
    FIXED64,
    LENGTH,
    as_bytes,
    as_double,
    as_float,
    as_int64,
    fields,
)

# Field numbers of the messages read here.
EVENT_WALL_TIME, EVENT_STEP, EVENT_SUMMARY = 1, 2, 5
SUMMARY_VALUE = 1
VALUE_TAG, VALUE_SIMPLE, VALUE_TENSOR, VALUE_METADATA = 1, 2, 8, 9
VALUE_DROPPED = {3: "histograms", 4: "images", 5: "histograms", 6: "audio"}
METADATA_PLUGIN, PLUGIN_NAME, PLUGIN_CONTENT, METADATA_DATA_CLASS = 1, 1, 2, 4
DATA_CLASS_SCALAR = 1
TENSOR_DTYPE, TENSOR_CONTENT, TENSOR_FLOAT, TENSOR_DOUBLE = 1, 4, 5, 6
DT_FLOAT, DT_DOUBLE = 1, 2
SCALARS_PLUGIN = "scalars"


@dataclass(frozen=True, slots=True)
class ScalarPoint:
    tag: str
    step: int
    value: float
    wall_time: float


def wall_time_of(event: bytes) -> float | None:
    """Only the event's wall time: the first field in every writer's output, so usually one unpack."""
    if len(event) >= 9 and event[0] == (EVENT_WALL_TIME << 3 | FIXED64):
        return float(struct.unpack_from("<d", event, 1)[0])
    return next((as_double(raw) for number, _, raw in fields(event) if number == EVENT_WALL_TIME), None)


class EventDecoder:
    """Decodes one run's events in order; `dropped` counts values of kinds runyard does not import,
    `hparams` collects what the hparams plugin's records say."""

    def __init__(self) -> None:
        self.plugin_of: dict[str, str] = {}
        self.dropped: Counter[str] = Counter()
        self.hparams = Hparams()

    def decode(self, event: bytes) -> tuple[float | None, list[ScalarPoint]]:
        """The event's wall time (None when absent) and its scalar points."""
        wall_time: float | None = None
        step = 0
        summary: bytes | None = None
        for number, _, raw in fields(event):
            if number == EVENT_WALL_TIME:
                wall_time = as_double(raw)
            elif number == EVENT_STEP:
                step = as_int64(raw)
            elif number == EVENT_SUMMARY:
                summary = as_bytes(raw)
        if summary is None:
            return wall_time, []
        points = []
        for number, _, raw in fields(summary):
            if number == SUMMARY_VALUE:
                scalar = self._scalar(as_bytes(raw))
                if scalar is not None:
                    points.append(ScalarPoint(scalar[0], step, scalar[1], wall_time or 0.0))
        return wall_time, points

    def _scalar(self, value: bytes) -> tuple[str, float] | None:
        tag = ""
        simple: float | None = None
        tensor: bytes | None = None
        dropped = ""
        for number, _, raw in fields(value):
            if number == VALUE_TAG:
                tag = as_bytes(raw).decode("utf-8", "replace")
            elif number == VALUE_SIMPLE:
                simple = as_float(raw)
            elif number == VALUE_TENSOR:
                tensor = as_bytes(raw)
            elif number == VALUE_METADATA:
                self._remember_plugin(tag, as_bytes(raw))
            elif number in VALUE_DROPPED:
                dropped = VALUE_DROPPED[number]
        if simple is not None:
            return tag, simple
        if tensor is not None:
            plugin = self.plugin_of.get(tag, "")
            number_value = _single_number(tensor) if plugin == SCALARS_PLUGIN else None
            if number_value is not None:
                return tag, number_value
            dropped = plugin or "tensors"
        if dropped:
            self.dropped[dropped] += 1
        return None

    def _remember_plugin(self, tag: str, metadata: bytes) -> None:
        # The tag field comes before the metadata in every writer's output (field order 1 < 9).
        for number, _, raw in fields(metadata):
            if number == METADATA_PLUGIN:
                plugin = dict((inner, as_bytes(value)) for inner, _, value in fields(as_bytes(raw)))
                name = plugin.get(PLUGIN_NAME, b"").decode("utf-8", "replace")
                self.plugin_of[tag] = name
                if name == HPARAMS_PLUGIN:
                    self.hparams.read(plugin.get(PLUGIN_CONTENT, b""))
            elif number == METADATA_DATA_CLASS and raw == DATA_CLASS_SCALAR:
                self.plugin_of.setdefault(tag, SCALARS_PLUGIN)


def _single_number(tensor: bytes) -> float | None:
    """The one float32/float64 element of a scalar TensorProto, or None when it is not one."""
    dtype = 0
    numbers: list[float] = []
    content = b""
    for number, wire_type, raw in fields(tensor):
        if number == TENSOR_DTYPE and isinstance(raw, int):
            dtype = raw
        elif number == TENSOR_CONTENT:
            content = as_bytes(raw)
        elif number == TENSOR_FLOAT:
            numbers += _packed(raw, "f") if wire_type == LENGTH else [as_float(raw)] if wire_type == FIXED32 else []
        elif number == TENSOR_DOUBLE:
            numbers += _packed(raw, "d") if wire_type == LENGTH else [as_double(raw)] if wire_type == FIXED64 else []
    if content and dtype in (DT_FLOAT, DT_DOUBLE):
        numbers = _packed(content, "f" if dtype == DT_FLOAT else "d")
    return numbers[0] if len(numbers) == 1 else None


def _packed(raw: int | bytes, code: str) -> list[float]:
    data = as_bytes(raw)
    size = struct.calcsize(code)
    if len(data) % size:
        return []
    return [float(number) for number in struct.unpack(f"<{len(data) // size}{code}", data)]
