"""Anomaly detectors behind the fault_detection type: isolation forest and PCA T^2/SPE.

Every detector turns rows of features into a score where higher is more anomalous and a
threshold above which a row is flagged, plus per-feature contributions that say which
features drove a score.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from runyard.hub.types import config as cfg
from runyard.hub.types.base import DataError, ShouldStop, TrainingStopped

# Isolation forests grow in this many chunks; the hub gets a report and a stop check after each.
FOREST_CHUNKS = 10


@dataclass
class Scores:
    """Anomaly score per row, the flag threshold, and model-specific statistics per row."""

    score: np.ndarray
    threshold: float
    extra: dict[str, np.ndarray] = field(default_factory=dict)


class Detector(ABC):
    """One model type of the fault_detection experiment."""

    model_type: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    spec: ClassVar[Mapping[str, cfg.Param]] = {}

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = dict(params)

    @abstractmethod
    def fit_stages(self, x: np.ndarray, should_stop: ShouldStop) -> Iterator[tuple[int, bool]]:
        """Fit on `x` (rows x features), yielding (step, is_last) after each unit of work."""

    @abstractmethod
    def score(self, x: np.ndarray) -> Scores:
        """Scores for rows of `x`."""

    def contributions(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Per-row, per-feature contributions: squared robust z-scores against the training data."""
        z = (x - self.center) / self.scale
        return {"squared z-score": z**2}

    def _robust_scale(self, x: np.ndarray) -> None:
        self.center = np.median(x, axis=0)
        spread = np.subtract(*np.percentile(x, [75, 25], axis=0)) / 1.349
        fallback = x.std(axis=0)
        scale = np.where(spread > 0, spread, fallback)
        self.scale = np.where(scale > 0, scale, 1.0)


def _max_samples(value: Any) -> str | None:
    if isinstance(value, int) and not 1 <= value <= cfg.MAX_ROWS:
        return f"must be between 1 and {cfg.MAX_ROWS} rows"
    if isinstance(value, float) and not 0 < value <= 1:
        return "must be a share in (0, 1]"
    return None


class IsolationForestDetector(Detector):
    """scikit-learn's IsolationForest; score = -score_samples, threshold = -offset_."""

    model_type = "IsolationForest"
    aliases = ("iforest", "isoforest", "isolation_forest")
    spec: ClassVar[Mapping[str, cfg.Param]] = {
        "n_estimators": cfg.Param((int,), 100, minimum=1, maximum=10000),
        # "auto", a row count (int >= 1) or a share of the rows (float in (0, 1]).
        "max_samples": cfg.Param((str, int, float), "auto", choices=("auto",), check=_max_samples),
        "contamination": cfg.Param((str, float), "auto", choices=("auto",), minimum=1e-6, maximum=0.5),
        "max_features": cfg.Param((float,), 1.0, minimum=1e-6, maximum=1.0),
        "bootstrap": cfg.Param((bool,), False),
        "random_state": cfg.Param((int,), 0, minimum=0, maximum=cfg.MAX_SEED),
    }

    def fit_stages(self, x: np.ndarray, should_stop: ShouldStop) -> Iterator[tuple[int, bool]]:
        """Grow the forest in FOREST_CHUNKS warm-started chunks."""
        from sklearn.ensemble import IsolationForest

        self._robust_scale(x)
        total = self.params["n_estimators"]
        self.model = IsolationForest(warm_start=True, n_estimators=0, **{
            k: v for k, v in self.params.items() if k != "n_estimators"})
        chunk = max(1, -(-total // FOREST_CHUNKS))
        grown = 0
        while grown < total:
            if should_stop():
                raise TrainingStopped
            grown = min(total, grown + chunk)
            self.model.set_params(n_estimators=grown)
            try:
                self.model.fit(x)
            except ValueError as exc:
                raise DataError(f"isolation forest fit failed: {exc}") from exc
            yield grown, grown >= total

    def score(self, x: np.ndarray) -> Scores:
        """Higher is more anomalous; rows above -offset_ are flagged."""
        return Scores(-self.model.score_samples(x), float(-self.model.offset_))


class PcaDetector(Detector):
    """PCA on standardized features with Hotelling's T^2 and SPE (Q) statistics.

    Control limits at level 1 - alpha. "theory": T^2 from the F distribution,
    k(n^2 - 1) / (n(n - k)) F(k, n - k), and SPE from Box's chi-square approximation
    g chi2(h) with g = theta2 / theta1 and h = theta1^2 / theta2 over the residual eigenvalues.
    "empirical": the (1 - alpha) quantile of the training statistics. The score is
    max(T^2 / limit, SPE / limit), so the threshold is 1.
    """

    model_type = "PCA"
    aliases = ("pca_t2", "t2_spe", "mspc")
    spec: ClassVar[Mapping[str, cfg.Param]] = {
        # An integer count, or a float in (0, 1): the share of variance to keep.
        "n_components": cfg.Param((int, float), 0.9, minimum=1e-6, maximum=cfg.MAX_COLUMNS),
        "alpha": cfg.Param((float,), 0.01, minimum=1e-6, maximum=0.5),
        "limits": cfg.Param((str,), "theory", choices=("theory", "empirical")),
    }

    def fit_stages(self, x: np.ndarray, should_stop: ShouldStop) -> Iterator[tuple[int, bool]]:
        """One unit of work: the SVD and the limits."""
        from scipy import stats

        if should_stop():
            raise TrainingStopped
        n, p = x.shape
        if n < 3:
            raise DataError(f"PCA needs at least 3 rows, got {n}")
        self._robust_scale(x)
        self.mean = x.mean(axis=0)
        std = x.std(axis=0, ddof=1)
        self.std = np.where(std > 0, std, 1.0)
        z = (x - self.mean) / self.std
        _, s, vt = np.linalg.svd(z, full_matrices=False)
        eig = s**2 / (n - 1)
        k = self._components(eig, p)
        self.k, self.loadings, self.eig = k, vt[:k].T, eig[:k]
        t2, spe = self._statistics(x)
        alpha = self.params["alpha"]
        resid = eig[k:]
        theta1, theta2 = float(resid.sum()), float((resid**2).sum())
        empirical = self.params["limits"] == "empirical" or theta1 <= 1e-12 or n <= k + 1
        if empirical:
            self.t2_limit = float(np.quantile(t2, 1 - alpha))
            self.spe_limit = float(np.quantile(spe, 1 - alpha))
        else:
            f = float(stats.f.ppf(1 - alpha, k, n - k))
            self.t2_limit = k * (n * n - 1) / (n * (n - k)) * f
            g, h = theta2 / theta1, theta1**2 / theta2
            self.spe_limit = g * float(stats.chi2.ppf(1 - alpha, h))
        # A zero SPE limit (all variance kept) would flag every rounding error.
        self.spe_limit = max(self.spe_limit, 1e-9)
        self.t2_limit = max(self.t2_limit, 1e-9)
        yield 1, True

    def _components(self, eig: np.ndarray, p: int) -> int:
        wanted = self.params["n_components"]
        if isinstance(wanted, float) and wanted < 1:
            share = np.cumsum(eig) / max(float(eig.sum()), 1e-12)
            k = int(np.searchsorted(share, wanted) + 1)
        else:
            k = int(wanted)
        # Keep at least one residual direction so SPE means something.
        return max(1, min(k, p - 1 if p > 1 else 1, len(eig)))

    def _statistics(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = (x - self.mean) / self.std
        t = z @ self.loadings
        t2 = np.sum(t**2 / self.eig, axis=1)
        spe = np.sum((z - t @ self.loadings.T) ** 2, axis=1)
        return t2, spe

    def score(self, x: np.ndarray) -> Scores:
        """max of T^2 and SPE relative to their limits, with both statistics and limits."""
        t2, spe = self._statistics(x)
        score = np.maximum(t2 / self.t2_limit, spe / self.spe_limit)
        n = len(x)
        return Scores(score, 1.0, {"t2": t2, "spe": spe, "t2_limit": np.full(n, self.t2_limit),
                                   "spe_limit": np.full(n, self.spe_limit)})

    def contributions(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """T^2 contributions sum_a (t_a / lambda_a) p_ja z_j, and SPE contributions e_j^2."""
        z = (x - self.mean) / self.std
        t = z @ self.loadings
        t2 = ((t / self.eig) @ self.loadings.T) * z
        spe = (z - t @ self.loadings.T) ** 2
        return {"T^2": t2, "SPE": spe}


DETECTORS: dict[str, type[Detector]] = {d.model_type: d for d in (IsolationForestDetector, PcaDetector)}
