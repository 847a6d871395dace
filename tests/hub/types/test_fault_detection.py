"""fault_detection: detectors find injected anomalies, plot, and survive save/load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")
pytest.importorskip("scipy")

from runyard.hub.types.base import DataError, NotTrainedError, TrainingStopped  # noqa: E402
from runyard.hub.types.fault_detection import FaultDetectionExperiment  # noqa: E402
from tests.hub.types.conftest import Recorder, StopAfter, assert_figure, never  # noqa: E402

MODELS = ["IsolationForest", "PCA"]


def config(model_type: str, **params: Any) -> dict[str, Any]:
    return {"setup": {"ds": "ts", "label": "fault"},
            "create_model": {"model_type": model_type, "params": params}}


@pytest.fixture(scope="module")
def trained(faults: Any) -> dict[str, tuple[FaultDetectionExperiment, Recorder, dict[str, float]]]:
    out = {}
    for model_type, params in [("IsolationForest", {"contamination": 0.05}), ("PCA", {})]:
        experiment = FaultDetectionExperiment(config(model_type, **params))
        recorder = Recorder()
        out[model_type] = (experiment, recorder, experiment.train(faults, recorder, never))
    return out


@pytest.mark.parametrize("model_type", MODELS)
def test_finds_the_injected_anomalies(trained: Any, model_type: str) -> None:
    _, recorder, final = trained[model_type]
    assert set(final) == {"anomaly_rate", "precision", "recall", "f1"}
    assert final["recall"] >= 0.9
    assert final["precision"] >= 0.5
    assert 0 < final["anomaly_rate"] <= 0.1
    assert recorder.calls[-1][0] == final


def test_isolation_forest_reports_as_the_forest_grows(trained: Any) -> None:
    _, recorder, _ = trained["IsolationForest"]
    assert [step for _, step in recorder.calls] == list(range(10, 101, 10))


def test_pca_limits_and_statistics(trained: Any, faults: Any) -> None:
    experiment, _, _ = trained["PCA"]
    prediction = experiment.predict()
    assert {"t2", "spe", "t2_limit", "spe_limit", "score", "threshold", "anomaly"} <= set(prediction.columns)
    over = (prediction["t2"] > prediction["t2_limit"]) | (prediction["spe"] > prediction["spe_limit"])
    assert (over == prediction["anomaly"]).all()
    # 99% limits on mostly normal data: few normal rows are flagged.
    normal = prediction[faults["fault"] == 0]
    assert normal["anomaly"].mean() < 0.05


def test_features_default_to_numeric_columns_without_ds_and_label(trained: Any) -> None:
    experiment, _, _ = trained["PCA"]
    assert experiment.params()["model_type"] == "PCA"
    assert experiment._state["features"] == ["a", "b", "c", "d"]


@pytest.mark.parametrize("model_type", MODELS)
def test_predict_new_rows(trained: Any, model_type: str) -> None:
    experiment, _, _ = trained[model_type]
    rows = pd.DataFrame({"a": [0.0, 9.0], "b": [0.0, -9.0], "c": [0.0, 9.0], "d": [0.0, np.nan]})
    prediction = experiment.predict(rows)
    assert list(prediction["anomaly"]) == [False, True]
    assert prediction["d"].notna().all()  # filled with the training median


@pytest.mark.parametrize("model_type", MODELS)
def test_plots_are_clean_plotly_json(trained: Any, faults: Any, model_type: str) -> None:
    experiment, _, _ = trained[model_type]
    experiment.predict()
    for name in experiment.plots:
        assert_figure(experiment.plot(name))
    for name in experiment.eda_plots:
        assert_figure(experiment.eda_plot(name, faults))
    heatmap = experiment.eda_plot("correlation", faults)["data"][0]
    assert heatmap["x"] == ["a", "b", "c", "d"] and len(heatmap["z"]) == 4


def test_pca_contributions_point_at_the_faulty_feature(faults: Any) -> None:
    # Trained on the normal rows, so the two latent directions are the two components.
    experiment = FaultDetectionExperiment(config("PCA"))
    experiment.train(faults[faults["fault"] == 0], Recorder(), never)
    experiment.predict(pd.DataFrame({"a": [0.0], "b": [0.0], "c": [0.0], "d": [12.0]}))
    bars = {trace["name"]: trace["y"] for trace in experiment.plot("contributions")["data"]}
    assert int(np.argmax(bars["SPE"])) == 3


@pytest.mark.parametrize("model_type", MODELS)
def test_save_load_gives_the_same_scores(trained: Any, faults: Any, tmp_path: Path, model_type: str) -> None:
    experiment, _, _ = trained[model_type]
    before = experiment.predict(faults)
    experiment.save(tmp_path)
    restored = FaultDetectionExperiment.load(tmp_path, experiment.config)
    np.testing.assert_allclose(restored.predict(faults)["score"], before["score"])
    assert_figure(restored.plot("scores"))


@pytest.mark.parametrize("model_type", MODELS)
def test_should_stop_raises_training_stopped(faults: Any, model_type: str) -> None:
    experiment = FaultDetectionExperiment(config(model_type))
    with pytest.raises(TrainingStopped):
        experiment.train(faults, Recorder(), StopAfter(2 if model_type == "IsolationForest" else 1))
    with pytest.raises(NotTrainedError):
        experiment.plot("scores")


def test_bad_data(faults: Any) -> None:
    with pytest.raises(DataError, match="zz"):
        FaultDetectionExperiment({"setup": {"features": ["a", "zz"]}, "create_model": {"model_type": "pca"}}
                                 ).train(faults, Recorder(), never)
    bad_label = faults.assign(fault=faults["fault"] * 2)
    with pytest.raises(DataError, match="label"):
        FaultDetectionExperiment(config("pca")).train(bad_label, Recorder(), never)
    with pytest.raises(DataError, match="numeric"):
        FaultDetectionExperiment(config("pca")).train(faults[["ts"]].assign(name="x"), Recorder(), never)
