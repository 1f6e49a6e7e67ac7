"""History decoding: grouped splits, exact chance for twins, a planted signal."""

import numpy as np
import pytest

from lowrank_learning import decoding


def _features(n_pairs=10, n_features=3, offset=0.0, seed=0):
    """Per-pair random features; twin B shifted by ``offset`` on feature 0."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n_pairs, 1, n_features))
    features = np.repeat(base, 2, axis=1)
    features[:, 1, 0] += offset
    return features


@pytest.mark.parametrize("noise_std", [0.0, 0.3])
def test_identical_twins_decode_at_exactly_one_half(noise_std):
    # Each test pair is one feature vector carrying both labels: whatever the
    # classifier, it labels both twins alike and gets exactly one of two right.
    acc = decoding.decode_history(_features(), 2, 50, noise_std, seed=1)
    np.testing.assert_array_equal(acc, np.full(50, 0.5))


@pytest.mark.parametrize("noise_std", [0.0, 0.3])
def test_planted_separable_signal_decodes_near_perfectly(noise_std):
    acc = decoding.decode_history(_features(offset=6.0), 2, 50, noise_std, seed=1)
    assert acc.mean() >= 0.95


def test_grouped_splits_keep_pairs_whole_and_cover_every_pair():
    splits = decoding.grouped_splits(10, 2, 50, seed=3)
    assert len(splits) == 50
    for train, test in splits:
        assert len(test) == 2 and len(train) == 8
        assert set(train).isdisjoint(test)
        assert set(train) | set(test) == set(range(10))
        # both twins of every test pair are test samples, and only those
        X, y = decoding._samples(_features(), test)
        assert X.shape == (4, 3)
        np.testing.assert_array_equal(y, [0, 1, 0, 1])
    assert len({tuple(test) for _, test in splits}) > 10  # splits do vary


def test_decoding_is_reproducible_from_its_seed():
    features = _features(offset=0.5)
    a = decoding.decode_history(features, 2, 20, 0.3, seed=5)
    b = decoding.decode_history(features, 2, 20, 0.3, seed=5)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"features": _features(n_pairs=2), "test_pairs": 2}, "n_pairs = 2"),
        ({"features": _features(), "test_pairs": 0}, "test_pairs must be >= 1"),
        ({"features": np.zeros((10, 3, 2))}, r"shape \(n_pairs, 2, F\)"),
        ({"features": _features(), "noise_std": -1.0}, "noise_std"),
        ({"features": _features() * np.nan}, "non-finite"),
    ],
)
def test_bad_input_gives_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        decoding.decode_history(**kwargs)
