"""`runyard ls` and `runyard show`."""

from __future__ import annotations

import json

from tests.cli.conftest import Invoke
from tests.cli.helpers import Sample


def test_ls_projects(cli: Invoke) -> None:
    result = cli("ls")
    assert result.exit_code == 0, result.output
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if "│" in line}
    assert "3" in lines["vision"].split("│")[2]
    assert "1" in lines["nlp"].split("│")[2]
    assert "image models" in lines["vision"]


def test_ls_projects_json(cli: Invoke) -> None:
    rows = json.loads(cli("ls", "--json").stdout)
    assert [(r["name"], r["runs"]) for r in rows] == [("vision", 3), ("nlp", 1)]


def test_ls_runs_table(cli: Invoke, sample: Sample) -> None:
    result = cli("ls", "vision")
    assert result.exit_code == 0, result.output
    out = result.stdout
    header = next(line for line in out.splitlines() if "name" in line and "uid" in line)
    assert [c.strip() for c in header.strip("┃ ").split("┃")] == [
        "name", "uid", "status", "duration", "acc", "loss", "lr",
    ]
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.startswith("│")}
    assert list(rows) == ["baseline", "fast", "broken"]
    assert sample.uids["fast"] in rows["fast"] and "finished" in rows["fast"]
    assert [c.strip() for c in rows["baseline"].split("│")[5:8]] == ["0.9", "0.4", "4.94066e-324"]
    assert "failed" in rows["broken"]


def test_ls_runs_filter_sort_status_limit(cli: Invoke) -> None:
    def run_names(*args: str) -> list[str]:
        result = cli("ls", "vision", *args)
        assert result.exit_code == 0, result.output
        return [line.split("│")[1].strip() for line in result.stdout.splitlines() if line.startswith("│")]

    assert run_names("--filter", "params.optimizer = 'sgd'") == ["baseline", "broken"]
    assert run_names("--sort", "metrics.loss desc") == ["broken", "baseline", "fast"]
    assert run_names("--sort", "params.optimizer asc", "--sort", "params.lr desc") == [
        "fast", "broken", "baseline",
    ]
    assert run_names("--status", "failed") == ["broken"]
    assert run_names("--status", "failed,finished", "--sort", "metrics.loss asc") == [
        "fast", "baseline", "broken",
    ]
    result = cli("ls", "vision", "--limit", "1")
    assert "showing 1 of 3 runs" in result.stdout


def test_ls_runs_json_and_keys(cli: Invoke) -> None:
    runs = json.loads(cli("ls", "vision", "--json", "--filter", "tags contains 'b'").stdout)
    assert [r["name"] for r in runs] == ["baseline", "broken"]
    assert runs[0]["summary"] == {"acc": 0.9, "loss": 0.4, "lr": 5e-324}
    out = cli("ls", "vision", "--keys", "loss").stdout
    header = next(line for line in out.splitlines() if "uid" in line)
    assert "loss" in header and "acc" not in header


def test_dir_option_after_command(cli: Invoke, sample: Sample) -> None:
    result = cli("ls", "--dir", str(sample.dir), dir=sample.dir / "elsewhere")
    assert result.exit_code == 0, result.output
    assert "vision" in result.stdout


def test_show_run(cli: Invoke, sample: Sample) -> None:
    for ref in (sample.uids["baseline"], "vision/baseline", str(sample.ids["baseline"])):
        result = cli("show", ref, "--logs", "2")
        assert result.exit_code == 0, result.output
        out = result.stdout
        assert "vision/baseline" in out and sample.uids["baseline"] in out
        assert "model.depth" in out and "18" in out  # nested config flattened
        assert "optimizer" in out and "sgd" in out
        assert "notes of baseline" in out and "a, b" in out
        assert "python" in out
        loss_row = next(line for line in out.splitlines() if line.startswith("│ loss"))
        assert [c.strip() for c in loss_row.split("│")[1:7]] == [
            "loss", "10", "-Infinity", "Infinity", "0.4", "9",
        ]
        assert "baseline line 4" in out and "baseline line 3" in out
        assert "baseline line 2" not in out


def test_show_json(cli: Invoke, sample: Sample) -> None:
    data = json.loads(cli("show", "vision/baseline", "--json").stdout)
    assert data["uid"] == sample.uids["baseline"]
    assert data["metrics"]["loss"]["min"] == "-Infinity"
    assert data["metrics"]["loss"]["max"] == "Infinity"
    assert data["metrics"]["acc"] == {
        "count": 3, "min": 0.1, "max": 0.9, "first_step": 0, "last_step": 10, "last": 0.9,
        "last_time": 1_700_000_010.0,
    }
    assert [x["line"] for x in data["logs"]] == [f"baseline line {i}" for i in range(5)]
