"""Training protocols: an experiment is a sequence of phases.

Each phase names a task, a number of epochs, a learning rate (the experiment's
``lr`` times the phase's ``lr_factor``), optional target noise and an
optimiser. The simulation (``train``) and the theory (``theory``) both walk
the same protocol, and both draw the trials of global epoch e from
``trial_key(root, e)``, so they see identical trials.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import jax
import numpy as np

from .tasks import Task, make_task

OPTIMIZERS = ("gd", "adam")


@dataclass(frozen=True)
class Phase:
    """One phase of a protocol."""

    task_name: str
    task: Task
    epochs: int
    lr: float
    optimizer: str = "gd"


def experiment_key(seed: int, experiment: str) -> jax.Array:
    """Root key of an experiment: the seed folded with a stable hash of its name."""
    return jax.random.fold_in(jax.random.PRNGKey(seed), zlib.crc32(experiment.encode()))


def stream_key(root: jax.Array, stream: str) -> jax.Array:
    """Independent sub-stream of an experiment key ('init', 'trials', 'probe', ...)."""
    return jax.random.fold_in(root, zlib.crc32(stream.encode()))


def trial_key(trials_root: jax.Array, epoch) -> jax.Array:
    """Key of the trials of global epoch ``epoch`` (works on traced epochs)."""
    return jax.random.fold_in(trials_root, epoch)


def build_protocol(exp: dict) -> tuple[Phase, ...]:
    """Phases of an experiment config entry (already validated).

    Raises:
        ValueError: if the protocol is empty, or a phase names a task or an
            optimiser that does not exist.
    """
    phases = exp.get("phases") or []
    if not phases:
        raise ValueError(
            "an experiment needs at least one phase; add an entry under 'phases' "
            "such as {task: A, epochs: 2000}"
        )
    out = []
    for i, ph in enumerate(phases):
        name = ph["task"]
        if name not in exp["tasks"]:
            raise ValueError(
                f"phases[{i}].task = {name!r} is not defined under 'tasks' "
                f"(defined: {sorted(exp['tasks'])}); add it or fix the name"
            )
        opt = ph.get("optimizer", "gd")
        if opt not in OPTIMIZERS:
            raise ValueError(
                f"phases[{i}].optimizer must be one of {OPTIMIZERS}, got {opt!r}"
            )
        spec = dict(exp["tasks"][name])
        spec["target_noise"] = ph.get("target_noise", 0.0)
        task = make_task(spec, exp["dt"], exp["t_max"], exp.get("batch", 1))
        lr = float(exp["lr"]) * float(ph.get("lr_factor", 1.0))
        out.append(Phase(name, task, int(ph["epochs"]), lr, opt))
    return tuple(out)


def total_epochs(protocol: tuple[Phase, ...]) -> int:
    return sum(p.epochs for p in protocol)


def phase_of_epoch(protocol: tuple[Phase, ...]) -> np.ndarray:
    """Phase index of every state 0..E (state e is before update e; E is final)."""
    idx = np.concatenate(
        [np.full(p.epochs, i, dtype=np.int32) for i, p in enumerate(protocol)]
    )
    return np.append(idx, len(protocol) - 1)
