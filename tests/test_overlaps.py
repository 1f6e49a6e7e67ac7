"""Overlap bookkeeping and the reduced network (exact for linear networks)."""

import jax
import numpy as np
import pytest

from lowrank_learning import network, overlaps


def test_rank1_labels_follow_the_study_order():
    assert overlaps.overlap_labels(1) == [
        "zm", "zu", "vm", "vu", "mu", "zv", "mm", "uu", "vv", "zz"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("rank", "act", "n_visible"),
    [(1, "linear", 4), (1, "erf", 7), (2, "linear", 9), (2, "erf", 15)],
)
def test_visible_counts(rank, act, n_visible):
    vis = overlaps.visible(rank, act)
    assert vis.size == overlaps.n_overlaps(rank)
    assert vis.sum() == n_visible


def test_rank2_has_21_distinct_overlaps():
    labels = overlaps.overlap_labels(2)
    assert len(labels) == len(set(labels)) == 21


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_sigma_gram_round_trip(rank):
    X = network.init_vectors(jax.random.PRNGKey(rank), 25, rank) * 1.3
    S = overlaps.gram(X)
    back = overlaps.gram_from_sigma(overlaps.sigma_from_gram(S, rank), rank)
    np.testing.assert_allclose(back, S, rtol=0, atol=1e-15)


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("N", [7, 300])
def test_linear_reduced_network_is_exact_at_any_N(rank, N):
    key_x, key_in = jax.random.split(jax.random.PRNGKey(N))
    X = 1.3 * network.init_vectors(key_x, N, rank)
    inputs = jax.random.normal(key_in, (3, 60))
    full = network.rollout(X, inputs, rank, "linear", 0.05)
    reduced = overlaps.reduced_rollout(overlaps.gram(X), inputs, rank, "linear", 0.05)
    np.testing.assert_allclose(reduced, full, rtol=1e-10, atol=1e-12)


def test_invariant_and_pair_invariant_agree():
    """sum_i K_ii / N equals the overlap invariant zz + vv - mm - uu."""
    X = network.init_vectors(jax.random.PRNGKey(2), 40, 2) * 1.1
    K_diag = overlaps.pair_invariant(X, X, 2)
    inv = overlaps.invariant(overlaps.gram(X), 2)
    assert abs(float(K_diag.mean()) - float(inv)) < 1e-13
