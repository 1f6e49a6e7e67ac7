"""The overlap-space metric Gbar of the gradient flow (STUDY.md section 4, E8).

Written in the K distinct overlaps sigma (canonical order, K = P (P + 1) / 2,
P = 2R + 2), the gradient flow of section 4 reads

    sigma_dot = -Gbar(sigma) g,    g = dL/dsigma,

with sigma_dot the distinct entries of dS/dtau = -2 (S A + A S). The gradient
g is taken with respect to the distinct overlaps, so the symmetric matrix A it
stands for is A_ab = g_ab / 2 for a != b and A_aa = g_aa (sigma_ab counts for
both S_ab and S_ba). Gbar is derived from the theory code, not by hand: it is
minus the Jacobian of ``velocity_from_gradient`` with respect to g, exact
because the velocity is linear in g. The velocity is also linear in S, so
every entry of Gbar is a linear function of the overlaps.

Worked out (d the Kronecker delta), entry (ab, cd) of Gbar is
S_ac d_bd + S_ad d_bc + d_ac S_bd + d_ad S_bc for c != d and
2 (S_ac d_bc + d_ac S_bc) for c = d. It vanishes for every S when
the pairs {a, b} and {c, d} share no vector, and is non-zero at a generic
Gram otherwise. Gbar is the pull-back N J J^T of the Euclidean metric on the
vectors, J = dsigma/dX, so it is symmetric and positive semi-definite; in
Frobenius-orthonormal coordinates it is the Lyapunov operator
A -> 2 (S A + A S), whence 2 min eig(S) <= eig(Gbar) <= 4 max eig(S), and
Gbar is positive definite when S is.

A loss only has gradient on its visible overlaps, so the metric that acts is
Gbar with the invisible columns zeroed (``effective_metric``); its rows for
invisible overlaps are not zero, which is why invisible overlaps move.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float

from .network import ACTIVATIONS, n_vectors
from .overlaps import gram_from_sigma, n_overlaps, sigma_from_gram, visible
from .theory import overlap_velocity


def _check_rank(rank: int) -> None:
    if not isinstance(rank, int | np.integer) or rank < 1:
        raise ValueError(f"rank must be a positive integer, got {rank!r}")


def _check_gram(S: Float[Array, "P P"], rank: int) -> None:
    p = n_vectors(rank)
    if S.shape != (p, p):
        raise ValueError(
            f"S must be the ({p}, {p}) Gram matrix of a rank-{rank} network "
            f"(2R + 2 = {p} vectors), got shape {S.shape}; pass a single Gram "
            "matrix, or vmap over a stack"
        )


def _check_activation(activation: str) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")


def sym_from_gradient(g: Float[Array, " K"], rank: int) -> Float[Array, "P P"]:
    """The symmetric matrix A that a distinct-overlap gradient g stands for.

    A_ab = g_ab / 2 for a != b, A_aa = g_aa, i.e. A = (G + diag(G)) / 2 with
    G = gram_from_sigma(g).

    Args:
        g: dL/dsigma in canonical overlap order, shape (K,).
        rank: R.

    Returns:
        A of shape (P, P), P = 2R + 2.
    """
    G = gram_from_sigma(g, rank)
    return 0.5 * (G + jnp.diag(jnp.diag(G)))


def velocity_from_gradient(
    S: Float[Array, "P P"], g: Float[Array, " K"], rank: int
) -> Float[Array, " K"]:
    """Overlap velocity sigma_dot for a distinct-overlap gradient g at Gram S.

    sigma_dot = distinct entries of -2 (S A + A S), A = ``sym_from_gradient(g)``.

    Args:
        S: Gram matrix, shape (P, P).
        g: dL/dsigma, shape (K,).
        rank: R.

    Returns:
        sigma_dot, shape (K,), canonical order.
    """
    return sigma_from_gram(overlap_velocity(S, sym_from_gradient(g, rank)), rank)


def metric_matrix(S: Float[Array, "P P"], rank: int) -> Float[Array, "K K"]:
    """The full metric Gbar(S) with sigma_dot = -Gbar g.

    Gbar = -d sigma_dot / d g, the Jacobian of ``velocity_from_gradient``
    (exact: the velocity is linear in g). Rows index the velocity, columns the
    gradient, both in canonical overlap order.

    Args:
        S: Gram matrix, shape (P, P), P = 2R + 2.
        rank: R.

    Returns:
        Gbar of shape (K, K), K = P (P + 1) / 2.

    Raises:
        ValueError: if S is not (P, P) for this rank.
    """
    _check_rank(rank)
    _check_gram(S, rank)
    return _metric_matrix(jnp.asarray(S), rank)


@partial(jax.jit, static_argnames="rank")
def _metric_matrix(S: Float[Array, "P P"], rank: int) -> Float[Array, "K K"]:
    g0 = jnp.zeros(n_overlaps(rank), dtype=S.dtype)
    return -jax.jacfwd(lambda g: velocity_from_gradient(S, g, rank))(g0)


def effective_metric(
    S: Float[Array, "P P"], rank: int, activation: str
) -> Float[Array, "K K"]:
    """Gbar with the columns of loss-invisible overlaps zeroed.

    The loss of a network with this activation has dL/dsigma = 0 on invisible
    overlaps, so only the visible columns of Gbar ever act:
    sigma_dot = -Gbar_eff g with Gbar_eff[:, j] = Gbar[:, j] * visible_j.

    Args:
        S: Gram matrix, shape (P, P).
        rank: R.
        activation: 'linear' or 'erf' (sets the visible overlaps).

    Returns:
        Gbar_eff of shape (K, K).

    Raises:
        ValueError: for an unknown activation or a mis-shaped S.
    """
    _check_activation(activation)
    mask = jnp.asarray(visible(rank, activation))
    G = metric_matrix(S, rank)
    return jnp.where(mask[None, :], G, jnp.zeros_like(G))


def random_gram(
    key: Array, rank: int, n_samples: int | None = None
) -> Float[Array, "P P"]:
    """A random positive-definite Gram matrix S = W^T W / n, W ~ N(0, 1)^(n x P).

    With n > P the matrix is positive definite with probability one, and
    every entry is non-zero with probability one (off-diagonal entries are of
    order 1/sqrt(n), diagonal ones near 1), so it is a generic point at which
    to read off structural zeros.

    Args:
        key: JAX PRNG key, the only source of randomness.
        rank: R.
        n_samples: n, rows of W; defaults to 4 P.

    Returns:
        S of shape (P, P) in the default float dtype.

    Raises:
        ValueError: if n_samples <= P (S would be singular).
    """
    _check_rank(rank)
    p = n_vectors(rank)
    n = 4 * p if n_samples is None else n_samples
    if n <= p:
        raise ValueError(
            f"n_samples must exceed the number of vectors {p} for a positive "
            f"definite Gram, got {n}; use n_samples >= {p + 1}"
        )
    return _random_gram(key, n, p)


@partial(jax.jit, static_argnums=(1, 2))
def _random_gram(key: Array, n: int, p: int) -> Float[Array, "P P"]:
    W = jax.random.normal(key, (n, p))
    return W.T @ W / n


def structural_zeros(
    rank: int,
    activation: str,
    key: Array,
    n_points: int = 3,
    tol: float = 1e-9,
) -> Bool[np.ndarray, "K K"]:
    """Entries of the effective metric that vanish at every random Gram tried.

    An entry counts as zero at a point when |Gbar_eff[i, j]| <= tol *
    max |Gbar_eff| there; it is structural when that holds at all
    ``n_points`` random Grams (``random_gram``). Entries that vanish
    identically come out exactly 0 from the Jacobian, so ``tol`` only needs to
    sit far below the spread of the non-zero entries.

    Args:
        rank: R.
        activation: 'linear' or 'erf'.
        key: JAX PRNG key for the random Grams.
        n_points: number of random Grams, >= 1.
        tol: relative threshold.

    Returns:
        Boolean (K, K) numpy array, True where structurally zero.

    Raises:
        ValueError: for n_points < 1, tol outside (0, 1) or a bad activation.
    """
    _check_activation(activation)
    if n_points < 1:
        raise ValueError(f"n_points must be >= 1, got {n_points}")
    if not 0.0 < tol < 1.0:
        raise ValueError(f"tol must lie in (0, 1), got {tol}")

    zero = np.ones((n_overlaps(rank),) * 2, dtype=bool)
    for k in jax.random.split(key, n_points):
        G = np.abs(np.asarray(effective_metric(random_gram(k, rank), rank, activation)))
        zero &= tol * G.max() >= G
    return zero
