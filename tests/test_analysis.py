"""Tests of the Gaussianity statistics (lowrank_learning.analysis)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from lowrank_learning.analysis import (
    gaussianity_table,
    normal_quantiles,
    qq_correlation,
    qq_points,
    qq_threshold,
)


def _bimodal(rng, n):
    half = n // 2
    return np.concatenate([rng.normal(-2, 0.5, half), rng.normal(2, 0.5, n - half)])


def test_normal_quantiles_are_blom_positions():
    q = normal_quantiles(5)
    p = (np.arange(1, 6) - 0.375) / 5.25
    np.testing.assert_allclose(stats.norm.cdf(q), p, rtol=1e-12)
    np.testing.assert_allclose(q, -q[::-1], atol=1e-12)


def test_r_is_close_to_one_for_a_large_normal_sample():
    n = 5000
    x = np.random.default_rng(123).normal(3.0, 2.0, n)
    r = qq_correlation(x)
    assert r <= 1.0
    # a Gaussian sample exceeds the 1 % threshold except with probability 0.01
    assert r > qq_threshold(n, seed=0)
    assert 1.0 - r < 1e-3


def test_r_agrees_with_scipy_probplot():
    """scipy uses Filliben's plotting positions instead of Blom's; the two
    differ by O(1/n) in the tails, so r agrees to well under 1e-3 at n = 600."""
    rng = np.random.default_rng(5)
    for x in (rng.normal(size=600), rng.uniform(size=600) ** 3):
        assert abs(qq_correlation(x) - stats.probplot(x)[1][2]) < 1e-3


def test_r_is_invariant_to_shift_and_positive_scale():
    x = np.random.default_rng(6).standard_t(4, size=300)
    assert qq_correlation(7.0 + 0.1 * x) == pytest.approx(qq_correlation(x), abs=1e-12)


@pytest.mark.parametrize("sample", ["uniform_cubed", "bimodal"])
def test_r_is_clearly_below_threshold_for_non_gaussian_samples(sample):
    n = 600
    rng = np.random.default_rng(7)
    x = rng.uniform(size=n) ** 3 if sample == "uniform_cubed" else _bimodal(rng, n)
    threshold = qq_threshold(n, seed=0)
    # "clearly": the gap is many times the distance of the threshold from 1
    assert threshold - qq_correlation(x) > 5 * (1.0 - threshold)


def test_threshold_lies_in_unit_interval_and_increases_with_n():
    values = [qq_threshold(n, seed=0) for n in (150, 600, 2400)]
    assert all(0.9 < v < 1.0 for v in values)
    assert values[0] < values[1] < values[2]


def test_threshold_is_reproducible_and_seed_dependent_only_by_mc_noise():
    a = qq_threshold(300, seed=11, n_draws=1000)
    qq_threshold.cache_clear()
    assert qq_threshold(300, seed=11, n_draws=1000) == a
    b = qq_threshold(300, seed=12, n_draws=1000)
    assert b != a
    # Monte-Carlo error of a 1 % quantile from 1000 draws: a fraction of 1 - r
    assert abs(a - b) < 0.5 * (1.0 - a)


def test_stricter_quantile_gives_lower_threshold():
    assert qq_threshold(300, seed=0, quantile=0.001, n_draws=2000) < qq_threshold(
        300, seed=0, quantile=0.05, n_draws=2000
    )


def test_qq_points_are_sorted_standardised_and_reproduce_r():
    x = np.random.default_rng(8).exponential(size=400)
    theo, samp = qq_points(x)
    assert theo.shape == samp.shape == (400,)
    assert np.all(np.diff(samp) >= 0)
    assert samp.mean() == pytest.approx(0.0, abs=1e-12)
    assert samp.std() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(theo, normal_quantiles(400))
    assert np.corrcoef(theo, samp)[0, 1] == pytest.approx(qq_correlation(x), abs=1e-12)


def test_gaussianity_table_statistics():
    n = 4000
    rng = np.random.default_rng(9)
    X = np.stack([rng.normal(1.0, 2.0, n), rng.exponential(size=n)], axis=1)
    table = gaussianity_table(X, ["gauss", "expo"])
    assert list(table) == ["gauss", "expo"]

    g = table["gauss"]
    assert g["n"] == n
    # 4 standard errors: mean 2/sqrt(n), std 2/sqrt(2n), skew sqrt(6/n),
    # excess kurtosis sqrt(24/n)
    assert abs(g["mean"] - 1.0) < 4 * 2.0 / np.sqrt(n)
    assert abs(g["std"] - 2.0) < 4 * 2.0 / np.sqrt(2 * n)
    assert abs(g["skewness"]) < 4 * np.sqrt(6 / n)
    assert abs(g["excess_kurtosis"]) < 4 * np.sqrt(24 / n)
    assert g["r"] == pytest.approx(qq_correlation(X[:, 0]))

    # exponential: skewness 2, excess kurtosis 6
    e = table["expo"]
    assert abs(e["skewness"] - 2.0) < 0.5
    assert e["excess_kurtosis"] > 3.0
    assert e["r"] < g["r"]


def test_errors_name_the_bad_value():
    with pytest.raises(ValueError, match=r"1-D.*\(3, 2\)"):
        qq_correlation(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="at least 3 entries, got 2"):
        qq_correlation([1.0, 2.0])
    with pytest.raises(ValueError, match="1 non-finite"):
        qq_correlation([1.0, np.nan, 2.0, 3.0])
    with pytest.raises(ValueError, match="constant"):
        qq_correlation(np.ones(5))
    with pytest.raises(ValueError, match="seed must be an integer, got None"):
        qq_threshold(100, None)
    with pytest.raises(ValueError, match="quantile must lie in"):
        qq_threshold(100, 0, quantile=1.5)
    with pytest.raises(ValueError, match="n_draws >= 1000"):
        qq_threshold(100, 0, quantile=0.001, n_draws=500)
    with pytest.raises(ValueError, match="2 labels for 3 columns"):
        gaussianity_table(np.zeros((10, 3)), ["a", "b"])
    with pytest.raises(ValueError, match="distinct"):
        gaussianity_table(np.random.default_rng(0).normal(size=(10, 2)), ["a", "a"])
