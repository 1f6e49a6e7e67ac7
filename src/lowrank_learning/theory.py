"""Learning in overlap space (STUDY.md section 4).

If the loss depends on X only through S = X^T X / N, then with
A = sym(dL/dS) the parameter-space gradient is grad_X L = (2/N) X A, and one
gradient-descent epoch with step eta = N lr is exactly

    X <- X (I - 2 lr A)    =>    S <- (I - 2 lr A) S (I - 2 lr A)   (exact_map)

Its first-order part, S <- S - 2 lr (S A + A S), is the study's map
(first_order); its continuous limit dS/dtau = -2 (S A + A S), tau = lr *
epoch, is the gradient flow (flow). The direct descent changes only the
visible overlaps, sigma_vis <- sigma_vis - lr dL/dsigma_vis (direct).

A comes from autodiff of the reduced network's loss with respect to the full
symmetric S: G = dL/dS treats S_ab and S_ba as separate inputs and
A = (G + G^T) / 2, so A_ab = (1/2) dL/dsigma_ab off the diagonal and
A_aa = dL/dsigma_aa. For rank 1 the same A comes from the hand-written
adjoint of ``adjoint.py`` (equal to autodiff to round-off, and several
times cheaper for many networks at once).

For linear networks exact_map reproduces the simulation to round-off. The
first-order map differs from it by exactly 4 lr^2 A S A per epoch, so it
drifts O(lr^2) per epoch (O(lr) over a fixed tau); use exact_map for
bitwise comparisons. For erf networks the reduced loss is the large-N
Gaussian limit, so all of these are the theory, not an identity.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from scipy.integrate import solve_ivp

from .adjoint import rank1_loss_and_gradient
from .loop import Progress, check_finite, chunk_bounds
from .overlaps import (
    gram_from_sigma,
    reduced_rollout,
    sigma_from_gram,
    visible_matrix,
)
from .protocol import Phase, trial_key
from .tasks import Batch, Task, task_loss

METHODS = ("first_order", "exact_map", "flow", "direct")


def reduced_loss(S, batch: Batch, task: Task, rank: int, activation: str):
    """Loss of the reduced network with overlaps S on a batch of trials."""
    y = reduced_rollout(S, batch.inputs, rank, activation, task.dt)
    return task_loss(y, batch, task.loss_scale)


def sym_gradient(S, batch: Batch, task: Task, rank: int, activation: str):
    """(L, A) with A = sym(dL/dS), the symmetrised derivative of the reduced loss.

    Rank 1 uses the hand-written adjoint of ``adjoint.rank1_loss_and_gradient``
    (equal to autodiff up to round-off, several times cheaper); higher ranks
    use ``autodiff_sym_gradient``.
    """
    if rank == 1:
        return rank1_loss_and_gradient(S, batch, task, activation)
    return autodiff_sym_gradient(S, batch, task, rank, activation)


def autodiff_sym_gradient(S, batch: Batch, task: Task, rank: int, activation: str):
    """(L, A) by reverse-mode autodiff of ``reduced_loss``, any rank."""
    loss, G = jax.value_and_grad(reduced_loss)(S, batch, task, rank, activation)
    return loss, 0.5 * (G + G.T)


def overlap_velocity(S, A):
    """Gradient-flow velocity dS/dtau = -2 (S A + A S)."""
    return -2.0 * (S @ A + A @ S)


def first_order_update(S, A, lr):
    """S - 2 lr (S A + A S): one Euler step of the flow (the study's map)."""
    return S + lr * overlap_velocity(S, A)


def exact_map_update(S, A, lr):
    """(I - 2 lr A) S (I - 2 lr A): the exact image of one full-N GD epoch."""
    M = jnp.eye(S.shape[0], dtype=S.dtype) - 2.0 * lr * A
    return M @ S @ M


def direct_update(S, A, lr, visible_mat):
    """Plain GD on the visible distinct overlaps with identity metric.

    dL/dsigma_ab = 2 A_ab for a != b and A_aa on the diagonal; invisible
    entries stay frozen.
    """
    grad_sigma = 2.0 * A - jnp.diag(jnp.diag(A))
    return S - lr * jnp.where(visible_mat, grad_sigma, 0.0)


def _update(method, S, A, lr, visible_mat):
    if method == "first_order":
        return first_order_update(S, A, lr)
    if method == "exact_map":
        return exact_map_update(S, A, lr)
    if method == "direct":
        return direct_update(S, A, lr, visible_mat)
    raise ValueError(f"method must be one of {METHODS}, got {method!r}")


@partial(jax.jit, static_argnames=("method", "task", "rank", "activation"))
def _descent_chunk(S, epochs, trials_root, lr, *, method, task, rank, activation):
    visible_mat = jnp.asarray(visible_matrix(rank, activation))

    def epoch(S, e):
        batch = task.sample(trial_key(trials_root, e))
        loss, A = sym_gradient(S, batch, task, rank, activation)
        return _update(method, S, A, lr, visible_mat), (loss, S)

    return jax.lax.scan(epoch, S, epochs)


@partial(jax.jit, static_argnames=("task", "rank", "activation"))
def _loss_at(S, epoch, trials_root, *, task, rank, activation):
    batch = task.sample(trial_key(trials_root, epoch))
    return reduced_loss(S, batch, task, rank, activation)


def _require_gradient_descent(protocol):
    for i, phase in enumerate(protocol):
        if phase.optimizer != "gd":
            raise ValueError(
                f"the overlap-space theory describes gradient descent, but phase "
                f"{i} ({phase.task_name}) uses {phase.optimizer!r}; no theory "
                "stage can follow it (drop the theory figures for this experiment)"
            )


def run_descent(
    method: str,
    S0,
    protocol: tuple[Phase, ...],
    trials_root,
    rank: int,
    activation: str,
    chunk: int = 1000,
    report=None,
    interval: float = 10.0,
):
    """Walk a protocol in overlap space with one of the discrete descents.

    Args:
        method: 'first_order', 'exact_map' or 'direct'.
        S0: initial Gram matrix (P, P), e.g. the simulation's epoch-0 overlaps.
        protocol: phases shared with the simulation.
        trials_root: key of the trial stream (the simulation's).
        report: optional callable receiving progress lines.
        interval: least number of seconds between two progress lines.

    Returns:
        (S, loss): S of shape (E+1, P, P) and loss of shape (E+1,), where
        entry e is the state before update e and entry E the final state.

    Raises:
        FloatingPointError: naming the epoch where the loss stops being finite.
    """
    _require_gradient_descent(protocol)
    if method == "flow":
        return run_flow(S0, protocol, rank, activation)
    total = sum(p.epochs for p in protocol)
    progress = Progress(report, total, interval)
    S = jnp.asarray(S0)
    losses, states = [], []
    start = 0
    for phase in protocol:
        for a, b in chunk_bounds(start, start + phase.epochs, chunk):
            S, (loss, Ss) = _descent_chunk(
                S,
                jnp.arange(a, b),
                trials_root,
                phase.lr,
                method=method,
                task=phase.task,
                rank=rank,
                activation=activation,
            )
            loss = np.asarray(loss)
            check_finite(loss, a, f"{method} theory loss")
            losses.append(loss)
            states.append(np.asarray(Ss))
            progress.update(b, float(loss[-1]), f"{method}: ")
        start += phase.epochs
    last = protocol[-1].task
    final = _loss_at(S, total, trials_root, task=last, rank=rank, activation=activation)
    losses.append(np.atleast_1d(np.asarray(final)))
    states.append(np.asarray(S)[None])
    return np.concatenate(states), np.concatenate(losses)


def run_flow(S0, protocol, rank: int, activation: str, rtol=1e-9, atol=1e-12):
    """Integrate dS/dtau = -2 (S A + A S) with an adaptive Runge-Kutta solver.

    Each phase runs over tau in [0, lr * epochs] and is sampled at
    tau = lr * epoch, so it is comparable epoch by epoch with the maps. The
    flow needs a fixed loss: tasks whose trials change from epoch to epoch
    are refused, and target noise is dropped (for the quadratic loss the
    noisy target has the same expected gradient as the clean one).

    In float32 the right-hand side is only accurate to ~1e-7 relative, and an
    adaptive solver asked for 1e-9 keeps shrinking its step (E1 took 160 s
    instead of 2 s); the tolerances are therefore raised to rtol 1e-5,
    atol 1e-7 when JAX runs in float32. Use float64 for precise flows.

    Raises:
        ValueError: for a task with random trials.
    """
    _require_gradient_descent(protocol)
    if not jax.config.jax_enable_x64:
        rtol, atol = max(rtol, 1e-5), max(atol, 1e-7)
    S = np.asarray(S0, dtype=np.float64)
    states, losses = [], []
    for phase in protocol:
        task = phase.task.without_noise()
        if not task.is_deterministic:
            raise ValueError(
                f"method 'flow' needs a deterministic task; task {phase.task_name!r} "
                f"({task.kind}) draws new trials every epoch. Remove 'flow' from "
                "this experiment's theory.methods"
            )
        batch = task.sample(jax.random.PRNGKey(0))

        @jax.jit
        def rhs(sigma, batch=batch, task=task):
            S_ = gram_from_sigma(sigma, rank)
            _, A = sym_gradient(S_, batch, task, rank, activation)
            return sigma_from_gram(overlap_velocity(S_, A), rank)

        taus = phase.lr * np.arange(phase.epochs + 1)
        sol = solve_ivp(
            lambda t, s: np.asarray(rhs(jnp.asarray(s))),
            (0.0, taus[-1]),
            np.asarray(sigma_from_gram(S, rank)),
            t_eval=taus,
            rtol=rtol,
            atol=atol,
            method="DOP853",
        )
        if not sol.success:
            raise FloatingPointError(f"flow integration failed: {sol.message}")
        Ss = np.asarray(gram_from_sigma(jnp.asarray(sol.y.T), rank))
        loss_fn = jax.vmap(
            partial(
                reduced_loss, batch=batch, task=task, rank=rank, activation=activation
            )
        )
        phase_loss = np.asarray(loss_fn(jnp.asarray(Ss)))
        states.append(Ss[:-1])
        losses.append(phase_loss[:-1])
        S = Ss[-1]
        last_loss = phase_loss[-1]
    states.append(S[None])
    losses.append(np.atleast_1d(last_loss))
    return np.concatenate(states), np.concatenate(losses)
