"""Tests for the functionally equivalent rank-1 networks (STUDY.md E2).

Tolerances: an overlap a.b/N computed in float64 carries a round-off of a few
eps * |a| |b| / N, so overlaps are compared to 1e-12 * sqrt(sigma_aa sigma_bb)
(the Cauchy-Schwarz scale of that entry), and outputs z.h/N to
1e-12 * |z| |h| / N.
"""

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lowrank_learning.degeneracy import (  # noqa: E402
    equivalent_network,
    feasible_mu_range,
    min_feasible_uu,
    visible_overlap_deviation,
)
from lowrank_learning.network import init_vectors, rollout  # noqa: E402
from lowrank_learning.overlaps import gram, visible_matrix  # noqa: E402

RTOL = 1e-12
M, U, V, Z = 0, 1, 2, 3
MAX_N = 500
PROPERTY = settings(max_examples=30, deadline=None)


def vectors(seed: int, n: int) -> np.ndarray:
    """Normalised Gaussian vectors as in ``init_vectors``, float64 numpy, (n, 4).

    Drawn at one fixed shape and sliced, so hypothesis examples with different
    n do not recompile the sampler; columns rescaled to norm sqrt(n).
    """
    G = np.array(jax.random.normal(jax.random.PRNGKey(seed), (MAX_N, 4)))[:n]
    return G * np.sqrt(n) / np.linalg.norm(G, axis=0)


def cauchy_schwarz_scale(S_a: np.ndarray, S_b: np.ndarray) -> np.ndarray:
    """sqrt(sigma_aa sigma_bb), the larger of the two networks, per entry."""
    d = np.maximum(np.diag(S_a), np.diag(S_b))
    return np.sqrt(np.outer(d, d))


def assert_visible_equal(X: np.ndarray, X2: np.ndarray) -> None:
    S, S2 = gram(X), gram(X2)
    mask = visible_matrix(1, "linear")
    tol = RTOL * cauchy_schwarz_scale(S, S2)
    assert np.all(np.abs(S - S2)[mask] <= tol[mask])


def assert_targets_hit(X2: np.ndarray, uu: float, mu: float) -> None:
    S2 = gram(X2)
    assert abs(S2[U, U] - uu) <= RTOL * uu
    assert abs(S2[M, U] - mu) <= RTOL * np.sqrt(S2[M, M] * S2[U, U])


seeds = st.integers(min_value=0, max_value=2**31 - 1)
sizes = st.integers(min_value=8, max_value=200)
mu_targets = st.floats(min_value=-2.0, max_value=2.0)
extra_norms = st.floats(min_value=1e-3, max_value=4.0)


@PROPERTY
@given(seeds, sizes, mu_targets, extra_norms, st.booleans())
def test_visible_overlaps_kept_and_targets_hit(seed, n, mu, extra, keep_old_vu):
    X = vectors(seed, n)
    uu = min_feasible_uu(X, mu, keep_old_vu=keep_old_vu) + extra

    X2 = equivalent_network(X, uu, mu, keep_old_vu=keep_old_vu)

    assert X2.shape == X.shape and X2.dtype == np.float64
    assert_visible_equal(X, X2)
    assert_targets_hit(X2, uu, mu)
    np.testing.assert_array_equal(X2[:, M], X[:, M])
    np.testing.assert_array_equal(X2[:, Z], X[:, Z])


@PROPERTY
@given(seeds, sizes, mu_targets, extra_norms)
def test_study_recipe_keeps_old_v_and_old_uv(seed, n, mu, extra):
    # u'.v = sigma_vu for the old v makes the v re-solve the identity.
    X = vectors(seed, n)
    uu = min_feasible_uu(X, mu) + extra

    X2 = equivalent_network(X, uu, mu)

    S_cross = X2[:, U] @ X[:, V] / n
    assert abs(S_cross - gram(X)[U, V]) <= RTOL * np.sqrt(uu)
    assert np.linalg.norm(X2[:, V] - X[:, V]) <= RTOL * np.linalg.norm(X[:, V])


@PROPERTY
@given(seeds, sizes, st.floats(min_value=0.05, max_value=4.0))
def test_mu_range_endpoints_sit_on_the_uu_boundary(seed, n, extra):
    X = vectors(seed, n)
    uu = min_feasible_uu(X, 0.0) + extra

    low, high = feasible_mu_range(X, uu)

    assert low < 0.0 < high
    for mu in (low, high):
        assert abs(min_feasible_uu(X, mu) - uu) <= 1e-10 * uu
    width = high - low
    with pytest.raises(ValueError, match="uu_target"):
        equivalent_network(X, uu, high + 1e-3 * width)
    X2 = equivalent_network(X, uu, low + 1e-3 * width)
    assert_visible_equal(X, X2)


def test_study_case_norm_32_and_overlap_400():
    n = 500
    X = np.array(init_vectors(jax.random.PRNGKey(0), n, 1))

    X2 = equivalent_network(X, 2.048, 0.8)

    assert abs(np.linalg.norm(X2[:, U]) - 32.0) <= RTOL * 32.0
    assert abs(X2[:, M] @ X2[:, U] - 400.0) <= RTOL * 32.0 * np.sqrt(n)
    assert visible_overlap_deviation(X, X2) <= RTOL * 2.048
    invisible_change = np.abs(gram(X2) - gram(X))[~visible_matrix(1, "linear")]
    assert invisible_change.max() > 0.5


@pytest.mark.parametrize("keep_old_vu", [True, False])
def test_equivalent_networks_give_identical_outputs(keep_old_vu):
    n, steps, dt = 500, 400, 0.05
    X = vectors(0, n)
    X2 = equivalent_network(X, 2.048, 0.8, keep_old_vu=keep_old_vu)
    inputs = jax.random.normal(jax.random.PRNGKey(1), (3, steps))

    y1, h1 = rollout(jnp.asarray(X), inputs, 1, "linear", dt, return_states=True)
    y2, h2 = rollout(jnp.asarray(X2), inputs, 1, "linear", dt, return_states=True)

    h_norm = np.maximum(np.linalg.norm(h1, axis=-1), np.linalg.norm(h2, axis=-1))
    tol = RTOL * np.linalg.norm(X[:, Z]) * h_norm / n
    assert np.all(np.abs(np.asarray(y1 - y2)) <= tol)
    # The activity itself differs: h = m k_m + u k_u with the same k and a
    # different u, so h2 - h1 = (u' - u) k_u, where k_u is driven by
    # sigma_vm k_m (|sigma_vm| ~ 1/sqrt(N) at init, hence a few percent of h).
    assert np.linalg.norm(h1 - h2) > 1e-3 * np.linalg.norm(h1)


def test_erf_sees_the_changed_mu_and_uu():
    X = vectors(0, 200)
    X2 = equivalent_network(X, 2.048, 0.8)

    S, S2 = gram(X), gram(X2)
    expected = max(abs(S2[U, U] - S[U, U]), abs(S2[M, U] - S[M, U]))
    assert abs(visible_overlap_deviation(X, X2, activation="erf") - expected) <= (
        RTOL * 2.048
    )


def test_uu_below_bound_raises_with_bound_and_mu_range():
    X = vectors(0, 500)
    uu_min = min_feasible_uu(X, 0.8)
    low, high = feasible_mu_range(X, 0.1)

    with pytest.raises(ValueError) as info:
        equivalent_network(X, 0.1, 0.8)

    message = str(info.value)
    assert "uu_target = 0.1 is infeasible" in message
    assert f">= {uu_min:.6g} given mu_target = 0.8" in message
    assert f"mu_target in [{low:.6g}, {high:.6g}]" in message


def test_uu_below_floor_raises_for_every_mu():
    X = vectors(0, 500)

    with pytest.raises(ValueError, match="no mu_target is feasible"):
        equivalent_network(X, 1e-6, 0.0)
    with pytest.raises(ValueError, match="infeasible for every mu_target"):
        feasible_mu_range(X, 1e-6)


def test_new_u_parallel_to_m_raises():
    # u = 2 m + e (e orthogonal to m, z, v) puts (mu*, zu, vu) proportional to
    # (mm, zm, vm) at mu* = 2 mm; at uu* = 4 mm the new u would be 2 m.
    n = 100
    X = vectors(0, n)
    Q, _ = np.linalg.qr(X[:, [M, Z, V]])
    e = X[:, U] - Q @ (Q.T @ X[:, U])
    X[:, U] = 2.0 * X[:, M] + e
    mm = X[:, M] @ X[:, M] / n

    with pytest.raises(ValueError, match="parallel to m"):
        equivalent_network(X, 4.0 * mm, 2.0 * mm)


def test_dependent_m_z_v_raises():
    X = vectors(0, 100)
    X[:, Z] = X[:, M]

    with pytest.raises(ValueError, match="linearly dependent"):
        equivalent_network(X, 2.0, 0.5)


def test_old_u_without_free_direction_raises():
    X = vectors(0, 100)
    X[:, U] = X[:, M] + X[:, Z] - X[:, V]

    with pytest.raises(ValueError, match="old u lies in the span"):
        equivalent_network(X, min_feasible_uu(X, 0.5) + 1.0, 0.5)


def test_boundary_target_needs_no_free_direction():
    X = vectors(0, 100)
    X[:, U] = X[:, M] + X[:, Z] - X[:, V]
    uu = min_feasible_uu(X, 0.5)

    X2 = equivalent_network(X, uu, 0.5)

    assert_visible_equal(X, X2)
    assert_targets_hit(X2, uu, 0.5)


@pytest.mark.parametrize("shape", [(100, 6), (100,), (3, 4)])
def test_malformed_vectors_raise(shape):
    with pytest.raises(ValueError, match="X must have"):
        equivalent_network(np.ones(shape), 2.0, 0.5)


def test_non_finite_target_raises():
    with pytest.raises(ValueError, match="uu_target must be a finite number"):
        equivalent_network(vectors(0, 50), float("nan"), 0.5)


def test_overlap_deviation_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same|shape"):
        visible_overlap_deviation(np.ones((10, 4)), np.ones((12, 4)))
