"""Gaussianity of learned vectors (STUDY.md E5 figure 4c, E7 figure 8, claim 8).

The overlap theory of erf networks assumes the entries of m, u, v, z are
jointly Gaussian. After training, each vector's entries are tested with a
normal Q-Q plot and its correlation coefficient r (Filliben's probability
plot correlation): r is the Pearson correlation between the sorted,
standardised entries and the normal quantiles at Blom's plotting positions

    q_i = Phi^-1((i - 0.375) / (n + 0.25)),   i = 1..n.

r = 1 for perfectly Gaussian quantiles. Because r is close to 1 for any
sample of a few hundred entries, it is judged against ``qq_threshold``, the
lower quantile of r over i.i.d. normal samples of the same size, obtained by
simulation from an explicit seed.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy import stats


def _as_sample(x, name: str = "x") -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D sample, got shape {x.shape}; pass one "
            "vector's entries, e.g. X[:, j]"
        )
    if x.size < 3:
        raise ValueError(f"{name} needs at least 3 entries, got {x.size}")
    if not np.all(np.isfinite(x)):
        raise ValueError(
            f"{name} has {np.count_nonzero(~np.isfinite(x))} non-finite entries; "
            "check the training run that produced it"
        )
    if np.ptp(x) == 0:
        raise ValueError(f"{name} is constant ({x[0]}); r is undefined")
    return x


def normal_quantiles(n: int) -> np.ndarray:
    """Normal quantiles at Blom's plotting positions.

    q_i = Phi^-1((i - 0.375) / (n + 0.25)), i = 1..n.

    Args:
        n: sample size, >= 1.

    Returns:
        q of shape (n,), increasing and antisymmetric (q_i = -q_{n+1-i}).
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    i = np.arange(1, n + 1)
    return stats.norm.ppf((i - 0.375) / (n + 0.25))


def qq_points(x) -> tuple[np.ndarray, np.ndarray]:
    """Theoretical and sample quantiles of a normal Q-Q plot.

    The sample is standardised, (x - mean) / std with the population std
    (ddof = 0), and sorted, so a Gaussian sample lies near the diagonal.

    Args:
        x: sample, shape (n,), n >= 3, finite, not constant.

    Returns:
        (theoretical, sample), both of shape (n,): ``normal_quantiles(n)`` and
        the sorted standardised entries.

    Raises:
        ValueError: for a sample that is not 1-D, too short, non-finite or
            constant.
    """
    x = _as_sample(x)
    z = np.sort((x - x.mean()) / x.std())
    return normal_quantiles(x.size), z


def _pearson_rows(sorted_rows: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Pearson r between each row (already sorted) and q, vectorised."""
    xc = sorted_rows - sorted_rows.mean(axis=-1, keepdims=True)
    qc = q - q.mean()
    num = xc @ qc
    return num / (np.linalg.norm(xc, axis=-1) * np.linalg.norm(qc))


def qq_correlation(x) -> float:
    """Q-Q correlation r of a sample against the normal distribution.

    r = corr(sort((x - mean) / std), normal_quantiles(n)), Pearson.

    Args:
        x: sample, shape (n,), n >= 3, finite, not constant.

    Returns:
        r in [-1, 1]; near 1 for a Gaussian sample.

    Raises:
        ValueError: as ``qq_points``.
    """
    q, z = qq_points(x)
    return float(_pearson_rows(z, q))


@cache
def qq_threshold(
    n: int, seed: int, quantile: float = 0.01, n_draws: int = 2000
) -> float:
    """Lower ``quantile`` of r over i.i.d. normal samples of size n.

    Draws ``n_draws`` samples of n standard normal entries from
    ``numpy.random.default_rng(seed)`` and returns the ``quantile`` of their
    Q-Q correlations: a Gaussian sample of size n has r below it with
    probability ``quantile``. The value is a Monte-Carlo estimate; with the
    defaults its sampling error is a small fraction of 1 - threshold. Results
    are cached per argument tuple.

    Args:
        n: sample size, >= 3.
        seed: integer seed of the numpy generator; required so the threshold
            is reproducible.
        quantile: lower tail probability, in (0, 1).
        n_draws: number of simulated samples, >= 1 / quantile.

    Returns:
        The threshold, a float below 1.

    Raises:
        ValueError: for n < 3, a non-integer seed, quantile outside (0, 1) or
            too few draws to resolve it.
    """
    if n < 3:
        raise ValueError(f"n must be >= 3, got {n}")
    if not isinstance(seed, int | np.integer):
        raise ValueError(
            f"seed must be an integer, got {seed!r}; pass e.g. the experiment's "
            "config seed"
        )
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must lie in (0, 1), got {quantile}")
    if n_draws * min(quantile, 1.0 - quantile) < 1.0:
        raise ValueError(
            f"n_draws = {n_draws} cannot resolve quantile {quantile}; use "
            f"n_draws >= {int(np.ceil(1.0 / min(quantile, 1.0 - quantile)))}"
        )

    # Draw in blocks to bound memory at large n.
    rng = np.random.default_rng(seed)
    q = normal_quantiles(n)
    block = max(1, 2_000_000 // n)
    rs = []
    for start in range(0, n_draws, block):
        rows = min(block, n_draws - start)
        samples = np.sort(rng.standard_normal((rows, n)), axis=-1)
        rs.append(_pearson_rows(samples, q))
    return float(np.quantile(np.concatenate(rs), quantile))


def gaussianity_table(X, labels) -> dict[str, dict[str, float]]:
    """Per-column Gaussianity statistics of a set of vectors.

    For column j of X (one vector's N entries): the Q-Q correlation r, the
    mean, the standard deviation (ddof = 1), the skewness and the excess
    kurtosis (scipy's bias-corrected estimators, both 0 for a Gaussian).

    Args:
        X: shape (N, C), one vector per column, e.g. [m, u, v, z].
        labels: C distinct names, e.g. ``vector_labels(rank)``.

    Returns:
        {label: {"n", "r", "mean", "std", "skewness", "excess_kurtosis"}} in
        column order; ``pandas.DataFrame.from_dict(table, orient="index")``
        turns it into a table.

    Raises:
        ValueError: if X is not 2-D, labels do not match its columns or
            repeat, or a column is not a valid sample (see ``qq_points``).
    """
    X = np.asarray(X, dtype=np.float64)
    labels = list(labels)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (N, C), got shape {X.shape}")
    if len(labels) != X.shape[1]:
        raise ValueError(
            f"got {len(labels)} labels for {X.shape[1]} columns of X; pass one "
            "label per column"
        )
    if len(set(labels)) != len(labels):
        raise ValueError(f"labels must be distinct, got {labels}")

    table = {}
    for label, col in zip(labels, X.T, strict=True):
        col = _as_sample(col, name=f"column {label!r}")
        table[label] = {
            "n": col.size,
            "r": qq_correlation(col),
            "mean": float(col.mean()),
            "std": float(col.std(ddof=1)),
            "skewness": float(stats.skew(col, bias=False)),
            "excess_kurtosis": float(stats.kurtosis(col, fisher=True, bias=False)),
        }
    return table
