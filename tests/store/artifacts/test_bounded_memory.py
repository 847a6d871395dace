"""A 200 MB file goes through each artifact store in small chunks without being held in memory.

Measured in a fresh interpreter (its RSS sampled every 5 ms, against what it held before the
transfer), so what the test process already holds does not count. Bytes are made block by block and checked by sha256 on the
way back: neither side ever has the whole file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SIZE = 200 << 20
# What the stores may hold on top of the interpreter: obstore's parts in flight (8 MiB x 4
# uploading + the one being filled) and one 8 MiB download range, with allocator slack.
BUDGET = 90 << 20

_SCRIPT = """
import hashlib, io, json, sys, threading, time
import psutil
from pathlib import Path
from runyard.store.artifacts import Folder, open_artifact_store

location, data_dir, size = sys.argv[1] or None, Path(sys.argv[2]), int(sys.argv[3])
store = open_artifact_store(location, data_dir)
block = bytes(range(256)) * 256  # 64 KiB

class Source:
    def __init__(self):
        self.sent = 0
    def read(self, n=-1):
        if self.sent >= size:
            return b""
        self.sent += len(block)
        return block

process = psutil.Process()
highest = [0]
def sample():  # the peak RSS of the interpreter's life would hide this; sample the current one
    while True:
        highest[0] = max(highest[0], process.memory_info().rss)
        time.sleep(0.005)
threading.Thread(target=sample, daemon=True).start()
def peak():
    time.sleep(0.02)
    return highest[0]
store.put(Folder.run("warm"), "w", io.BytesIO(b"warm"))  # imports and the client warmed first
store.open(Folder.run("warm"), "w").read_bytes()
time.sleep(0.05)
before = process.memory_info().rss
highest[0] = before
source = Source()
stored = store.put(Folder.run("r1"), "big.bin", source)
after_put = peak()
digest = hashlib.sha256()
for chunk in store.open(Folder.run("r1"), "big.bin").chunks():
    digest.update(chunk)
expected = hashlib.sha256()
for _ in range(size // len(block)):
    expected.update(block)
print(json.dumps({"before": before, "after_put": after_put, "after_get": peak(), "size": stored.size,
                  "stored": stored.sha256, "read": digest.hexdigest(), "expected": expected.hexdigest()}))
"""


def test_a_200_mb_file_streams_both_ways_in_bounded_memory(location: str | None, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", _SCRIPT, location or "", str(tmp_path / "data"), str(SIZE)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["size"] == SIZE
    assert found["stored"] == found["read"] == found["expected"]
    grown = found["after_get"] - found["before"]
    print(f"{location or 'local'}: peak RSS grew {grown / (1 << 20):.1f} MiB for a {SIZE >> 20} MiB round trip")
    assert grown < BUDGET, f"peak RSS grew {grown >> 20} MiB moving {SIZE >> 20} MiB"
