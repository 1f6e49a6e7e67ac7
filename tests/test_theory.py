"""Overlap-space learning against the full simulation (STUDY.md section 4).

Tolerances: exact_map is an identity for linear networks, so it must match
the simulation to round-off (1e-8 relative, float64, over hundreds of
epochs). first_order differs from exact_map by exactly 4 lr^2 A S A per
epoch. flow is a first-order method's continuous limit: at fixed tau its
gap to the simulation is O(lr), so halving lr halves it.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lowrank_learning import network, overlaps, protocol, theory, train
from lowrank_learning.tasks import make_task


def _setup(make, **kw):
    exp = make(**kw)
    prot = protocol.build_protocol(exp)
    root = protocol.experiment_key(0, "test")
    X0 = network.init_vectors(
        protocol.stream_key(root, "init"), exp["network"]["N"], exp["network"]["rank"]
    )
    return exp, prot, X0, protocol.stream_key(root, "trials")


def _run_sim(exp, prot, X0, trials):
    rank = exp["network"]["rank"]
    return train.train(X0, prot, trials, rank, "linear", snapshot_stride=1000)


@pytest.mark.parametrize(("rank", "N"), [(1, 30), (1, 200), (2, 60)])
def test_exact_map_equals_simulation_to_roundoff(filter_experiment, rank, N):
    exp, prot, X0, trials = _setup(
        filter_experiment, N=N, rank=rank, epochs=300, lr=1e-2
    )
    sim = _run_sim(exp, prot, X0, trials)
    S, loss = theory.run_descent(
        "exact_map", sim["gram"][0], prot, trials, rank, "linear"
    )
    scale = np.abs(sim["gram"]).max()
    assert np.abs(S - sim["gram"]).max() / scale < 1e-8
    np.testing.assert_allclose(loss, sim["loss"], rtol=1e-8, atol=1e-14)


def test_parameter_gradient_is_X_times_A(filter_experiment):
    """grad_X L = (2/N) X A, with A from autodiff of the reduced loss."""
    exp, prot, X0, trials = _setup(filter_experiment, N=50)
    task = prot[0].task
    batch = task.sample(trials)
    X = 1.2 * X0
    g_full = jax.grad(train.network_loss)(X, batch, task, 1, "linear")
    _, A = theory.sym_gradient(overlaps.gram(X), batch, task, 1, "linear")
    np.testing.assert_allclose(g_full, 2.0 / 50 * X @ A, rtol=1e-9, atol=1e-12)


def test_sym_gradient_matches_finite_differences():
    """dL/dsigma_ab by central differences equals 2 A_ab (a != b) and A_aa."""
    task = make_task({"kind": "filter", "c_star": 0.2}, 0.05, 5.0)
    batch = task.sample(jax.random.PRNGKey(0))
    X = network.init_vectors(jax.random.PRNGKey(1), 40, 1)
    S = overlaps.gram(X)
    _, A = theory.sym_gradient(S, batch, task, 1, "erf")
    sigma = overlaps.sigma_from_gram(S, 1)

    def loss_of(sig):
        return theory.reduced_loss(
            overlaps.gram_from_sigma(sig, 1), batch, task, 1, "erf"
        )

    h = 1e-6
    pairs = overlaps.overlap_pairs(1)
    for k, (a, b) in enumerate(pairs):
        e = jnp.zeros_like(sigma).at[k].set(h)
        fd = (loss_of(sigma + e) - loss_of(sigma - e)) / (2 * h)
        expected = A[a, b] * (1.0 if a == b else 2.0)
        # central differences: error O(h^2) relative to the curvature scale
        assert abs(fd - expected) < 1e-7 * max(1.0, abs(float(expected)))


def test_first_order_differs_from_exact_map_by_4_lr2_ASA():
    key_s, key_a = jax.random.split(jax.random.PRNGKey(4))
    W = jax.random.normal(key_s, (20, 4))
    S = W.T @ W / 20
    B = jax.random.normal(key_a, (4, 4))
    A = 0.5 * (B + B.T)
    for lr in (1e-2, 1e-3):
        gap = theory.exact_map_update(S, A, lr) - theory.first_order_update(S, A, lr)
        np.testing.assert_allclose(gap, 4 * lr**2 * A @ S @ A, rtol=1e-10, atol=1e-15)


def _gap_at_fixed_tau(make, method, lr, tau=1.0):
    exp, prot, X0, trials = _setup(make, N=60, epochs=round(tau / lr), lr=lr)
    sim = _run_sim(exp, prot, X0, trials)
    S, _ = theory.run_descent(method, sim["gram"][0], prot, trials, 1, "linear")
    return np.abs(S[-1] - sim["gram"][-1]).max()


@pytest.mark.parametrize("method", ["first_order", "flow"])
def test_gap_to_simulation_at_fixed_tau_is_first_order_in_lr(filter_experiment, method):
    gap = [_gap_at_fixed_tau(filter_experiment, method, lr) for lr in (2e-2, 1e-2)]
    ratio = gap[0] / gap[1]
    # O(lr) convergence: halving lr halves the gap (ratio 2, up to O(lr) terms)
    assert 1.7 < ratio < 2.3, (gap, ratio)


def test_invariant_drift_per_epoch_is_second_order(filter_experiment):
    """One GD epoch changes zz + vv - mm - uu by exactly

        4 lr^2 [tr(A_PQ S_QQ A_QP) - tr(A_QP S_PP A_PQ)],

    since for a linear network A only couples P = {v, z} with Q = {m, u}; the
    first-order
    (flow) step conserves it exactly."""
    exp, prot, X0, trials = _setup(filter_experiment, N=80)
    task = prot[0].task
    batch = task.sample(trials)
    S = overlaps.gram(X0 * 1.1)
    _, A = theory.sym_gradient(S, batch, task, 1, "linear")
    q, p = [0, 1], [2, 3]
    A_PQ, A_QP = A[np.ix_(p, q)], A[np.ix_(q, p)]
    bracket = jnp.trace(A_PQ @ S[np.ix_(q, q)] @ A_QP) - jnp.trace(
        A_QP @ S[np.ix_(p, p)] @ A_PQ
    )
    assert abs(float(bracket)) > 1e-6
    for lr in (1e-2, 5e-3, 1e-3):
        drift = overlaps.invariant(theory.exact_map_update(S, A, lr), 1)
        drift = float(drift - overlaps.invariant(S, 1))
        # difference of O(1) numbers: round-off ~ 1e-15 absolute
        assert abs(drift - 4 * lr**2 * float(bracket)) < 1e-13
        flow_step = theory.first_order_update(S, A, lr)
        assert (
            abs(float(overlaps.invariant(flow_step, 1) - overlaps.invariant(S, 1)))
            < 1e-14
        )


def test_direct_descent_freezes_invisible_overlaps(filter_experiment):
    exp, prot, X0, trials = _setup(filter_experiment, N=40, epochs=20)
    S, _ = theory.run_descent("direct", overlaps.gram(X0), prot, trials, 1, "linear")
    sig = np.asarray(overlaps.sigma_from_gram(S, 1))
    vis = overlaps.visible(1, "linear")
    assert np.array_equal(sig[0, ~vis], sig[-1, ~vis])
    assert np.abs(sig[-1, vis] - sig[0, vis]).max() > 1e-3


def test_flow_refuses_nothing_for_deterministic_tasks_and_drops_noise(
    filter_experiment,
):
    exp = filter_experiment(N=30, epochs=10)
    exp["phases"][0]["target_noise"] = 0.1
    prot = protocol.build_protocol(exp)
    X0 = network.init_vectors(jax.random.PRNGKey(0), 30, 1)
    S, loss = theory.run_flow(overlaps.gram(X0), prot, 1, "linear")
    clean = protocol.build_protocol(filter_experiment(N=30, epochs=10))
    S_clean, _ = theory.run_flow(overlaps.gram(X0), clean, 1, "linear")
    np.testing.assert_array_equal(S, S_clean)
    assert S.shape == (11, 4, 4) and loss.shape == (11,)
