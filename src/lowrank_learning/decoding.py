"""Decoding the history of twin networks from their overlaps (STUDY.md E6, claim 9).

Each pair contributes two samples, its twin 0 (label 0, history A) and its
twin 1 (label 1, history B). A standardised logistic regression
(``StandardScaler`` then ``LogisticRegression``, scikit-learn defaults,
C = 1) is trained on the samples of ``n_pairs - test_pairs`` pairs and
scored on the other ``test_pairs`` pairs; both twins of a pair are always on
the same side, so a classifier cannot win by matching a test twin to its
sibling in the training set. The split is repeated ``n_splits`` times with
pairs permuted by ``numpy.random.default_rng(seed)``. Optionally Gaussian
noise N(0, noise_std^2) is added to the training features only (after the
split, before standardisation), drawn from ``default_rng((seed, 1 + split,
condition))``.

A note on chance: when the twins of every pair have identical features (the
start of E6), each test pair is one feature vector with both labels, so any
classifier labels both twins alike and scores exactly 1/2 on every split.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import store

FEATURE_SETS = ("visible", "invisible")
NOISE_LEVELS = ("without", "with")


def grouped_splits(n_pairs: int, test_pairs: int, n_splits: int, seed: int):
    """Random pair-level splits into training and test pairs.

    Args:
        n_pairs: pairs available.
        test_pairs: pairs held out per split, >= 1 and <= n_pairs - 1.
        n_splits: number of splits, >= 1.
        seed: seed of ``numpy.random.default_rng``.

    Returns:
        List of (train, test) sorted integer arrays of pair indices; each
        split's two arrays are disjoint and together cover every pair.

    Raises:
        ValueError: for too few pairs for the requested split, or bad counts,
            naming the value and the fix.
    """
    if test_pairs < 1:
        raise ValueError(
            f"decoding.test_pairs must be >= 1, got {test_pairs}; hold out at "
            "least one pair per split"
        )
    if n_pairs < test_pairs + 1:
        raise ValueError(
            f"decoding needs at least test_pairs + 1 = {test_pairs + 1} pairs "
            f"(one to train on), got n_pairs = {n_pairs}; raise twins.n_pairs "
            "or lower twins.decoding.test_pairs"
        )
    if n_splits < 1:
        raise ValueError(f"decoding.splits must be >= 1, got {n_splits}")
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_splits):
        order = rng.permutation(n_pairs)
        out.append((np.sort(order[test_pairs:]), np.sort(order[:test_pairs])))
    return out


def _samples(features: np.ndarray, pairs: np.ndarray):
    """Rows and labels of the chosen pairs: features (n_pairs, 2, F) -> (2p, F)."""
    X = features[pairs].reshape(-1, features.shape[-1])
    y = np.tile([0, 1], len(pairs))
    return X, y


def decode_history(
    features,
    test_pairs: int = 2,
    n_splits: int = 50,
    noise_std: float = 0.0,
    seed: int = 0,
    condition: int = 0,
) -> np.ndarray:
    """Test accuracy of history decoding on every grouped split.

    Args:
        features: (n_pairs, 2, F), twin 0 labelled 0 (history A), twin 1
            labelled 1 (history B).
        test_pairs, n_splits, seed: see ``grouped_splits``.
        noise_std: std of the noise added to the training features (0: none).
        condition: integer folded into the noise seed, so that different
            conditions (times, feature sets) draw different noise.

    Returns:
        accuracy per split, shape (n_splits,), each a multiple of
        1 / (2 test_pairs).

    Raises:
        ValueError: for features of the wrong shape or with non-finite
            values, a negative noise_std, or a split that does not fit.
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 3 or features.shape[1] != 2:
        raise ValueError(
            f"features must have shape (n_pairs, 2, F), got {features.shape}; "
            "pass twin 0 and twin 1 of every pair on the second axis"
        )
    if not np.all(np.isfinite(features)):
        raise ValueError(
            "features contain non-finite values; check the twins training run"
        )
    if noise_std < 0:
        raise ValueError(f"decoding.noise_std must be >= 0, got {noise_std}")

    accuracy = []
    splits = grouped_splits(features.shape[0], test_pairs, n_splits, seed)
    for i, (train, test) in enumerate(splits):
        X_train, y_train = _samples(features, train)
        X_test, y_test = _samples(features, test)
        if noise_std > 0:
            rng = np.random.default_rng((seed, 1 + i, condition))
            X_train = X_train + noise_std * rng.standard_normal(X_train.shape)
        model = make_pipeline(StandardScaler(), LogisticRegression())
        model.fit(X_train, y_train)
        accuracy.append(np.mean(model.predict(X_test) == y_test))
    return np.asarray(accuracy)


def decoding_dataset(training: xr.Dataset, cfg: dict, seed: int) -> xr.Dataset:
    """Stage decode_twins: accuracies for every time, feature set and noise level.

    Args:
        training: the train_twins output (needs ``sigma_stage``).
        cfg: the config's ``twins.decoding`` block: splits, test_pairs,
            noise_std.
        seed: the config's root seed (the split permutations use it).

    Returns:
        Dataset with accuracy(stage, features, noise, split), its mean and
        std over splits, and the twin gap sigma(twin B) - sigma(twin A) per
        stage, pair and overlap.
    """
    sigma = training["sigma_stage"]
    vis = training["visible"].values
    stages = list(training["stage"].values)
    acc = np.zeros((len(stages), len(FEATURE_SETS), len(NOISE_LEVELS), cfg["splits"]))
    for s, stage in enumerate(stages):
        values = sigma.sel(stage=stage).values
        for f, fset in enumerate(FEATURE_SETS):
            features = values[..., vis if fset == "visible" else ~vis]
            for k, level in enumerate(NOISE_LEVELS):
                acc[s, f, k] = decode_history(
                    features,
                    cfg["test_pairs"],
                    cfg["splits"],
                    cfg["noise_std"] if level == "with" else 0.0,
                    seed,
                    condition=(s * len(FEATURE_SETS) + f) * len(NOISE_LEVELS) + k,
                )

    gap = sigma.sel(twin="B") - sigma.sel(twin="A")
    ds = xr.Dataset(
        {
            "accuracy": (("stage", "features", "noise", "split"), acc),
            "accuracy_mean": (("stage", "features", "noise"), acc.mean(-1)),
            "accuracy_std": (("stage", "features", "noise"), acc.std(-1)),
            "twin_gap": (("stage", "pair", "overlap"), gap.values),
        },
        coords={
            "stage": stages,
            "features": list(FEATURE_SETS),
            "noise": list(NOISE_LEVELS),
            "split": np.arange(cfg["splits"]),
            "pair": training["pair"].values,
            "overlap": training["overlap"].values,
            "visible": ("overlap", vis),
        },
    )
    store.describe(ds["accuracy"], "held-out accuracy decoding history A vs B")
    store.describe(ds["accuracy_mean"], "mean held-out accuracy over splits")
    store.describe(ds["accuracy_std"], "std of held-out accuracy over splits")
    store.describe(ds["twin_gap"], "overlap of twin B minus overlap of twin A")
    ds["noise"].attrs.update(
        long_name="noise on training features",
        units="1",
        noise_std=float(cfg["noise_std"]),
    )
    ds["visible"].attrs.update(long_name="overlap is loss-visible", units="1")
    ds.attrs.update(
        store.provenance(
            cfg,
            experiment="twins",
            seed=seed,
            chance=0.5,
            test_pairs=cfg["test_pairs"],
            training_created=training.attrs.get("created", "unknown"),
        )
    )
    return ds
