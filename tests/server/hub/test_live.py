"""A real `runyard serve`: the spec's ExperimentHubClient, unmodified, end to end; a server restart."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
import requests

from tests.hub.conftest import RABBIT_URL, need_rabbit, rows
from tests.hub.toy import TOY_REF
from tests.live_server import LiveServer


# -- the spec's client, pasted verbatim ---------------------------------------------------
class ExperimentHubClient:
    def __init__(self, base_url="http://localhost:8010"):
        self.base_url = base_url

    def check_health(self):
        """Check the health of all plugins"""
        response = requests.get(f"{self.base_url}/health")
        return response.json()

    def get_available_experiments(self):
        """Get available experiment types"""
        response = requests.get(f"{self.base_url}/available_experiments")
        return response.json()

    def create_experiment(self, name, experiment_type, config):
        """Create a new experiment"""
        response = requests.post(
            f"{self.base_url}/create_experiment/{name}/{experiment_type}",
            json=config
        )
        return response.json()

    def train(self, name, config):
        """Train an experiment"""
        response = requests.post(
            f"{self.base_url}/{name}/train",
            json=config
        )
        return response.text

    def predict(self, name):
        """Make predictions with an experiment"""
        response = requests.post(f"{self.base_url}/{name}/predict")
        return response.text

    def load(self, name, run_id=None):
        """Load an experiment"""
        if run_id:
            response = requests.post(f"{self.base_url}/{name}/load/{run_id}")
        else:
            response = requests.post(f"{self.base_url}/{name}/load")
        return response.text

    def save(self, name):
        """Save an experiment"""
        response = requests.post(f"{self.base_url}/{name}/save")
        return response.text

    def get_plot(self, name, plot_name):
        """Get a plot from an experiment"""
        response = requests.get(f"{self.base_url}/{name}/plot/{plot_name}")
        return response.json()

    def get_eda_plot(self, name, plot_name):
        """Get an EDA figure from an experiment"""
        response = requests.get(f"{self.base_url}/{name}/plot_eda/{plot_name}")
        return response.json()

    def get_experiments(self):
        """Get experiment names and figure names"""
        response = requests.get(f"{self.base_url}/experiments")
        return response.json()
# -- end of the spec's client -------------------------------------------------------------


def series() -> pd.DataFrame:
    """60 days of a daily series with a weekly wave: the spec's `ds`/`value` columns."""
    days = pd.date_range("2024-01-01", periods=60, freq="D")
    return pd.DataFrame({"ds": days, "value": [10 + (i % 7) + i * 0.1 for i in range(60)]})


@pytest.fixture
def servers() -> Iterator[list[LiveServer]]:
    started: list[LiveServer] = []
    try:
        yield started
    finally:
        for server in started:
            server.stop()


def _spec_example(client: ExperimentHubClient) -> None:
    """The spec's "Example Usage", step by step, with its assertions added."""
    health = client.check_health()
    assert health["mlops"]["healthy"] and health["datastream"]["healthy"], health
    experiments = client.get_available_experiments()
    assert experiments["time_series"]["class"] == "TimeSeriesExperiment"
    config = {
        "setup": {
            "target": "value",
            "ds": "ds"
        },
        "create_model": {
            "model_type": "Prophet",
            "params": {
                "seasonality_mode": "multiplicative",
                "daily_seasonality": True
            }
        }
    }
    result = client.create_experiment("my_experiment", "time_series", config)
    assert result == {"message": "Creating experiment 'my_experiment' of type 'time_series'"}
    prediction = client.predict("my_experiment")
    assert json.loads(prediction) == "Prediction called", prediction
    plot = client.get_plot("my_experiment", "forecast")
    assert plot["data"] and "layout" in plot, plot
    assert client.get_experiments()["my_experiment"][0][0] == "forecast"
    assert client.get_eda_plot("my_experiment", "series")["data"]
    assert json.loads(client.save("my_experiment")) == "Experiment saved"
    assert json.loads(client.load("my_experiment")) == "Experiment loaded"
    run_id = requests.get(f"{client.base_url}/my_experiment/run_id").json()
    assert json.loads(client.load("my_experiment", run_id)) == "Experiment loaded"


def test_spec_client_then_server_killed_mid_training_and_restarted(
        tmp_path: Path, servers: list[LiveServer], monkeypatch: pytest.MonkeyPatch) -> None:
    # The embedded queue, data pushed over HTTP; the toy type (slow on demand) added by setting.
    monkeypatch.setenv("RUNYARD_HUB_TYPES", TOY_REF)
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[3]))
    first = LiveServer(tmp_path / "data").start()
    servers.append(first)
    pushed = requests.post(f"{first.url}/my_experiment/data", data=series().to_json(date_format="iso"))
    assert pushed.status_code == 202 and pushed.json()["rows"] == 60
    _spec_example(ExperimentHubClient(base_url=first.url))

    http = httpx.Client(base_url=first.url, timeout=30)
    assert http.post("/slow/data", content=rows()).status_code == 202
    created = http.post("/create_experiment/slow/toy", json={"target": "y", "steps": 10_000, "sleep": 0.05})
    assert created.status_code == 200, created.text
    run_uid = http.get("/slow/run_id").json()
    _wait_for_metrics(first.url, run_uid)
    assert first.signal(signal.SIGKILL) == -signal.SIGKILL

    second = LiveServer(tmp_path / "data", port=first.port).start()
    servers.append(second)
    http = httpx.Client(base_url=second.url, timeout=120)
    assert set(http.get("/experiments").json()) == {"my_experiment", "slow"}
    assert http.get("/slow/cfg").json()["steps"] == 10_000  # config survived
    run = http.get(f"/api/v1/experiments/runs/{run_uid}").json()
    assert run["status"] in ("KILLED", "CRASHED"), run  # the watchdog or the restart ended it
    # Both usable again: the Prophet model predicts from its artifacts; the toy trains anew.
    assert http.post("/my_experiment/predict").json() == "Prediction called"
    assert http.get("/my_experiment/plot/forecast").json()["data"]
    assert http.post("/slow/train", json={"target": "y", "steps": 2}).status_code == 200
    assert http.post("/slow/predict").json() == "Prediction called"
    assert http.get("/slow/plot/forecast").json()["data"][0]["y"] == [4.5, 4.5, 4.5]


def _wait_for_metrics(url: str, run_uid: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = httpx.get(f"{url}/api/v1/experiments/runs/{run_uid}").json()
        if found.get("metrics"):
            return
        time.sleep(0.1)
    raise AssertionError(f"run {run_uid} never logged a metric")


def test_spec_client_with_rabbitmq(tmp_path: Path, servers: list[LiveServer]) -> None:
    need_rabbit()
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(RABBIT_URL))
    channel = connection.channel()
    channel.queue_declare("my_experiment", durable=True)
    channel.queue_purge("my_experiment")
    frame = series()
    # Two messages in the two shapes clients send: a frame's to_json and a list of records.
    channel.basic_publish("", "my_experiment", frame.iloc[:30].to_json(date_format="iso"))
    channel.basic_publish("", "my_experiment", frame.iloc[30:].to_json(orient="records", date_format="iso"))
    connection.close()
    try:
        server = LiveServer(tmp_path / "data", extra=["--datastream", RABBIT_URL]).start()
        servers.append(server)
        health = requests.get(f"{server.url}/health").json()["datastream"]
        assert health == {"healthy": True, "details": {"status": "connected", "backend": "rabbitmq",
                                                       "host": "127.0.0.1", "port": 5672}}
        _spec_example(ExperimentHubClient(base_url=server.url))
        assert len(requests.get(f"{server.url}/my_experiment/train_data").json()) == 60
        assert requests.post(f"{server.url}/my_experiment/data", data=rows()).status_code == 202
        assert requests.post(f"{server.url}/flush/my_experiment").json() == "Rabbit flushed"
        channel_check = pika.BlockingConnection(pika.URLParameters(RABBIT_URL))
        count = channel_check.channel().queue_declare("my_experiment", passive=True).method.message_count
        channel_check.close()
        assert count == 0
    finally:
        cleanup = pika.BlockingConnection(pika.URLParameters(RABBIT_URL))
        cleanup.channel().queue_delete("my_experiment")
        cleanup.close()
