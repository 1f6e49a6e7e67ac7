"""The hand-written rank-1 adjoint against autodiff of the reduced loss.

Both compute the same (L, A) in float64 along different orders of
operations, so they must agree to round-off: 1e-10 relative to the largest
entry of A leaves four orders of magnitude above the ~1e-14 accumulated over
hundreds of steps.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lowrank_learning import adjoint, overlaps, theory
from lowrank_learning.tasks import make_task

TASKS = {
    "filter": {"kind": "filter", "c_star": 0.2},
    "flipflop": {"kind": "flipflop"},
    "decision": {"kind": "decision"},
    "teacher": {"kind": "teacher"},
}


def _random_gram(key, N=50):
    """A Gram matrix of four random vectors with unequal scales and overlaps."""
    X = jax.random.normal(key, (N, 4)) @ jnp.array(
        [
            [1.0, 0.3, 0.2, -0.1],
            [0.0, 0.8, -0.4, 0.5],
            [0.0, 0.0, 1.2, 0.3],
            [0, 0, 0, 0.9],
        ]
    )
    return overlaps.gram(X)


@pytest.mark.parametrize("activation", ["linear", "erf"])
@pytest.mark.parametrize("kind", sorted(TASKS))
def test_adjoint_equals_autodiff(kind, activation):
    task = make_task(TASKS[kind], 0.05, 20.0, batch=5)
    batch = task.sample(jax.random.PRNGKey(3))
    for seed in range(3):
        S = _random_gram(jax.random.PRNGKey(seed))
        loss, A = adjoint.rank1_loss_and_gradient(S, batch, task, activation)
        ref_loss, ref_A = theory.autodiff_sym_gradient(S, batch, task, 1, activation)
        assert abs(loss - ref_loss) <= 1e-12 * abs(ref_loss)
        assert np.abs(A - ref_A).max() <= 1e-10 * np.abs(ref_A).max()
        np.testing.assert_array_equal(A, A.T)


def test_adjoint_leaves_unread_overlaps_at_zero():
    """zv, vv and zz never enter the reduced network, so their A entries are 0."""
    task = make_task(TASKS["teacher"], 0.05, 4.0, batch=3)
    S = _random_gram(jax.random.PRNGKey(0))
    _, A = adjoint.rank1_loss_and_gradient(
        S, task.sample(jax.random.PRNGKey(1)), task, "erf"
    )
    assert A[2, 2] == A[3, 3] == A[2, 3] == 0.0
    assert np.all(np.abs(A[:2]) > 0)


def test_sym_gradient_uses_the_adjoint_for_rank_one():
    task = make_task(TASKS["flipflop"], 0.05, 4.0, batch=3)
    batch = task.sample(jax.random.PRNGKey(1))
    S = _random_gram(jax.random.PRNGKey(2))
    via_theory = theory.sym_gradient(S, batch, task, 1, "erf")
    direct = adjoint.rank1_loss_and_gradient(S, batch, task, "erf")
    for a, b in zip(via_theory, direct, strict=True):
        np.testing.assert_array_equal(a, b)


def test_adjoint_rejects_unknown_activation():
    task = make_task(TASKS["filter"], 0.05, 2.0)
    with pytest.raises(ValueError, match="activation must be one of"):
        adjoint.rank1_loss_and_gradient(
            jnp.eye(4), task.sample(jax.random.PRNGKey(0)), task, "tanh"
        )
