"""Tests of the overlap-space metric Gbar (lowrank_learning.metric)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lowrank_learning.metric import (
    effective_metric,
    metric_matrix,
    random_gram,
    structural_zeros,
    sym_from_gradient,
    velocity_from_gradient,
)
from lowrank_learning.network import n_vectors
from lowrank_learning.overlaps import (
    gram,
    gram_from_sigma,
    n_overlaps,
    overlap_labels,
    overlap_pairs,
    sigma_from_gram,
    visible,
)
from lowrank_learning.tasks import make_task
from lowrank_learning.theory import overlap_velocity, reduced_loss, sym_gradient

jax.config.update("jax_enable_x64", True)

# Every quantity below is a few sums of products of O(1) numbers in float64.
TOL = 1e-12


@pytest.fixture(autouse=True)
def _strict_promotion():
    with jax.numpy_dtype_promotion("strict"):
        yield


def _grams(rank, n, seed=0):
    keys = jax.random.split(jax.random.PRNGKey(seed), n)
    return [random_gram(k, rank) for k in keys]


def _expected_nonzero(rank: int, vis_cols: np.ndarray) -> np.ndarray:
    """Index-based prediction of the non-zero entries of the effective metric.

    sigma_dot_ab = -2 sum_e (S_ae A_eb + A_ae S_eb) involves A_cd only if one
    of c, d is a or b, and then with a coefficient that is an entry of S (or a
    sum of positive diagonal entries), non-zero at a generic Gram. So entry
    (ab, cd) is non-zero iff {a, b} and {c, d} share a vector and column cd
    carries gradient.
    """
    pairs = overlap_pairs(rank)
    share = np.array([[bool(set(r) & set(c)) for c in pairs] for r in pairs])
    return share & vis_cols[None, :]


@pytest.mark.parametrize("rank", [1, 2])
def test_gbar_is_linear_in_the_overlaps(rank):
    S1, S2 = _grams(rank, 2)
    G_sum = metric_matrix(S1 + S2, rank)
    np.testing.assert_allclose(
        G_sum, metric_matrix(S1, rank) + metric_matrix(S2, rank), atol=TOL
    )
    np.testing.assert_allclose(
        metric_matrix(-2.5 * S1, rank), -2.5 * metric_matrix(S1, rank), atol=TOL
    )


@pytest.mark.parametrize("rank", [1, 2])
def test_gbar_times_gradient_reproduces_overlap_velocity(rank):
    (S,) = _grams(rank, 1, seed=1)
    g = jax.random.normal(jax.random.PRNGKey(2), (n_overlaps(rank),))
    A = sym_from_gradient(g, rank)
    expected = sigma_from_gram(overlap_velocity(S, A), rank)
    np.testing.assert_allclose(-metric_matrix(S, rank) @ g, expected, atol=TOL)
    np.testing.assert_allclose(velocity_from_gradient(S, g, rank), expected, atol=TOL)


@pytest.mark.parametrize("activation", ["linear", "erf"])
def test_gbar_on_the_loss_gradient_matches_the_theory_flow(activation):
    """dL/dsigma from autodiff in the distinct overlaps, fed through Gbar,
    gives the theory's -2 (S A + A S) with A = sym(dL/dS): checks the factor 2
    between off-diagonal gradients and A."""
    rank = 1
    task = make_task({"kind": "filter", "a_star": 1.0, "c_star": 0.2}, 0.1, 1.0)
    # tasks.impulse_target multiplies an integer arange by dt, which strict
    # promotion refuses; the trials are data here, not the code under test
    with jax.numpy_dtype_promotion("standard"):
        batch = task.sample(jax.random.PRNGKey(0))
    S = 0.5 * random_gram(jax.random.PRNGKey(3), rank)
    sigma = sigma_from_gram(S, rank)

    def loss_of_sigma(s):
        return reduced_loss(gram_from_sigma(s, rank), batch, task, rank, activation)

    g = jax.jit(jax.grad(loss_of_sigma))(sigma)
    _, A = jax.jit(sym_gradient, static_argnums=(2, 3, 4))(
        S, batch, task, rank, activation
    )
    theory = sigma_from_gram(overlap_velocity(S, A), rank)
    scale = float(jnp.max(jnp.abs(theory)))
    assert scale > 0
    np.testing.assert_allclose(
        -effective_metric(S, rank, activation) @ g, theory, atol=1e-10 * scale
    )
    # the loss has no gradient on invisible overlaps
    np.testing.assert_allclose(g[~visible(rank, activation)], 0.0, atol=1e-14)


@pytest.mark.parametrize("rank", [1, 2])
def test_gbar_is_the_pullback_of_the_euclidean_metric(rank):
    """Gbar = N J J^T with J = dsigma/dX: gradient flow dX/dtau = -N grad_X L
    pushed to sigma. Independent of the A construction."""
    n = 7 * n_vectors(rank)
    X = jax.random.normal(jax.random.PRNGKey(4), (n, n_vectors(rank)))
    J = jax.jit(jax.jacfwd(lambda X_: sigma_from_gram(gram(X_), rank)))(X).reshape(
        n_overlaps(rank), -1
    )
    np.testing.assert_allclose(metric_matrix(gram(X), rank), n * J @ J.T, atol=TOL)


@pytest.mark.parametrize("rank", [1, 2])
def test_gbar_is_symmetric_positive_definite_at_a_positive_definite_gram(rank):
    for S in _grams(rank, 3, seed=5):
        G = np.asarray(metric_matrix(S, rank))
        np.testing.assert_allclose(G, G.T, atol=TOL)
        # Gbar = C^-1 L C^-1, L(A) = 2 (S A + A S) in Frobenius-orthonormal
        # coordinates (eigenvalues 2 (s_i + s_j)), C = 1 on the diagonal and
        # sqrt(2) off it, so 2 min(s) <= eig(Gbar) <= 4 max(s)
        eig, s = np.linalg.eigvalsh(G), np.linalg.eigvalsh(np.asarray(S))
        assert eig.min() >= 2 * s.min() - TOL
        assert eig.max() <= 4 * s.max() + TOL


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("activation", ["linear", "erf"])
def test_zero_pattern_matches_index_prediction(rank, activation):
    zeros = structural_zeros(rank, activation, jax.random.PRNGKey(6))
    expected = _expected_nonzero(rank, visible(rank, activation))
    np.testing.assert_array_equal(~zeros, expected)


def test_linear_rank1_pattern_uses_only_visible_cross_columns():
    labels = overlap_labels(1)
    assert labels == ["zm", "zu", "vm", "vu", "mu", "zv", "mm", "uu", "vv", "zz"]
    zeros = structural_zeros(1, "linear", jax.random.PRNGKey(7))
    nonzero_cols = [labels[j] for j in np.flatnonzero((~zeros).any(axis=0))]
    assert nonzero_cols == ["zm", "zu", "vm", "vu"]
    # e.g. sigma_dot_mm = -2 (2 S_mz A_zm + 2 S_mv A_vm): only zm and vm act
    row_mm = ~zeros[labels.index("mm")]
    assert [labels[j] for j in np.flatnonzero(row_mm)] == ["zm", "vm"]


def test_erf_pattern_has_more_nonzero_columns_than_linear():
    key = jax.random.PRNGKey(8)
    lin = ~structural_zeros(1, "linear", key)
    erf = ~structural_zeros(1, "erf", key)
    assert np.all(erf[lin])
    lin_cols, erf_cols = lin.any(axis=0), erf.any(axis=0)
    labels = np.array(overlap_labels(1))
    assert list(labels[erf_cols & ~lin_cols]) == ["mu", "mm", "uu"]


@pytest.mark.parametrize("activation", ["linear", "erf"])
def test_invisible_overlaps_move(activation):
    zeros = structural_zeros(1, activation, jax.random.PRNGKey(9))
    invisible_rows = ~zeros[~visible(1, activation)]
    assert invisible_rows.any(axis=1).all()


def test_structural_zeros_are_exact_zeros_of_the_jacobian():
    (S,) = _grams(1, 1, seed=10)
    G = np.asarray(effective_metric(S, 1, "linear"))
    zeros = structural_zeros(1, "linear", jax.random.PRNGKey(11))
    assert np.all(G[zeros] == 0.0)


def test_random_gram_is_positive_definite_and_symmetric():
    S = random_gram(jax.random.PRNGKey(12), 2)
    np.testing.assert_allclose(S, S.T, atol=TOL)
    assert np.linalg.eigvalsh(np.asarray(S)).min() > 0


def test_errors_name_the_bad_value():
    S = random_gram(jax.random.PRNGKey(0), 1)
    with pytest.raises(ValueError, match=r"\(6, 6\).*got shape \(4, 4\)"):
        metric_matrix(S, 2)
    with pytest.raises(ValueError, match="'tanh'"):
        effective_metric(S, 1, "tanh")
    with pytest.raises(ValueError, match="got 0"):
        random_gram(jax.random.PRNGKey(0), 0)
    with pytest.raises(ValueError, match="got 3"):
        random_gram(jax.random.PRNGKey(0), 1, n_samples=3)
    with pytest.raises(ValueError, match="n_points"):
        structural_zeros(1, "linear", jax.random.PRNGKey(0), n_points=0)
