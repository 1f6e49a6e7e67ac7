"""The simulation against a dense reference written from the equations."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lowrank_learning import network


def dense_rollout(X, inputs, rank, act, dt):
    """Reference: builds J = U V^T / N explicitly and steps h naively."""
    phi = network.activation(act)
    m, U, V, z = network.split_vectors(X, rank)
    n = X.shape[0]
    J = U @ V.T / n
    ys = []
    for x in inputs:
        h = jnp.zeros(n)
        y = []
        for x_t in x:
            h = h + dt * (-h + J @ phi(h) + m * x_t)
            y.append(z @ phi(h) / n)
        ys.append(jnp.stack(y))
    return jnp.stack(ys)


def test_init_vectors_have_unit_self_overlap():
    X = network.init_vectors(jax.random.PRNGKey(3), 137, 2)
    assert X.shape == (137, 6)
    np.testing.assert_allclose(np.sum(X**2, axis=0) / 137, 1.0, rtol=1e-13)


def test_init_is_reproducible_from_key():
    a = network.init_vectors(jax.random.PRNGKey(5), 50, 1)
    b = network.init_vectors(jax.random.PRNGKey(5), 50, 1)
    c = network.init_vectors(jax.random.PRNGKey(6), 50, 1)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("act", ["linear", "erf"])
@pytest.mark.parametrize("rank", [1, 2])
def test_low_rank_rollout_equals_dense_reference(act, rank):
    key_x, key_in = jax.random.split(jax.random.PRNGKey(0))
    X = 1.5 * network.init_vectors(key_x, 40, rank)
    inputs = jax.random.normal(key_in, (2, 30))
    y = network.rollout(X, inputs, rank, act, 0.1)
    np.testing.assert_allclose(y, dense_rollout(X, inputs, rank, act, 0.1), atol=1e-12)


def test_erf_activation_has_unit_slope_at_zero():
    phi = network.activation("erf")
    slope = jax.grad(phi)(0.0)
    assert abs(slope - 1.0) < 1e-14


def test_unknown_activation_names_the_options():
    with pytest.raises(ValueError, match="'linear' or 'erf'"):
        network.activation("tanh")


def test_state_noise_enters_every_unit():
    X = network.init_vectors(jax.random.PRNGKey(1), 30, 1)
    inputs = jnp.zeros((1, 5))
    noise = jnp.ones((1, 5, 30))
    _, h = network.rollout(X, inputs, 1, "linear", 0.1, noise, return_states=True)
    assert float(jnp.abs(h[0, 0] - 1.0).max()) < 1e-14
