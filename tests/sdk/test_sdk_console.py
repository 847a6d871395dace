"""Console capture: the tee stream, and capture of a real script's output."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import runyard
from runyard.sdk.console import MAX_LINE_CHARS, ConsoleCapture, LineBuffer, TeeStream
from runyard.store import Store
from tests.sdk.helpers import start_script, write_script


def lines_of(buffer: LineBuffer) -> list[tuple[str, str]]:
    return [(stream, line) for _, stream, line in buffer.take(10_000)]


def test_tee_collects_complete_lines_and_passes_through() -> None:
    original = io.StringIO()
    buffer = LineBuffer()
    tee = TeeStream(original, "stdout", buffer)
    print("hello", "world", file=tee)
    tee.write("partial")
    assert lines_of(buffer) == [("stdout", "hello world")]
    tee.write(" line\nnext\n")
    tee.writelines(["a\n", "b"])
    tee.flush_partial()
    assert lines_of(buffer) == [("stdout", "partial line"), ("stdout", "next"), ("stdout", "a"), ("stdout", "b")]
    assert original.getvalue() == "hello world\npartial line\nnext\na\nb"


def test_tee_keeps_last_state_of_redrawn_lines() -> None:
    buffer = LineBuffer()
    tee = TeeStream(io.StringIO(), "stderr", buffer)
    for pct in range(0, 101, 10):
        tee.write(f"\r{pct:3d}%|{'#' * (pct // 10)}")
    tee.write("\n")
    tee.write("windows line\r\n")
    assert lines_of(buffer) == [("stderr", "100%|##########"), ("stderr", "windows line")]


def test_tee_splits_very_long_lines() -> None:
    buffer = LineBuffer()
    tee = TeeStream(io.StringIO(), "stdout", buffer)
    tee.write("x" * (MAX_LINE_CHARS * 2 + 5))
    tee.flush_partial()
    assert [len(line) for _, line in lines_of(buffer)] == [MAX_LINE_CHARS, MAX_LINE_CHARS, 5]


def test_tee_delegates_stream_attributes(tmp_path: Path) -> None:
    with open(tmp_path / "out.txt", "w", encoding="latin-1") as fh:
        tee = TeeStream(fh, "stdout", LineBuffer())
        assert tee.fileno() == fh.fileno()
        assert tee.encoding == "latin-1"
        assert tee.isatty() is False
        assert tee.writable() and not tee.readable()
        assert tee.mode == "w" and tee.name == fh.name
        assert tee.buffer is fh.buffer
        assert not tee.closed
        tee.write("é\n")
        tee.flush()
        tee.close()  # must not close the original
        assert not fh.closed
    assert (tmp_path / "out.txt").read_text(encoding="latin-1") == "é\n"


def test_line_buffer_is_bounded() -> None:
    buffer = LineBuffer(max_pending=3)
    for i in range(5):
        buffer.add("stdout", str(i))
    assert len(buffer) == 3 and buffer.dropped == 2


def test_capture_restores_streams() -> None:
    before = (sys.stdout, sys.stderr)
    buffer = LineBuffer()
    capture = ConsoleCapture(buffer)
    capture.start()
    assert isinstance(sys.stdout, TeeStream) and isinstance(sys.stderr, TeeStream)
    print("captured")
    sys.stderr.write("err")
    capture.stop()
    capture.stop()
    assert (sys.stdout, sys.stderr) == before
    assert lines_of(buffer) == [("stdout", "captured"), ("stderr", "err")]


def test_capture_in_process(data_dir: Path, reader: Store) -> None:
    before = sys.stdout
    with runyard.init(project="p", dir=data_dir) as run:
        assert sys.stdout is not before
        print("epoch 1 done")
        print("warning!", file=sys.stderr)
    assert sys.stdout is before
    got = [(line.stream, line.line) for line in reader.read_logs(run.id)]
    assert got == [("stdout", "epoch 1 done"), ("stderr", "warning!")]


def test_capture_of_a_script(tmp_path: Path, data_dir: Path, reader: Store) -> None:
    script = write_script(
        tmp_path,
        f"""
        import sys, runyard
        run = runyard.init(project="p", name="console", dir={str(data_dir)!r})
        print("line one")
        print("line", "two")
        sys.stderr.write("to stderr\\n")
        for i in range(3):
            sys.stdout.write(f"\\rprogress {{i}}")
        print()
        print("unicode ✓ ok")
        sys.stdout.write("no newline at the end")
        """,
    )
    proc = start_script(script)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "line one\nline two\n" in out and "to stderr" in err  # still printed
    run = reader.get_run_by_name(reader.get_project_by_name("p").id, "console")
    got = [(line.stream, line.line) for line in reader.read_logs(run.id)]
    assert got == [
        ("stdout", "line one"),
        ("stdout", "line two"),
        ("stderr", "to stderr"),
        ("stdout", "progress 2"),
        ("stdout", "unicode ✓ ok"),
        ("stdout", "no newline at the end"),
    ]
    assert run.status == "finished"  # atexit finished it
