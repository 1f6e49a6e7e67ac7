"""Full-N training of the low-rank network: the simulation, ground truth.

Gradient descent uses the parameter-space step eta = N * lr, so that the
overlaps move O(lr) per epoch whatever N (STUDY.md section 4). Adam uses lr
directly as its per-coordinate step (it is invariant to the gradient's
scale, so the factor N would only rescale lr); one Adam state is carried
through every Adam phase of a protocol, so a task switch does not restart
its moment estimates.

Nothing here uses the theory: the gradient is autodiff of the full rollout,
and the only shortcut is the low-rank matvec U (V^T phi(h)) / N.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .loop import Progress, check_finite, chunk_bounds
from .network import rollout
from .overlaps import gram
from .protocol import Phase, trial_key
from .tasks import Batch, Task, task_loss

_ADAM = optax.scale_by_adam()


def network_loss(X, batch: Batch, task: Task, rank: int, activation: str):
    """Loss of the full network with vectors X on a batch of trials."""
    y = rollout(X, batch.inputs, rank, activation, task.dt)
    return task_loss(y, batch, task.loss_scale)


@partial(
    jax.jit,
    static_argnames=("task", "rank", "activation", "optimizer", "tracked", "unroll"),
)
def _train_chunk(
    carry,
    epochs,
    trials_root,
    lr,
    *,
    task,
    rank,
    activation,
    optimizer,
    tracked,
    unroll,
):
    n = carry[0].shape[0]
    rows = np.asarray(tracked, dtype=np.int32)

    def epoch(carry, e):
        X, adam_state = carry
        batch = task.sample(trial_key(trials_root, e))
        loss, grad = jax.value_and_grad(network_loss)(X, batch, task, rank, activation)
        if optimizer == "gd":
            X_new = X - (n * lr) * grad
        else:
            step, adam_state = _ADAM.update(grad, adam_state, X)
            X_new = X - lr * step
        return (X_new, adam_state), (loss, gram(X), X[rows])

    return jax.lax.scan(epoch, carry, epochs, unroll=unroll)


@partial(jax.jit, static_argnames=("task", "rank", "activation"))
def _loss_at(X, epoch, trials_root, *, task, rank, activation):
    batch = task.sample(trial_key(trials_root, epoch))
    return network_loss(X, batch, task, rank, activation)


def train(
    X0,
    protocol: tuple[Phase, ...],
    trials_root,
    rank: int,
    activation: str,
    snapshot_stride: int,
    tracked_neurons: tuple[int, ...] = (),
    chunk: int = 200,
    unroll: int = 1,
    report=None,
    interval: float = 10.0,
) -> dict:
    """Train the full network through a protocol.

    Args:
        X0: initial vectors (N, 2R+2).
        protocol: the phases, shared with the theory.
        trials_root: key of the trial stream; epoch e uses trial_key(root, e).
        snapshot_stride: save X every this many epochs (and at the end).
        tracked_neurons: neurons whose rows of X are recorded every epoch
            (for the pair invariants K_ij), cheap compared with snapshots.
        chunk: epochs per compiled call.
        unroll: unroll factor of the time scan inside an epoch.
        report: optional callable receiving progress lines.
        interval: least number of seconds between two progress lines.

    Returns:
        dict with 'loss' (E+1,), 'gram' (E+1, P, P), 'tracked' (E+1, n, P),
        'snapshots' (n_snap, N, P) and 'snapshot_epochs' (n_snap,); entry e
        is the state before update e, entry E the final state.

    Raises:
        FloatingPointError: naming the epoch at which the loss stopped being
            finite; nothing is returned, so no output file gets written.
    """
    tracked = tuple(int(i) for i in tracked_neurons)
    total = sum(p.epochs for p in protocol)
    progress = Progress(report, total, interval)
    X = jnp.asarray(X0)
    adam_state = _ADAM.init(X)
    losses, grams, rows = [], [], []
    snaps, snap_epochs = [np.asarray(X)], [0]
    start = 0
    for phase in protocol:
        for a, b in chunk_bounds(start, start + phase.epochs, chunk, snapshot_stride):
            (X, adam_state), (loss, S, tr) = _train_chunk(
                (X, adam_state),
                jnp.arange(a, b),
                trials_root,
                phase.lr,
                task=phase.task,
                rank=rank,
                activation=activation,
                optimizer=phase.optimizer,
                tracked=tracked,
                unroll=unroll,
            )
            loss = np.asarray(loss)
            check_finite(loss, a, "training loss")
            losses.append(loss)
            grams.append(np.asarray(S))
            rows.append(np.asarray(tr))
            if b % snapshot_stride == 0 and b < total:
                snaps.append(np.asarray(X))
                snap_epochs.append(b)
            progress.update(b, float(loss[-1]))
        start += phase.epochs

    last = protocol[-1].task
    final = _loss_at(X, total, trials_root, task=last, rank=rank, activation=activation)
    check_finite(np.atleast_1d(np.asarray(final)), total, "training loss")
    losses.append(np.atleast_1d(np.asarray(final)))
    grams.append(np.asarray(gram(X))[None])
    rows.append(np.asarray(X)[list(tracked)][None])
    snaps.append(np.asarray(X))
    snap_epochs.append(total)
    progress.update(total, float(final), force=True)
    return {
        "loss": np.concatenate(losses),
        "gram": np.concatenate(grams),
        "tracked": np.concatenate(rows),
        "snapshots": np.stack(snaps),
        "snapshot_epochs": np.asarray(snap_epochs),
    }
