"""Overlaps: the Gram matrix of the vectors, its labels, and the reduced network.

With X = [m, u_1..u_R, v_1..v_R, z] (N x P, P = 2R + 2) the overlaps are
S = X^T X / N. Of its P (P + 1) / 2 distinct entries, the canonical order is

1. visible cross overlaps, P-side {z, v_r} times Q-side {m, u_s};
2. off-diagonal {m, u} overlaps; 3. off-diagonal {z, v} overlaps;
4. the self-overlaps in vector order.

For rank 1 that is ``zm zu vm vu mu zv mm uu vv zz`` (the study's order).

The reduced network (STUDY.md section 3) evolves k = (k_m, k_1..k_R) with
h = m k_m + sum_r u_r k_r, reading only S. For linear networks it is exact at
every N. For erf networks the population gain is replaced by its large-N
Gaussian value g(Delta) = 1 / sqrt(1 + pi Delta / 2), Delta = k^T S_QQ k.
Convention: g is evaluated at the state phi is applied to, i.e. at k[t] for
the recurrent drive of step t and at the updated k[t+1] for the readout y[t],
exactly mirroring where phi(h) enters the full network.
"""

from __future__ import annotations

from functools import cache

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .network import activation as _activation
from .network import n_vectors, vector_labels


def gram(X: Float[Array, "N P"]) -> Float[Array, "P P"]:
    """S = X^T X / N."""
    return X.T @ X / X.shape[0]


@cache
def _pairs(rank: int) -> tuple[tuple[int, int], ...]:
    q_side = list(range(0, rank + 1))
    p_side = [2 * rank + 1] + list(range(rank + 1, 2 * rank + 1))
    cross = [(p, q) for p in p_side for q in q_side]
    q_off = [(a, b) for i, a in enumerate(q_side) for b in q_side[i + 1 :]]
    p_off = [(a, b) for i, a in enumerate(p_side) for b in p_side[i + 1 :]]
    diag = [(a, a) for a in range(n_vectors(rank))]
    return tuple(cross + q_off + p_off + diag)


def overlap_pairs(rank: int) -> list[tuple[int, int]]:
    """Index pairs (a, b) into the vectors, one per overlap, canonical order."""
    return list(_pairs(rank))


def overlap_labels(rank: int) -> list[str]:
    """Overlap names, e.g. ``zm`` for sigma_zm, in canonical order."""
    names = vector_labels(rank)
    return [names[a] + names[b] for a, b in _pairs(rank)]


def n_overlaps(rank: int) -> int:
    """(2R + 2)(2R + 3) / 2: 10 for rank 1, 21 for rank 2."""
    p = n_vectors(rank)
    return p * (p + 1) // 2


def visible(rank: int, activation: str) -> np.ndarray:
    """Boolean mask over the canonical overlaps: True where loss-visible.

    linear: the cross overlaps between {z, v_r} and {m, u_s}.
    erf: also the whole {m, u_s} block, which sets the variance of h.
    """
    q_side = set(range(rank + 1))
    p_side = set(range(rank + 1, 2 * rank + 2))
    mask = []
    for a, b in _pairs(rank):
        cross = (a in p_side) != (b in p_side)
        qq = a in q_side and b in q_side
        mask.append(cross or (activation == "erf" and qq))
    return np.array(mask)


def visible_matrix(rank: int, activation: str) -> np.ndarray:
    """(P, P) symmetric boolean matrix of the visible entries of S."""
    p = n_vectors(rank)
    out = np.zeros((p, p), dtype=bool)
    for (a, b), vis in zip(_pairs(rank), visible(rank, activation), strict=True):
        out[a, b] = out[b, a] = vis
    return out


def sigma_from_gram(S: Float[Array, "... P P"], rank: int) -> Float[Array, "... K"]:
    """The distinct overlaps of S in canonical order."""
    idx = np.array(_pairs(rank))
    return S[..., idx[:, 0], idx[:, 1]]


def gram_from_sigma(sigma: Float[Array, "... K"], rank: int) -> Float[Array, "... P P"]:
    """Inverse of ``sigma_from_gram``: the symmetric matrix S."""
    idx = np.array(_pairs(rank))
    p = n_vectors(rank)
    S = jnp.zeros(sigma.shape[:-1] + (p, p), dtype=sigma.dtype)
    S = S.at[..., idx[:, 0], idx[:, 1]].set(sigma)
    return S.at[..., idx[:, 1], idx[:, 0]].set(sigma)


def invariant(S: Float[Array, "... P P"], rank: int) -> Float[Array, ...]:
    """zz + sum_r v_r v_r - mm - sum_r u_r u_r: conserved by linear gradient flow."""
    d = jnp.diagonal(S, axis1=-2, axis2=-1)
    return (
        d[..., -1]
        + d[..., rank + 1 : 2 * rank + 1].sum(-1)
        - d[..., : rank + 1].sum(-1)
    )


def pair_invariant(
    rows_i: Float[Array, "... P"], rows_j: Float[Array, "... P"], rank: int
):
    """K_ij = z_i z_j + sum_r v_ri v_rj - m_i m_j - sum_r u_ri u_rj.

    Args:
        rows_i, rows_j: the rows of X for neurons i and j.
    """
    sign = jnp.concatenate([-jnp.ones(rank + 1), jnp.ones(rank + 1)]).astype(
        rows_i.dtype
    )
    return jnp.sum(sign * rows_i * rows_j, axis=-1)


def gaussian_gain(delta: Array) -> Array:
    """<phi'(h)> for h ~ N(0, Delta), phi = erf(sqrt(pi)/2 x): 1/sqrt(1+pi Delta/2)."""
    return 1.0 / jnp.sqrt(1.0 + jnp.pi * delta / 2.0)


def input_states(inputs: Float[Array, "B T"], dt: float) -> Float[Array, "T1 B"]:
    """k_m[t] for t = 0..T, k_m[0] = 0: the coordinate along m, driven by x only.

    k_m[t+1] = k_m[t] + dt (-k_m[t] + x[t]); it does not depend on S.
    """

    def step(k_m, x_t):
        k_m = k_m + dt * (-k_m + x_t)
        return k_m, k_m

    zero = jnp.zeros(inputs.shape[0], dtype=inputs.dtype)
    _, km_next = jax.lax.scan(step, zero, inputs.T)
    return jnp.concatenate([zero[None], km_next])


def reduced_rollout(
    S: Float[Array, "P P"],
    inputs: Float[Array, "B T"],
    rank: int,
    activation: str,
    dt: float,
    return_states: bool = False,
):
    """Run the reduced (effective) network on a batch of inputs.

    k_m[t+1] = k_m + dt (-k_m + x[t])
    k_r[t+1] = k_r + dt (-k_r + g[t] (S_{v_r m} k_m + sum_s S_{v_r u_s} k_s))
    y[t]     = g[t+1] (S_zm k_m[t+1] + sum_r S_{z u_r} k_r[t+1])

    with g = 1 (linear) or g = gaussian_gain(k^T S_QQ k) (erf).

    k_m does not depend on S, so it is computed by its own scan and only the R
    coordinates k_r go through the recurrent scan; the readout is evaluated on
    all steps at once afterwards. This halves the cost of the gradient with
    respect to S (the theory's hot path) compared with stepping everything
    together, and changes no number beyond round-off.

    Returns:
        y (B, T), and k[t+1] (B, T, R+1) if ``return_states``.
    """
    _activation(activation)  # validates the name
    q = rank + 1
    S_QQ = S[:q, :q]
    S_VQ = S[q : 2 * rank + 1, :q]
    S_ZQ = S[-1, :q]
    batch = inputs.shape[0]

    def gain(k_m, k_r):
        if activation == "linear":
            return jnp.ones_like(k_m)
        delta = (
            S_QQ[0, 0] * k_m**2
            + 2.0 * k_m * (k_r @ S_QQ[1:, 0])
            + jnp.einsum("bi,ij,bj->b", k_r, S_QQ[1:, 1:], k_r)
        )
        return gaussian_gain(delta)

    # k_m[t+1] for every step, and k_m[t] (the state the step starts from)
    km = input_states(inputs.astype(jnp.promote_types(S.dtype, inputs.dtype)), dt)
    km_now, km_next = km[:-1], km[1:]

    def recurrent_step(k_r, k_m):
        drive = gain(k_m, k_r)[:, None] * (
            k_m[:, None] * S_VQ[:, 0] + k_r @ S_VQ[:, 1:].T
        )
        k_r = k_r + dt * (-k_r + drive)
        return k_r, k_r

    k0 = jnp.zeros((batch, rank), dtype=S.dtype)
    _, kr_next = jax.lax.scan(recurrent_step, k0, km_now)

    # readout at the updated state k[t+1], all steps at once
    g_out = jax.vmap(gain)(km_next, kr_next)
    ys = g_out * (km_next * S_ZQ[0] + kr_next @ S_ZQ[1:])
    if return_states:
        ks = jnp.concatenate([km_next[..., None], kr_next], axis=-1)
        return ys.T, jnp.swapaxes(ks, 0, 1)
    return ys.T
