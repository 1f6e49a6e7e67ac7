"""The rank-R rate network of the study (STUDY.md section 1).

Vectors are stacked as the columns of ``X`` (N x (2R+2)) in the order
``m, u_1..u_R, v_1..v_R, z``. The recurrent matrix J = U V^T / N is never
built: the recurrent drive is computed as U (V^T phi(h)) / N, which costs
O(N R) per step instead of O(N^2) and is exact, not an approximation.

Dynamics (Euler step dt, time constant 1, h[0] = 0):

    h[t+1] = h[t] + dt * ( -h[t] + U V^T phi(h[t]) / N + m x[t] )
    y[t]   = z . phi(h[t+1]) / N
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

ACTIVATIONS = ("linear", "erf")


def vector_labels(rank: int) -> list[str]:
    """Names of the columns of X: ``m, u, v, z`` for rank 1, indexed above."""
    if rank == 1:
        return ["m", "u", "v", "z"]
    return (
        ["m"]
        + [f"u{r}" for r in range(1, rank + 1)]
        + [f"v{r}" for r in range(1, rank + 1)]
        + ["z"]
    )


def n_vectors(rank: int) -> int:
    """Number of trainable vectors, 2R + 2."""
    return 2 * rank + 2


def activation(name: str):
    """phi for a named activation: identity, or erf(sqrt(pi)/2 x) (slope 1 at 0).

    Raises:
        ValueError: if ``name`` is not one of ``ACTIVATIONS``.
    """
    if name == "linear":
        return lambda h: h
    if name == "erf":
        scale = math.sqrt(math.pi) / 2.0
        return lambda h: jax.scipy.special.erf(scale * h)
    raise ValueError(
        f"activation must be one of {ACTIVATIONS}, got {name!r}; "
        "set network.activation to 'linear' or 'erf'"
    )


def normalise_columns(X: Float[Array, "N P"]) -> Float[Array, "N P"]:
    """Rescale every column to Euclidean norm sqrt(N) (self-overlap exactly 1)."""
    n = X.shape[0]
    return X * jnp.sqrt(n) / jnp.linalg.norm(X, axis=0, keepdims=True)


def init_vectors(key: Array, n_neurons: int, rank: int) -> Float[Array, "N P"]:
    """i.i.d. standard normal vectors, each rescaled to norm sqrt(N).

    Args:
        key: JAX PRNG key; the only source of randomness.
        n_neurons: N.
        rank: R.

    Returns:
        X of shape (N, 2R+2) in the default float dtype.
    """
    X = jax.random.normal(key, (n_neurons, n_vectors(rank)))
    return normalise_columns(X)


def split_vectors(X: Float[Array, "N P"], rank: int):
    """Return (m, U, V, z) with U, V of shape (N, R)."""
    return X[:, 0], X[:, 1 : 1 + rank], X[:, 1 + rank : 1 + 2 * rank], X[:, -1]


def rollout(
    X: Float[Array, "N P"],
    inputs: Float[Array, "B T"],
    rank: int,
    activation_name: str,
    dt: float,
    state_noise: Float[Array, "B T N"] | None = None,
    return_states: bool = False,
):
    """Run a batch of trials through the full network.

    Args:
        X: vectors, (N, 2R+2).
        inputs: scalar input per trial and step, (B, T).
        rank, activation_name, dt: the network of STUDY.md section 1.
        state_noise: optional additive noise on every unit at every step,
            (B, T, N); it enters as h[t+1] += noise[t] (not scaled by dt).
        return_states: also return h[t+1] for every step, (B, T, N).

    Returns:
        y of shape (B, T), and the states if ``return_states``.
    """
    phi = activation(activation_name)
    m, U, V, z = split_vectors(X, rank)
    n = X.shape[0]
    batch = inputs.shape[0]

    def step(h, drive):
        x_t, noise_t = drive
        r = phi(h)
        recurrent = (r @ V) @ U.T / n
        h_new = h + dt * (-h + recurrent + x_t[:, None] * m[None, :])
        if noise_t is not None:
            h_new = h_new + noise_t
        y_t = phi(h_new) @ z / n
        return h_new, (y_t, h_new if return_states else None)

    noise_seq = None if state_noise is None else jnp.swapaxes(state_noise, 0, 1)
    h0 = jnp.zeros((batch, n), dtype=X.dtype)
    _, (ys, hs) = jax.lax.scan(step, h0, (inputs.T, noise_seq))
    ys = ys.T
    if return_states:
        return ys, jnp.swapaxes(hs, 0, 1)
    return ys


def balanced_vectors(key: Array, n_neurons: int) -> Float[Array, "N 4"]:
    """Rank-1 'balanced' initialisation: sigma_zu = sigma_vm, sigma_mu = sigma_zv.

    m, u, v are i.i.d. normal vectors rescaled to norm sqrt(N). z is then
    built directly (no rejection sampling): z = c_u u + c_v v + z_perp with
    (c_u, c_v) solving [z.u, z.v] / N = [sigma_vm, sigma_mu] in the Gram
    matrix of {u, v}, and z_perp a random normal vector projected off
    span{u, v} and scaled so that |z|^2 = N. Both pairs are then equal to
    round-off, hence of the same sign.

    Raises:
        ValueError: if N is so small that the required overlaps leave no
            norm for z_perp (needs c^T G c < 1).
    """
    key_q, key_z = jax.random.split(key)
    X = init_vectors(key_q, n_neurons, 1)
    m, u, v = X[:, 0], X[:, 1], X[:, 2]
    n = n_neurons
    B = jnp.stack([u, v], axis=1)
    G = B.T @ B / n
    c = jnp.linalg.solve(G, jnp.array([v @ m / n, m @ u / n]))
    fixed = c @ G @ c
    if not float(fixed) < 1.0:
        raise ValueError(
            f"balanced initialisation needs |z|^2/N = 1 > {float(fixed):.3g}, the "
            f"norm already fixed by the overlaps; N = {n} is too small, raise N"
        )
    w = jax.random.normal(key_z, (n,))
    w = w - B @ jnp.linalg.solve(B.T @ B, B.T @ w)
    z = B @ c + w * jnp.sqrt((1.0 - fixed) * n / (w @ w))
    return jnp.stack([m, u, v, z], axis=1)
