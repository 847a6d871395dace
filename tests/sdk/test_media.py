"""runyard.Image / Histogram / Table: each input form, what is stored, bounded memory, local and remote mode."""

from __future__ import annotations

import io
import struct
import sys
import threading
import time
import warnings
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import PIL.Image
import pytest

import runyard
from runyard import media_index
from runyard.sdk.media import Histogram, Image, Table
from runyard.sdk.media_encode import encode, png_from_array
from runyard.sdk.media_writer import MediaWriter
from runyard.sdk.warn import RunyardWarning, WarnOnce
from runyard.store import Store, open_store
from tests.live_server import LiveServer
from tests.sdk.helpers import MemorySink


def _pixels(png: bytes) -> np.ndarray[Any, Any]:
    with PIL.Image.open(io.BytesIO(png)) as image:
        return np.asarray(image)


def _files(key: str, item: Any, step: int = 3) -> dict[str, bytes]:
    return dict(encode(key, step, item))


def _init(data_dir: Path, **kwargs: Any) -> runyard.Run:
    return runyard.init(project="media", dir=data_dir, capture_console=False, system_info=False, **kwargs)


def _read(store: Store, run_id: int, path: str) -> bytes:
    return store.read_artifact(run_id, path)


# -- each kind, each input form ------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 1), (5, 7, 3), (5, 7, 4)])
def test_image_from_uint8_array_keeps_every_pixel(shape: tuple[int, ...]) -> None:
    array = np.random.default_rng(1).integers(0, 256, size=shape, dtype=np.uint8)
    png = _files("img", Image(array))["media/img/3.png"]
    assert np.array_equal(_pixels(png), array.reshape(array.shape[:2]) if shape[-1:] == (1,) else array)


def test_channels_first_arrays_are_turned_to_channels_last() -> None:
    array = np.random.default_rng(4).integers(0, 256, size=(3, 6, 7), dtype=np.uint8)  # CxHxW, as a torch tensor
    assert np.array_equal(_pixels(_files("chw", Image(array))["media/chw/3.png"]), array.transpose(1, 2, 0))
    assert _pixels(_files("g", Image(np.zeros((1, 5, 6))))["media/g/3.png"]).shape == (5, 6)
    assert _pixels(_files("hwc", Image(np.zeros((3, 4, 3))))["media/hwc/3.png"]).shape == (3, 4, 3)  # kept as HxWxC


def test_image_from_floats_and_bools_scales_to_0_255() -> None:
    floats = np.array([[0.0, 0.5, 1.0, 2.0], [-1.0, np.nan, np.inf, 0.25]])
    assert _pixels(_files("f", Image(floats))["media/f/3.png"]).tolist() == [[0, 128, 255, 255], [0, 0, 255, 64]]
    bools = np.array([[True, False]])
    assert _pixels(_files("b", Image(bools))["media/b/3.png"]).tolist() == [[255, 0]]


def test_image_copies_the_array_at_log_time() -> None:
    array = np.zeros((2, 2), np.uint8)
    image = Image(array)
    array[:] = 200  # the caller reuses its buffer right after logging
    assert _pixels(_files("c", image)["media/c/3.png"]).max() == 0


def test_image_from_pil_and_from_files(tmp_path: Path) -> None:
    pil = PIL.Image.new("RGB", (3, 2), (10, 20, 30))
    assert _pixels(_files("p", Image(pil))["media/p/3.png"])[0, 0].tolist() == [10, 20, 30]
    cmyk = PIL.Image.new("CMYK", (2, 2))  # a mode PNG cannot hold is converted
    assert _pixels(_files("k", Image(cmyk))["media/k/3.png"]).shape == (2, 2, 3)
    png_file = tmp_path / "x.png"
    pil.save(png_file)
    assert _files("f", Image(str(png_file)))["media/f/3.png"] == png_file.read_bytes()  # a PNG is kept as is
    jpeg_file = tmp_path / "x.jpg"
    pil.save(jpeg_file)
    assert _pixels(_files("j", Image(jpeg_file))["media/j/3.png"]).shape == (2, 3, 3)


def test_image_caption_goes_to_a_sidecar_written_first() -> None:
    files = encode("val/samples", 7, Image(np.zeros((2, 2)), caption="a cat"))
    assert [path for path, _ in files] == ["media/val/samples/7.png.json", "media/val/samples/7.png"]
    assert orjson.loads(files[0][1]) == {"caption": "a cat"}


def test_the_pure_numpy_png_writer_makes_valid_pngs() -> None:
    for array in (np.arange(12, dtype=np.uint8).reshape(3, 4), np.full((2, 3, 3), 7, np.uint8),
                  np.arange(32, dtype=np.uint8).reshape(2, 4, 4)):
        png = png_from_array(array)
        assert np.array_equal(_pixels(png), array)
        length = struct.unpack(">I", png[8:12])[0]  # IHDR's CRC is checked by hand, not only by Pillow
        assert struct.unpack(">I", png[16 + length:20 + length])[0] == zlib.crc32(png[12:16 + length])


def test_without_pillow_the_sdk_writes_png_itself(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    array = np.random.default_rng(3).integers(0, 256, size=(9, 5, 4), dtype=np.uint8)
    jpeg_file = tmp_path / "x.jpg"
    PIL.Image.new("RGB", (2, 2)).save(jpeg_file)
    monkeypatch.setitem(sys.modules, "PIL", None)  # `import PIL.Image` now raises ImportError
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    png = _files("np", Image(array))["media/np/3.png"]
    with pytest.raises(ValueError, match="install Pillow"):
        Image(jpeg_file)
    monkeypatch.undo()
    assert png == png_from_array(array) and np.array_equal(_pixels(png), array)


@pytest.mark.parametrize(("data", "error"), [
    (np.zeros((2, 2, 2)), ValueError), (np.zeros(4), ValueError), (np.zeros((0, 3)), ValueError),
    (np.array([["a"]]), TypeError), (object(), TypeError), ("/nonexistent.png", FileNotFoundError),
    (np.zeros((6000, 6000), np.uint8), ValueError),
])
def test_bad_images_raise_at_construction(data: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        Image(data)
    with pytest.raises(TypeError):
        Image(np.zeros((2, 2)), caption=5)  # type: ignore[arg-type]


def test_histogram_from_values_bins_with_numpy_and_counts_nonfinite_apart() -> None:
    values = np.concatenate([np.linspace(0, 1, 100), [np.nan, np.inf]])
    found = orjson.loads(_files("h", Histogram(values, num_bins=4))["media/h/3.histogram.json"])
    counts, edges = np.histogram(np.linspace(0, 1, 100), bins=4)
    assert found == {"counts": counts.tolist(), "edges": edges.tolist(), "nonfinite": 2}


def test_histogram_from_precomputed_bins() -> None:
    found = orjson.loads(_files("h", Histogram(bins=([1, 2.5], [0, 1, 3])))["media/h/3.histogram.json"])
    assert found == {"counts": [1, 2.5], "edges": [0.0, 1.0, 3.0], "nonfinite": 0}
    for bad in (([1, 2], [0, 1]), ([1], [1, 0]), ([np.nan], [0, 1]), "x"):
        with pytest.raises(ValueError):
            Histogram(bins=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Histogram([1.0], num_bins=0)
    with pytest.raises(ValueError):
        Histogram()


def test_table_from_rows_and_from_a_dataframe() -> None:
    pandas = pytest.importorskip("pandas")
    table = Table(["name", "score", "ok"], [["a", 1.5, True], ["b", float("nan"), None], ["c", np.int64(3), {"x": 1}]])
    found = orjson.loads(_files("t", table)["media/t/3.table.json"])
    assert found == {"columns": ["name", "score", "ok"],
                     "rows": [["a", 1.5, True], ["b", "NaN", None], ["c", 3, "{'x': 1}"]]}
    frame = pandas.DataFrame({"x": [1, 2], "y": ["u", "v"]})
    assert orjson.loads(_files("d", Table(dataframe=frame))["media/d/3.table.json"]) == {
        "columns": ["x", "y"], "rows": [[1, "u"], [2, "v"]]}


def test_table_size_is_bounded_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="over 100000 cells"):
        Table(["a", "b"], [[1, 2]] * 50_001)
    with pytest.raises(ValueError, match="row 1 must be a list of 2 values"):
        Table(["a", "b"], [[1, 2], [1]])
    with pytest.raises(ValueError):
        Table(["a"])


# -- logging through a run -------------------------------------------------------------------
def test_log_mixes_media_and_scalars_in_local_mode(data_dir: Path, reader: Store) -> None:
    run = _init(data_dir)
    for step in range(3):
        run.log({"loss": 1.0 / (step + 1), "val/samples": Image(np.full((4, 4, 3), step, np.uint8), caption=f"s{step}"),
                 "weights": Histogram(np.arange(10.0) * step), "preds": Table(["y"], [[step]])}, step=step * 10)
    run.log({"only": Image(np.zeros((2, 2)))})  # media alone advance the step too
    assert run.step == 22
    run.finish()
    series = media_index.index_media(reader.list_artifacts(run.id))
    assert [(s.key, s.kind, s.steps) for s in series] == [
        ("only", "image", [21]), ("preds", "table", [0, 10, 20]), ("val/samples", "image", [0, 10, 20]),
        ("weights", "histogram", [0, 10, 20])]
    assert series[2].captioned == {0, 10, 20}
    assert _pixels(_read(reader, run.id, "media/val/samples/20.png"))[0, 0].tolist() == [2, 2, 2]
    assert reader.read_metric(run.id, "loss").steps.tolist() == [0, 10, 20]


def test_bad_media_keys_raise_in_log(data_dir: Path) -> None:
    run = _init(data_dir)
    for key in ("../x", "a//b", "a\\b", ""):
        with pytest.raises(ValueError):
            run.log({key: Image(np.zeros((2, 2)))})
    run.finish()


class _SlowSink(MemorySink):
    """A sink whose artifact writes wait until the test lets them go."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()
        self.stored: list[str] = []

    def add_artifact_bytes(self, run_id: int, name: str, data: bytes) -> Any:
        self.entered.set()
        self.release.wait(10)
        self.stored.append(name)


def test_a_full_queue_drops_the_oldest_with_one_warning_and_never_blocks() -> None:
    sink = _SlowSink()
    writer = MediaWriter(1, sink, WarnOnce(), max_pending=3)
    writer.start()
    writer.put("h", 0, Histogram([1.0]))
    assert sink.entered.wait(10)  # the writer holds item 0 (blocked in the sink) from here on
    started = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in range(1, 20):
            writer.put("h", step, Histogram([1.0, 2.0]))
    assert time.monotonic() - started < 1.0  # put never waited for the (blocked) writes
    assert len([w for w in caught if issubclass(w.category, RunyardWarning)]) == 1
    assert "dropped the oldest" in str(caught[0].message)
    sink.release.set()
    writer.stop(10)
    # The first item was taken before the queue filled; of the rest, only the newest three stayed.
    assert sink.stored == ["media/h/0.histogram.json", *(f"media/h/{s}.histogram.json" for s in (17, 18, 19))]
    assert writer.dropped == 16 and writer.written == 4 and writer.pending() == 0


def test_the_queue_is_bounded_by_bytes_too() -> None:
    sink = _SlowSink()
    writer = MediaWriter(1, sink, WarnOnce(), max_bytes=3 * 8_000)
    writer.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for step in range(10):
            writer.put("h", step, Histogram(np.zeros(1_000)))  # 8,000 bytes each
    assert writer.pending() <= 4
    sink.release.set()
    writer.stop(10)


def test_a_failing_write_is_a_warning_and_the_run_goes_on(data_dir: Path, reader: Store) -> None:
    run = _init(data_dir)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run.log({"t": Table(["x"], [[1]])}, step=1)
        run.log({"t/1.table.json": Table(["x"], [[1]])}, step=2)  # needs media/t/1.table.json as a folder
        run.log({"loss": 1.0}, step=3)
        run.finish()
    assert any("could not store table" in str(w.message) for w in caught)
    assert run.status == "finished"
    assert reader.read_metric(run.id, "loss").steps.tolist() == [3]


def test_remote_mode_uploads_media_to_a_real_server(tmp_path: Path, servers: list[LiveServer]) -> None:
    server = LiveServer(tmp_path / "server")
    servers.append(server)
    server.start()
    run = runyard.init(project="media", name="remote", server=server.url, dir=tmp_path / "client",
                       capture_console=False, system_info=False)
    array = np.random.default_rng(2).integers(0, 256, size=(8, 6, 3), dtype=np.uint8)
    run.log({"acc": 0.5, "samples": Image(array, caption="remote"), "w": Histogram([1.0, 2.0, 2.0], num_bins=2)}, step=4)
    run.finish()
    store = open_store(tmp_path / "server")
    try:
        run_id = store.get_run_by_uid(run.uid).id
        assert np.array_equal(_pixels(_read(store, run_id, "media/samples/4.png")), array)
        assert orjson.loads(_read(store, run_id, "media/samples/4.png.json")) == {"caption": "remote"}
        assert orjson.loads(_read(store, run_id, "media/w/4.histogram.json"))["counts"] == [1, 2]
    finally:
        store.close()


def test_remote_media_logged_while_the_server_is_down_arrive_from_the_spool(tmp_path: Path,
                                                                             servers: list[LiveServer]) -> None:
    server = LiveServer(tmp_path / "server")
    servers.append(server)  # not started yet: the run begins offline
    array = np.random.default_rng(5).integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "unreachable": expected here
        run = runyard.init(project="media", name="offline", server=server.url, dir=tmp_path / "client",
                           capture_console=False, system_info=False, drain_timeout=60.0)
        run.log({"samples": Image(array, caption="offline"), "t": Table(["a"], [[1]])}, step=2)
        assert run._media is not None and run._media.wait_idle(30)  # encoded and in the spool
        server.start()
        run.finish()  # drains the spool: create, then the media uploads
    store = open_store(tmp_path / "server")
    try:
        run_id = store.get_run_by_uid(run.uid).id
        assert np.array_equal(_pixels(_read(store, run_id, "media/samples/2.png")), array)
        assert orjson.loads(_read(store, run_id, "media/samples/2.png.json")) == {"caption": "offline"}
        assert orjson.loads(_read(store, run_id, "media/t/2.table.json")) == {"columns": ["a"], "rows": [[1]]}
    finally:
        store.close()
