"""Hand-written adjoint of the rank-1 reduced network's loss (theory hot path).

For rank 1 the reduced network (``overlaps.reduced_rollout``) has one
recurrent coordinate k per trial. With the vectors ordered [m, u, v, z] and
the state s_t = (k_m[t], k[t]), t = 0..T, s_0 = 0:

    g_t     = 1 / sqrt(1 + pi delta_t / 2),  delta_t = mm k_m^2 + 2 mu k_m k + uu k^2
    d_t     = vm k_m[t] + vu k[t]                        (recurrent drive)
    k[t+1]  = k[t] + dt (-k[t] + g_t d_t)
    r_t     = zm k_m[t] + zu k[t],   y[t-1] = g_t r_t     (readout, t = 1..T)
    L       = c sum mask (y - y*)^2 / sum mask

(g = 1 for linear networks). With e[t-1] = dL/dy[t-1] and
g'_t = dg_t/dk = -(pi/2) g_t^3 (mu k_m + uu k), the adjoint lambda_t = dL/dk[t]
obeys the *linear* backward recurrence

    lambda_T = e[T-1] o_T,   lambda_t = e[t-1] o_t + J_t lambda_{t+1}
    o_t = g_t zu + r_t g'_t,   J_t = 1 - dt + dt (g_t vu + d_t g'_t),

whose coefficients depend only on the forward states. The forward scan keeps
only k[t]; one reverse scan then recomputes each state's gain, steps lambda
and accumulates, per trial, the loss and the seven derivatives, so no other
(T, trials) array is ever materialised (for 20 networks at once that memory
traffic cost more than the scans themselves). With rho_t = dt lambda_{t+1}
(rho_T = 0) and w_t = (e[t-1] r_t + rho_t d_t) dg_t/d delta_t, where
dg/d delta = -(pi/4) g^3:

    dL/dzm = sum e[t-1] g_t k_m[t]       dL/dzu = sum e[t-1] g_t k[t]
    dL/dvm = sum rho_t g_t k_m[t]        dL/dvu = sum rho_t g_t k[t]
    dL/dmm = sum w_t k_m[t]^2            dL/dmu = sum 2 w_t k_m[t] k[t]
    dL/duu = sum w_t k[t]^2

summed over t = 1..T and trials (the state t = 0 is zero and adds nothing),
and A = sym(dL/dS) has A_aa = dL/dsigma_aa and A_ab = (1/2) dL/dsigma_ab, the
convention of ``theory.sym_gradient`` (zv, vv and zz do not enter: their
entries are 0). The result equals autodiff of ``theory.reduced_loss`` up to
round-off (tested in float64). Autodiff of the scan stores and replays every
step's intermediates: for the twins study's 20 networks its gradient cost 10x
the forward pass, the adjoint's about 1.4x (``benchmarks/twins_study.py``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from .network import activation as _activation
from .overlaps import input_states
from .tasks import Batch, Task


def rank1_loss_and_gradient(
    S: Float[Array, "4 4"], batch: Batch, task: Task, activation: str
):
    """(L, A) of the rank-1 reduced network, A = sym(dL/dS), by the adjoint above.

    Args:
        S: (4, 4) overlaps of [m, u, v, z].
        batch: the trials; inputs, targets and mask of shape (B, T).
        task: supplies dt and the loss scale c.
        activation: 'linear' or 'erf'.

    Returns:
        loss (scalar) and A (4, 4), symmetric.
    """
    _activation(activation)  # validates the name
    erf = activation == "erf"
    dt = task.dt
    mm, mu, uu = S[0, 0], S[1, 0], S[1, 1]
    vm, vu, zm, zu = S[2, 0], S[2, 1], S[3, 0], S[3, 1]
    km = input_states(
        batch.inputs.astype(jnp.promote_types(S.dtype, batch.inputs.dtype)), dt
    )

    def gain(k_m, k):
        """g and dg/d delta at the state (k_m, k)."""
        if not erf:
            return jnp.ones_like(k), jnp.zeros_like(k)
        g = jax.lax.rsqrt(
            1.0 + (jnp.pi / 2.0) * (mm * k_m**2 + 2.0 * mu * k_m * k + uu * k**2)
        )
        return g, -(jnp.pi / 4.0) * g**3

    # forward: k[t] for t = 1..T; only k is stored
    def forward(k, k_m):
        k = k + dt * (-k + gain(k_m, k)[0] * (vm * k_m + vu * k))
        return k, k

    _, k = jax.lax.scan(forward, jnp.zeros_like(km[0]), km[:-1])

    # backward over t = T..1 with lambda_{T+1} = 0; the state t = 0 (k_m = k = 0)
    # adds nothing to any derivative. Each step accumulates per trial the loss
    # and the seven derivatives in the order zm, zu, vm, vu, mm, mu, uu.
    scale = task.loss_scale / jnp.sum(batch.mask)

    def backward(carry, xs):
        lam, acc = carry
        k_m, k_t, target, mask = xs
        g, dg_ddelta = gain(k_m, k_t)
        drive, read = vm * k_m + vu * k_t, zm * k_m + zu * k_t
        err = g * read - target
        e = 2.0 * scale * mask * err
        rho = dt * lam
        w = (e * read + rho * drive) * dg_ddelta
        terms = (
            scale * mask * err**2,
            e * g * k_m,
            e * g * k_t,
            rho * g * k_m,
            rho * g * k_t,
            w * k_m**2,
            2.0 * w * k_m * k_t,
            w * k_t**2,
        )
        acc = tuple(a + b for a, b in zip(acc, terms, strict=True))
        dg_dk = 2.0 * dg_ddelta * (mu * k_m + uu * k_t)
        jac = 1.0 - dt + dt * (g * vu + drive * dg_dk)
        lam = e * (g * zu + read * dg_dk) + jac * lam
        return (lam, acc), None

    zeros = jnp.zeros_like(km[0])
    xs = (km[1:], k, batch.targets.T, batch.mask.T.astype(S.dtype))
    (_, acc), _ = jax.lax.scan(backward, (zeros, (zeros,) * 8), xs, reverse=True)
    loss, d_zm, d_zu, d_vm, d_vu, d_mm, d_mu, d_uu = (jnp.sum(a) for a in acc)

    zero = jnp.zeros((), dtype=S.dtype)
    A = 0.5 * jnp.array(
        [
            [2.0 * d_mm, d_mu, d_vm, d_zm],
            [d_mu, 2.0 * d_uu, d_vu, d_zu],
            [d_vm, d_vu, zero, zero],
            [d_zm, d_zu, zero, zero],
        ],
        dtype=S.dtype,
    )
    return loss, A
