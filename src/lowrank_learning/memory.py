"""Memory in the invisible overlaps: does A -> B -> A return? (STUDY.md E3, E4).

For the rank-1 linear filter task the solution fixes only three combinations
of the visible overlaps (STUDY.md section 4, solution manifold):

    c = (sigma_zm, sigma_vu, sigma_zu * sigma_vm).

The output depends on sigma_zu and sigma_vm only through their product (the
input reaches the readout through k_u, which is driven by sigma_vm k_m and
read by sigma_zu), so zu and vm can slide along the curve zu vm = const while
the loss stays at its minimum. After a trip A -> B -> A only c *must* come
back; whether zu, vm and the invisible overlaps come back is the question.

How close c has to come back follows from the loss at the two visits. Near
the minimiser c* of task A (loss 0 there: the Euler-discretised target is
exactly representable), L(c) = (1/2) (c - c*)^T H (c - c*) + O(|c - c*|^3),
with H the Hessian of the loss in c, so

    |c - c*| <= sqrt(2 L(c) / lambda_min(H)),

and two visits with losses L1, L2 satisfy

    |c_2 - c_1| <= sqrt(2 L1 / lambda_min) + sqrt(2 L2 / lambda_min)  (tolerance).

L is evaluated by the reduced network on the noise-free task (exact for
linear networks), so a phase trained with target noise is judged on the
clean loss.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr
from jaxtyping import Array, Float

from . import overlaps, store, theory
from .tasks import Task

IDENTIFIABLE = ("zm", "vu", "zu*vm")


def _require_rank1_linear(rank: int, activation: str):
    if rank != 1 or activation != "linear":
        raise ValueError(
            f"the solution-manifold analysis is for rank-1 linear networks on the "
            f"filter task, got rank {rank} and activation {activation!r}"
        )


def identifiable_coordinates(
    sigma: Float[np.ndarray, "... 10"], labels
) -> Float[np.ndarray, "... 3"]:
    """c = (sigma_zm, sigma_vu, sigma_zu sigma_vm) from rank-1 overlaps.

    Args:
        sigma: overlaps in the order of ``labels``, (..., 10).
        labels: overlap names, e.g. ``overlaps.overlap_labels(1)``.

    Returns:
        c of shape (..., 3), in the order of ``IDENTIFIABLE``.
    """
    labels = [str(lab) for lab in labels]
    s = np.asarray(sigma)

    def col(name):
        return s[..., labels.index(name)]

    return np.stack([col("zm"), col("vu"), col("zu") * col("vm")], axis=-1)


def _gram_of_coordinates(c: Float[Array, " 3"]) -> Float[Array, "4 4"]:
    """A Gram matrix with (zm, vu, zu vm) = c; other entries do not enter y."""
    one, zero = jnp.ones((), c.dtype), jnp.zeros((), c.dtype)
    sigma = jnp.stack([c[0], c[2], one, c[1], zero, zero, one, one, one, one])
    return overlaps.gram_from_sigma(sigma, 1)


def clean_loss(S: Float[Array, "4 4"], task: Task) -> float:
    """Loss of the reduced linear rank-1 network with overlaps S on the clean task.

    Raises:
        ValueError: if the task draws random trials (the loss is then not a
            function of S alone).
    """
    task = task.without_noise()
    if not task.is_deterministic:
        raise ValueError(
            f"clean_loss needs a deterministic task, got {task.kind!r}; the "
            "return analysis is for the filter task"
        )
    batch = task.sample(jax.random.PRNGKey(0))
    return float(theory.reduced_loss(jnp.asarray(S), batch, task, 1, "linear"))


def coordinate_hessian(c: Float[np.ndarray, " 3"], task: Task) -> np.ndarray:
    """H = d^2 L / dc^2 of the clean task loss at c, (3, 3)."""
    task = task.without_noise()
    batch = task.sample(jax.random.PRNGKey(0))

    def loss_of(cc):
        return theory.reduced_loss(_gram_of_coordinates(cc), batch, task, 1, "linear")

    return np.asarray(jax.hessian(loss_of)(jnp.asarray(c, dtype=jnp.float64)))


def return_tolerance(
    c_ref: Float[np.ndarray, " 3"], loss_ref: float, loss_back: float, task: Task
) -> float:
    """sqrt(2 L1 / lambda_min(H)) + sqrt(2 L2 / lambda_min(H)), H at c_ref.

    The largest |c_back - c_ref| compatible with both visits lying within
    their losses of the task's minimiser (quadratic approximation, module
    docstring).

    Raises:
        ValueError: if H is not positive definite at c_ref (c_ref is not near
            a minimiser, so the bound does not apply).
    """
    lam = np.linalg.eigvalsh(coordinate_hessian(c_ref, task))
    if not lam[0] > 0:
        raise ValueError(
            f"the loss Hessian in (zm, vu, zu*vm) at {np.round(c_ref, 6)} has "
            f"eigenvalues {lam}; the reference state is not near a minimiser, "
            "train the first phase longer"
        )
    return float(
        np.sqrt(2 * max(loss_ref, 0.0) / lam[0])
        + np.sqrt(2 * max(loss_back, 0.0) / lam[0])
    )


def phase_end_epochs(phase: Float[np.ndarray, " E1"]) -> list[int]:
    """State index at which each phase ends (after its last update).

    ``phase[e]`` is the phase of update e (and the last phase for the final
    state E); phase k ends at the first state whose update belongs to k + 1,
    the last phase at E.
    """
    phase = np.asarray(phase)
    ends = [int(e) for e in np.flatnonzero(np.diff(phase)) + 1]
    return ends + [len(phase) - 1]


def return_report(
    overlaps_ds: xr.Dataset, task: Task, ref_epoch: int, back_epoch: int
) -> dict:
    """How far the overlaps at ``back_epoch`` are from those at ``ref_epoch``.

    Args:
        overlaps_ds: ``data/overlaps/{exp}.nc`` of a rank-1 linear experiment.
        task: the task visited at both epochs (judged without target noise).
        ref_epoch, back_epoch: state indices of the two visits.

    Returns:
        dict with 'loss_ref', 'loss_back' (clean task loss), 'tolerance',
        'coordinate_change' (|c_back - c_ref|, 3), 'overlap_change'
        (|sigma_back - sigma_ref| per label), 'visible' (label -> bool),
        'max_invisible_change', 'returned' (all coordinate changes within the
        tolerance) and 'invisible_ratio' (max invisible change / tolerance).

    Raises:
        ValueError: if the experiment is not rank-1 linear, or the reference
            state is not near a minimiser of the task.
    """
    net = store.experiment_config(overlaps_ds)["network"]
    _require_rank1_linear(net["rank"], net["activation"])
    labels = [str(v) for v in overlaps_ds["overlap"].values]
    sig = overlaps_ds["sigma"].values
    ref, back = sig[ref_epoch], sig[back_epoch]
    S_ref = np.asarray(overlaps.gram_from_sigma(jnp.asarray(ref), 1))
    S_back = np.asarray(overlaps.gram_from_sigma(jnp.asarray(back), 1))
    loss_ref, loss_back = clean_loss(S_ref, task), clean_loss(S_back, task)
    c_ref = identifiable_coordinates(ref, labels)
    c_back = identifiable_coordinates(back, labels)
    tol = return_tolerance(c_ref, loss_ref, loss_back, task)
    change = np.abs(back - ref)
    vis = overlaps_ds["visible"].values.astype(bool)
    max_inv = float(change[~vis].max())
    dc = np.abs(c_back - c_ref)
    return {
        "loss_ref": loss_ref,
        "loss_back": loss_back,
        "tolerance": tol,
        "coordinate_change": dict(zip(IDENTIFIABLE, dc.tolist(), strict=True)),
        "overlap_change": dict(zip(labels, change.tolist(), strict=True)),
        "visible": dict(zip(labels, vis.tolist(), strict=True)),
        "max_invisible_change": max_inv,
        "returned": bool(np.all(dc <= tol)),
        "invisible_ratio": max_inv / tol if tol > 0 else float("inf"),
    }
