"""The `fault_detection` experiment type: unsupervised anomaly detection on multivariate data.

Config: `{"setup": {"features"?, "ds"?, "label"?}, "create_model": {"model_type", "params"}}`.
Features default to every numeric column except ds and label. Missing feature values are
filled with the training medians. A label column (1 = anomaly) is used only for metrics.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from runyard.hub.types import config as cfg
from runyard.hub.types import figures as fig
from runyard.hub.types import storage
from runyard.hub.types.base import (
    ConfigError,
    DataError,
    Figure,
    NotTrainedError,
    Reporter,
    ShouldStop,
    TrainingStopped,
)
from runyard.hub.types.fd_models import DETECTORS, Detector
from runyard.hub.types.fitted import FittedExperiment

if TYPE_CHECKING:
    import pandas as pd

# The histogram EDA plot draws at most this many features.
MAX_HISTOGRAMS = 24
# Reports before the last one are computed on at most this many training rows.
REPORT_SAMPLE = 5000


class FaultDetectionExperiment(FittedExperiment):
    """Isolation forest or PCA T^2/SPE over feature columns."""

    name: ClassVar[str] = "fault_detection"
    plots: ClassVar[tuple[str, ...]] = ("scores", "contributions")
    eda_plots: ClassVar[tuple[str, ...]] = ("correlation", "histogram")
    requires: ClassVar[tuple[str, ...]] = ("pandas", "sklearn", "scipy")

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        self._detector: Detector | None = None

    @classmethod
    def validate(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        """Normalized config; unknown top-level keys are kept for the hub, unknown nested ones rejected."""
        setup = cfg.section(config, "setup", required=False)
        cfg.reject_unknown(setup, {"features", "ds", "label"}, "setup")
        features = setup.get("features")
        if features is not None:
            if not isinstance(features, list) or not features:
                raise ConfigError("setup.features", "must be a non-empty list of column names")
            for i, name in enumerate(features):
                if not isinstance(name, str) or not name:
                    raise ConfigError(f"setup.features.{i}", "must be a column name")
            if len(set(features)) != len(features):
                raise ConfigError("setup.features", "lists a column twice")
        ds = cfg.text(setup, "ds", "setup.ds", required=False)
        label = cfg.text(setup, "label", "setup.label", required=False)
        if features and {ds, label} & set(features):
            raise ConfigError("setup.features", "must not include the ds or label column")
        model_type, params = cfg.create_model(config, {n: d.aliases for n, d in DETECTORS.items()})
        return {
            **config,
            "setup": {"features": features, "ds": ds, "label": label},
            "create_model": {"model_type": model_type, "params": cfg.params(params, DETECTORS[model_type].spec)},
        }

    def params(self) -> dict[str, Any]:
        """Model type, setup columns and model params, flat."""
        setup = self.config["setup"]
        flat: dict[str, Any] = {"model_type": self.config["create_model"]["model_type"]}
        if setup["features"]:
            flat["features"] = ",".join(setup["features"])
        flat.update({k: setup[k] for k in ("ds", "label") if setup[k]})
        flat.update(self.config["create_model"]["params"])
        return flat

    def _features(self, data: pd.DataFrame) -> list[str]:
        setup = self.config["setup"]
        if setup["features"]:
            missing = [c for c in setup["features"] if c not in data.columns]
            if missing:
                raise DataError(f"feature columns {missing} are not in the data")
            return list(setup["features"])
        from pandas.api.types import is_bool_dtype, is_numeric_dtype

        skip = {setup["ds"], setup["label"]}
        found = [str(c) for c in data.columns
                 if c not in skip and is_numeric_dtype(data[c]) and not is_bool_dtype(data[c])]
        if not found:
            raise DataError("the data has no numeric feature columns")
        return found

    def _matrix(self, data: pd.DataFrame, features: list[str], medians: np.ndarray | None) -> np.ndarray:
        import pandas as pd

        missing = [c for c in features if c not in data.columns]
        if missing:
            raise DataError(f"feature columns {missing} are not in the data")
        numeric = data[features].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        if medians is None:
            with np.errstate(all="ignore"):
                medians = np.nanmedian(numeric, axis=0) if len(numeric) else np.full(len(features), np.nan)
            empty = [f for f, m in zip(features, medians, strict=True) if not np.isfinite(m)]
            if empty:
                raise DataError(f"feature columns {empty} have no numeric values")
        return np.where(np.isfinite(numeric), numeric, medians)

    def _labels(self, data: pd.DataFrame) -> np.ndarray | None:
        import pandas as pd

        label = self.config["setup"]["label"]
        if not label or label not in data.columns:
            return None
        values: np.ndarray = pd.to_numeric(data[label], errors="coerce").to_numpy(dtype=float)
        known = values[np.isfinite(values)]
        if not np.isin(known, [0, 1]).all():
            raise DataError(f"label column {label!r} must hold 0 (normal) or 1 (anomaly)")
        return values

    def train(self, data: pd.DataFrame, report: Reporter, should_stop: ShouldStop) -> dict[str, float]:
        """Fit the detector, reporting anomaly rate (and precision/recall/F1 with labels) per stage."""
        features = self._features(data)
        x = self._matrix(data, features, None)
        if len(x) < 3:
            raise DataError(f"need at least 3 rows, got {len(x)}")
        labels = self._labels(data)
        detector = DETECTORS[self.config["create_model"]["model_type"]](self.config["create_model"]["params"])
        # Interim reports score a fixed sample so large data is not rescored at every stage.
        sample = np.random.default_rng(0).permutation(len(x))[:REPORT_SAMPLE] if len(x) > REPORT_SAMPLE else None
        scores: dict[str, float] = {}
        for step, last in detector.fit_stages(x, should_stop):
            if should_stop():
                raise TrainingStopped
            rows = sample if sample is not None and not last else slice(None)
            result = detector.score(x[rows])
            scores = _metrics(result.score > result.threshold, None if labels is None else labels[rows])
            report(scores, step)
        keep = [c for c in (self.config["setup"]["ds"], self.config["setup"]["label"]) if c and c in data.columns]
        self._train = data[keep + features].reset_index(drop=True)
        self._detector, self._prediction = detector, None
        self._state = {"features": features, "medians": np.median(x, axis=0).tolist(), "metrics": scores}
        return scores

    def _require(self) -> tuple[Detector, pd.DataFrame]:
        if self._detector is None or self._train is None:
            raise NotTrainedError("the fault_detection experiment has no fitted model yet")
        return self._detector, self._train

    def predict(self, data: pd.DataFrame | None = None) -> pd.DataFrame:
        """Rows of `data` (default: the training rows) with score, threshold, anomaly and model statistics."""
        detector, train = self._require()
        source = train if data is None else data
        features = self._state["features"]
        x = self._matrix(source, features, np.asarray(self._state["medians"], dtype=float))
        result = detector.score(x)
        keep = [c for c in (self.config["setup"]["ds"], self.config["setup"]["label"]) if c and c in source.columns]
        out = source[keep].reset_index(drop=True).copy()
        for i, name in enumerate(features):
            out[name] = x[:, i]
        out["score"] = result.score
        out["threshold"] = result.threshold
        out["anomaly"] = result.score > result.threshold
        for name, values in result.extra.items():
            out[name] = values
        self._prediction = out
        return out

    def plot(self, name: str) -> Figure:
        """scores (with T^2 and SPE panels for PCA) or contributions."""
        self.check_plot(name)
        detector, _ = self._require()
        prediction = self._prediction if self._prediction is not None else self.predict()
        ds = self.config["setup"]["ds"]
        x = prediction[ds] if ds and ds in prediction.columns else np.arange(len(prediction))
        flagged = prediction["anomaly"].to_numpy()
        if name == "scores":
            xs = fig.values(x)
            stats = [("T^2", "t2", "t2_limit"), ("SPE", "spe", "spe_limit")] if "t2" in prediction else \
                [("score", "score", "threshold")]
            panels = {}
            for label, column, limit in stats:
                # Limits are constant: two points draw the line.
                limits = [fig.hline(float(prediction[limit].iloc[0]), "limit", xs[0], xs[-1])] if xs else []
                panels[label] = [
                    fig.line(x, prediction[column], label),
                    *limits,
                    fig.line(np.asarray(x)[flagged], prediction[column][flagged], "anomaly",
                             mode="markers", marker={"color": "red", "size": 6}),
                ]
            rate = float(flagged.mean()) if len(flagged) else 0.0
            return fig.stacked(panels, f"Anomaly scores ({rate:.1%} flagged)", xaxis=ds or "row")
        features = self._state["features"]
        rows = flagged if flagged.any() else prediction["score"].to_numpy() >= prediction["score"].max()
        parts = detector.contributions(prediction[features].to_numpy(dtype=float)[rows])
        traces = [fig.bar(features, values.mean(axis=0), label) for label, values in parts.items()]
        what = f"{int(rows.sum())} flagged rows" if flagged.any() else "the highest-scoring row"
        return fig.figure(traces, f"Mean feature contributions over {what}", xaxis="feature",
                          yaxis="contribution", layout={"barmode": "group", "hovermode": "closest"})

    def eda_plot(self, name: str, data: pd.DataFrame) -> Figure:
        """correlation (heatmap of feature correlations) or histogram (one panel per feature)."""
        self.check_plot(name, eda=True)
        features = self._features(data)
        import pandas as pd

        numeric = data[features].apply(pd.to_numeric, errors="coerce")
        if name == "correlation":
            corr = numeric.corr().to_numpy()
            trace = fig.heatmap(corr, features, features, "correlation")
            return fig.figure([trace], "Feature correlation (Pearson)",
                              layout={"hovermode": "closest", "yaxis": {"autorange": "reversed"}})
        shown = features[:MAX_HISTOGRAMS]
        panels = {f: [fig.histogram(numeric[f].to_numpy(dtype=float), f)] for f in shown}
        more = f" (first {len(shown)} of {len(features)})" if len(features) > len(shown) else ""
        return fig.grid(panels, f"Feature distributions{more}")

    def save(self, folder: Path) -> None:
        """config.json, state.json, train.parquet, prediction.parquet and the pickled detector."""
        detector, train = self._require()
        self.save_frames(folder, train)
        storage.dump_model(folder / storage.MODEL_FILE, detector)

    @classmethod
    def load(cls, folder: Path, config: Mapping[str, Any]) -> FaultDetectionExperiment:
        """Restore from `save`'s folder; unpickles the detector, so only runyard's own artifacts."""
        experiment = cls(config)
        detector = storage.load_model(folder / storage.MODEL_FILE)
        if not isinstance(detector, Detector):
            raise TypeError(f"{folder} does not hold a fault detection model")
        experiment._detector = detector
        experiment.load_frames(folder)
        return experiment


def _metrics(flags: np.ndarray, labels: np.ndarray | None) -> dict[str, float]:
    """Anomaly rate, and precision/recall/F1 (0 when undefined) over rows with a label."""
    out = {"anomaly_rate": float(flags.mean()) if len(flags) else 0.0}
    if labels is None:
        return out
    known = np.isfinite(labels)
    if not known.any():
        return out
    truth, guess = labels[known] == 1, flags[known]
    tp = float(np.sum(truth & guess))
    precision = tp / guess.sum() if guess.sum() else 0.0
    recall = tp / truth.sum() if truth.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {**out, "precision": float(precision), "recall": float(recall), "f1": float(f1)}
