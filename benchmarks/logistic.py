"""Weighted ridge logistic regression by Newton's method: the fitting both Keel classifiers share (the
evidence judge, benchmarks/fit_evidence.py, and the injection classifier, benchmarks/fit_injection.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def standardise(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x`` scaled to weighted mean 0 and standard deviation 1 per column, with the means and scales."""
    means = np.average(x, axis=0, weights=w)
    scales = np.sqrt(np.average((x - means) ** 2, axis=0, weights=w))
    scales[scales < 1e-9] = 1.0
    return (x - means) / scales, means, scales


def newton(z: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float, steps: int = 50) -> np.ndarray:
    """Coefficients for ``z`` (its first column the intercept, which is not shrunk) with sample weights ``w``."""
    theta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ theta))
        gradient = z.T @ (w * (p - y)) + penalty * theta
        hessian = (z.T * (w * p * (1 - p))) @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return theta


@dataclass
class LogisticModel:
    """A fitted model: feature names, the standardisation, the weights and the decision threshold."""

    names: list[str]
    means: np.ndarray
    scales: np.ndarray
    weights: np.ndarray
    intercept: float
    threshold: float = 0.5

    def probabilities_of(self, x: np.ndarray) -> np.ndarray:
        """P(positive) for each row of ``x`` (columns in ``names`` order)."""
        return 1 / (1 + np.exp(-(self.intercept + ((x - self.means) / self.scales) @ self.weights)))
