"""Real XGBoost and LightGBM boost three rounds on random data with their RunyardCallback;
what they logged is read back from the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import runyard
from runyard.store import Store
from tests.integrations.conftest import framework, only_run

ROUNDS = 3


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4))
    return x, x @ np.array([1.0, -2.0, 0.5, 0.0]) + rng.normal(scale=0.1, size=64)


def test_xgboost_train_config_rounds_model(data_dir: Path, reader: Store) -> None:
    xgb = framework("xgboost")
    from runyard.integrations.xgboost import RunyardCallback

    x, y = _data()
    train, valid = xgb.DMatrix(x[:48], label=y[:48]), xgb.DMatrix(x[48:], label=y[48:])
    callback = RunyardCallback("boost", name="xgb", log_checkpoints=True, dir=data_dir, capture_console=False)
    xgb.train({"max_depth": 2, "eta": 0.3, "eval_metric": ["rmse", "mae"]}, train, ROUNDS,
              evals=[(train, "train"), (valid, "valid")], verbose_eval=False, callbacks=[callback])
    run = reader.get_run(only_run(reader, "boost"))
    assert run.name == "xgb" and run.status == "finished"
    assert run.config["gradient_booster.tree_train_param.max_depth"] == "2"
    assert run.config["objective.name"] == "reg:squarederror"
    for key in ("train-rmse", "train-mae", "valid-rmse", "valid-mae"):
        assert reader.read_metric(run.id, key).steps.tolist() == [0, 1, 2], key
    assert [a.path for a in reader.list_artifacts(run.id)] == ["model/model.json"]
    model = xgb.Booster(model_file=str(reader.open_artifact(run.id, "model/model.json").local_path))
    assert model.num_boosted_rounds() == ROUNDS


def test_xgboost_cv_logs_mean_and_std_into_the_run_init_started(data_dir: Path, reader: Store) -> None:
    xgb = framework("xgboost")
    from runyard.integrations.xgboost import RunyardCallback

    x, y = _data()
    run = runyard.init(project="mine", dir=data_dir, capture_console=False)
    xgb.cv({"max_depth": 2}, xgb.DMatrix(x, label=y), ROUNDS, nfold=2, callbacks=[RunyardCallback()])
    assert runyard.run is run and run.status == "running"
    run.finish()
    stored = reader.get_run(only_run(reader, "mine"))
    assert reader.read_metric(stored.id, "test-rmse").steps.tolist() == [0, 1, 2]
    assert reader.read_metric(stored.id, "test-rmse-std").steps.tolist() == [0, 1, 2]


def test_lightgbm_train_config_iterations_model(data_dir: Path, reader: Store) -> None:
    lgb = framework("lightgbm")
    from runyard.integrations.lightgbm import RunyardCallback

    x, y = _data()
    train = lgb.Dataset(x[:48], label=y[:48])
    valid = lgb.Dataset(x[48:], label=y[48:], reference=train)
    callback = RunyardCallback("boost", name="lgb", log_checkpoints=True, dir=data_dir, capture_console=False)
    params = {"objective": "regression", "num_leaves": 4, "min_data_in_leaf": 2, "metric": ["l2", "l1"], "verbose": -1}
    lgb.train(params, train, ROUNDS, valid_sets=[train, valid], valid_names=["train", "valid"], callbacks=[callback])
    run = reader.get_run(only_run(reader, "boost"))
    assert run.name == "lgb" and run.status == "finished"
    assert run.config["num_leaves"] == 4 and run.config["metric"] == ["l2", "l1"]
    for key in ("train-l2", "train-l1", "valid-l2", "valid-l1"):
        assert reader.read_metric(run.id, key).steps.tolist() == [0, 1, 2], key
    assert [a.path for a in reader.list_artifacts(run.id)] == ["model/model.txt"]
    model = lgb.Booster(model_file=str(reader.open_artifact(run.id, "model/model.txt").local_path))
    assert model.num_trees() == ROUNDS


def test_lightgbm_early_stopping_then_end(data_dir: Path, reader: Store) -> None:
    lgb = framework("lightgbm")
    from runyard.integrations.lightgbm import RunyardCallback

    x, y = _data()
    train = lgb.Dataset(x[:48], label=y[:48])
    # A validation set the model cannot improve on stops boosting after the first rounds.
    valid = lgb.Dataset(x[48:], label=np.zeros(16), reference=train)
    callback = RunyardCallback("boost", name="early", dir=data_dir, capture_console=False)
    booster = lgb.train({"objective": "regression", "num_leaves": 4, "min_data_in_leaf": 2, "verbose": -1}, train, 50,
                        valid_sets=[valid], callbacks=[callback, lgb.early_stopping(2, verbose=False)])
    assert booster.best_iteration < 50 and runyard.run is not None and runyard.run.status == "running"
    callback.end()
    run = reader.get_run(only_run(reader, "boost"))
    assert run.status == "finished"
    assert reader.read_metric(run.id, "valid_0-l2").steps.tolist() == list(range(booster.best_iteration + 2))
