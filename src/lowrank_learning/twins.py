"""E6 "twins": overlap-space training of pairs of erf rank-1 networks (STUDY.md E6).

Theory only: no N-dimensional network is simulated. Each of ``n_pairs`` pairs
starts from one random overlap point S0 shared by its two twins. Twin 0
("history A") learns task A (flip-flop), twin 1 ("history B") learns task B
(decision making); then both learn task C (the erf teacher). Every network
follows the study's overlap-space descent

    first_order:  S <- S - 2 lr (S A + A S)            (default)
    exact_map:    S <- (I - 2 lr A) S (I - 2 lr A)

with A = sym(dL/dS) of the erf reduced network's loss (``theory.sym_gradient``
and the update functions of ``theory``; nothing is re-derived here).

Vectorisation: all 2 n_pairs networks train in one compiled program. The
Gram matrices are stacked as S (n, K, P, P): column k of the second axis
trains on ``tasks[k]``, and the n rows along the first axis share their
trials. Phase A/B uses K = 2 (twin 0 on A, twin 1 on B, S indexed (pair,
twin)); phase C reshapes the same array to (2 n_pairs, 1, P, P), everything on
C. The gradient is a nested ``jax.vmap`` (over the task axis with the batch
mapped, then over the rows with the batch shared), so a batch of trials is
drawn once per task and epoch, not once per network.

Trials: every network on the same task sees the same trials in the same
epoch. The trials of task label ``L`` (A, B or C) at global epoch e are
``task.sample(trial_key(stream_key(root, "trials_L"), e))``; phase C starts
at global epoch ``epochs_ab``. Sharing trials across pairs makes the pairs
differ only in their starting point, so whatever decodes history is the
history, not trial noise; the pairs are not independent in trial noise.

Learning-rate schedule (per network): in phase A/B every network starts at
``lr_ab``; the update of epoch e uses ``lr_ab / lr_drop_factor`` from the
first epoch whose loss (evaluated before that epoch's update) is below
``lr_drop_threshold`` on, and that epoch is recorded (-1 if never). Phase C
runs at ``lr_c`` for every network, without a schedule.

Initial overlaps, per pair, from ``fold_in(fold_in(init_key, pair),
attempt)``: zm, zu, vm, vu, mu, zv ~ |N(0, cross_std^2)|; mm, uu, vv, zz ~
U(self_min, self_max). A draw whose {m, u} block [[mm, mu], [mu, uu]] is not
positive definite (mm uu <= mu^2) is redrawn with the next attempt index,
and the number of such rejections is reported. The full 4 x 4 S need not be
positive semi-definite: the reduced network reads only the visible entries,
and the count of non-PSD starts is reported beside the rejections.

Known shortcomings. The first-order map does not keep S positive
semi-definite (exact_map, a congruence, does, from a PSD start). In
scaled-down runs (batch 32, lr_c 0.001 and 0.002) decision-trained twins left
the PSD cone during phase C (smallest eigenvalue -0.55, then uu < 0 and an
indefinite {m, u} block, so 1 + pi Delta / 2 < 0) and the loss became NaN
at tau = lr * epochs ~ 1, in float32 and float64 alike; the paper config
therefore uses exact_map.

Cost: the gradient is the hand-written rank-1 adjoint of ``adjoint`` (through
``theory.sym_gradient``): one forward and one reverse scan of 400 steps over
all networks and trials. ``benchmarks/twins_study.py`` times epochs for 1, 10
and 20 networks and splits an epoch into trials, forward and gradient.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr
from jaxtyping import Array, Float

from . import store
from .loop import Progress, check_finite, chunk_bounds
from .overlaps import (
    gram_from_sigma,
    overlap_labels,
    reduced_rollout,
    sigma_from_gram,
    visible,
)
from .protocol import experiment_key, stream_key, trial_key
from .tasks import Task, make_task
from .theory import exact_map_update, first_order_update, sym_gradient

RANK = 1
ACTIVATION = "erf"
LABELS = overlap_labels(RANK)
"""The 10 overlaps in the study's order: zm zu vm vu mu zv mm uu vv zz."""
CROSS = ("zm", "zu", "vm", "vu", "mu", "zv")
SELF = ("mm", "uu", "vv", "zz")
METHODS = ("first_order", "exact_map")
TASK_LABELS = ("A", "B", "C")
HISTORIES = ("A", "B")
"""History of twin 0 and twin 1: the task each learns before task C."""
STAGES = ("start", "after_ab", "after_c")
"""The three recorded times: the initial point, the end of A/B, the end of C."""


@dataclass(frozen=True)
class TwinsSetup:
    """Validated E6 settings (the config's ``twins`` block, as objects).

    Attributes:
        n_pairs: number of twin pairs.
        tasks: Task per label 'A', 'B', 'C' as sorted (label, Task) pairs.
        epochs_ab, epochs_c: epochs of phase A/B and of phase C.
        lr_ab, lr_c: overlap-space learning rates of the two phases.
        lr_drop_threshold, lr_drop_factor: the phase A/B schedule.
        method: 'first_order' or 'exact_map'.
        cross_std, self_min, self_max: the initial-overlap distribution.
        chunk: epochs per compiled call; sigma_stride: epochs between saved
            overlaps (the start and both phase ends are always saved).
    """

    n_pairs: int
    tasks: tuple
    epochs_ab: int
    epochs_c: int
    lr_ab: float
    lr_c: float
    lr_drop_threshold: float
    lr_drop_factor: float
    method: str = "first_order"
    cross_std: float = 0.4
    self_min: float = 0.5
    self_max: float = 2.0
    chunk: int = 500
    sigma_stride: int = 100

    @property
    def task(self) -> dict[str, Task]:
        """Tasks by label."""
        return dict(self.tasks)

    @property
    def total_epochs(self) -> int:
        return self.epochs_ab + self.epochs_c


def _need(ok: bool, key: str, value, need: str) -> None:
    if not ok:
        raise ValueError(
            f"config key twins.{key} must be {need}, got {value!r}; fix it in the "
            "twins block of your config file"
        )


def setup_from_config(cfg: dict) -> TwinsSetup:
    """Build and check a ``TwinsSetup`` from the (schema-validated) twins block.

    Raises:
        ValueError: naming the key, the value and the fix, for a task that
            make_task refuses, tasks A and B on different time grids or loss
            scales (they train side by side in one vectorised call), an
            unknown method, a bad initial range, or too few pairs for the
            decoding split (``decoding.test_pairs`` + 1, checked when the
            block has its ``decoding`` entry).
    """
    tasks = {}
    for label in TASK_LABELS:
        spec = cfg["tasks"].get(label)
        _need(spec is not None, f"tasks.{label}", spec, "a task entry")
        try:
            tasks[label] = make_task(spec, cfg["dt"], cfg["t_max"], cfg["batch"])
        except ValueError as err:
            raise ValueError(f"config key twins.tasks.{label}: {err}") from None
    a, b = tasks["A"], tasks["B"]
    _need(
        a.loss_scale == b.loss_scale,
        "tasks",
        f"A ({a.kind}) loss_scale {a.loss_scale}, B ({b.kind}) {b.loss_scale}",
        "two tasks with the same loss scale (flipflop and decision both use the "
        "plain masked MSE), because A and B train in one vectorised gradient",
    )
    _need(cfg["method"] in METHODS, "method", cfg["method"], f"one of {METHODS}")
    init = cfg["init"]
    _need(
        0 < init["self_min"] <= init["self_max"],
        "init.self_min",
        init["self_min"],
        f"> 0 and <= init.self_max = {init['self_max']}",
    )
    test_pairs = cfg.get("decoding", {}).get("test_pairs", 1)
    _need(
        cfg["n_pairs"] >= test_pairs + 1,
        "n_pairs",
        cfg["n_pairs"],
        f">= decoding.test_pairs + 1 = {test_pairs + 1} so that every split "
        "keeps at least one pair for training",
    )
    return TwinsSetup(
        n_pairs=int(cfg["n_pairs"]),
        tasks=tuple(sorted(tasks.items())),
        epochs_ab=int(cfg["epochs_ab"]),
        epochs_c=int(cfg["epochs_c"]),
        lr_ab=float(cfg["lr_ab"]),
        lr_c=float(cfg["lr_c"]),
        lr_drop_threshold=float(cfg["lr_drop_threshold"]),
        lr_drop_factor=float(cfg["lr_drop_factor"]),
        method=cfg["method"],
        cross_std=float(init["cross_std"]),
        self_min=float(init["self_min"]),
        self_max=float(init["self_max"]),
        chunk=int(cfg["chunk"]),
        sigma_stride=int(cfg["sigma_stride"]),
    )


# ------------------------------------------------------------ initial overlaps


def draw_start(key: Array, cross_std: float, self_min: float, self_max: float):
    """One candidate start: the 10 overlaps in ``LABELS`` order.

    zm, zu, vm, vu, mu, zv = |N(0, cross_std^2)|; mm, uu, vv, zz ~
    U(self_min, self_max).

    Returns:
        sigma, shape (10,).
    """
    k_cross, k_self = jax.random.split(key)
    cross = jnp.abs(cross_std * jax.random.normal(k_cross, (len(CROSS),)))
    diag = jax.random.uniform(k_self, (len(SELF),), minval=self_min, maxval=self_max)
    values = dict(zip(CROSS + SELF, jnp.concatenate([cross, diag]), strict=True))
    return jnp.stack([values[label] for label in LABELS])


def mu_block_is_pd(sigma) -> bool:
    """True when [[mm, mu], [mu, uu]] is positive definite: mm > 0, mm uu > mu^2."""
    s = dict(zip(LABELS, np.asarray(sigma, dtype=np.float64), strict=True))
    return bool(s["mm"] > 0 and s["mm"] * s["uu"] - s["mu"] ** 2 > 0)


def initial_overlaps(
    key: Array,
    n_pairs: int,
    cross_std: float = 0.4,
    self_min: float = 0.5,
    self_max: float = 2.0,
    max_attempts: int = 1000,
):
    """Random starting overlaps, one point per pair, {m, u} block PD.

    Pair p tries ``draw_start(fold_in(fold_in(key, p), a))`` for a = 0, 1, ...
    and keeps the first draw with a positive-definite {m, u} block, so pair
    p's start does not depend on n_pairs.

    Args:
        key: the init stream's key.
        n_pairs: number of pairs, >= 1.
        cross_std, self_min, self_max: see ``draw_start``.
        max_attempts: redraws allowed per pair.

    Returns:
        (sigma, rejections): sigma (n_pairs, 10) as numpy, and the number of
        rejected draws per pair (n_pairs,) int.

    Raises:
        ValueError: for n_pairs < 1, or when a pair finds no PD draw within
            ``max_attempts`` (raise self_min or lower cross_std).
    """
    if n_pairs < 1:
        raise ValueError(f"n_pairs must be >= 1, got {n_pairs}")
    sigmas, rejections = [], []
    for pair in range(n_pairs):
        pair_key = jax.random.fold_in(key, pair)
        for attempt in range(max_attempts):
            sigma = draw_start(
                jax.random.fold_in(pair_key, attempt), cross_std, self_min, self_max
            )
            if mu_block_is_pd(sigma):
                break
        else:
            raise ValueError(
                f"pair {pair} found no start with a positive-definite {{m, u}} "
                f"block in {max_attempts} draws (cross_std = {cross_std}, "
                f"self_min = {self_min}); raise twins.init.self_min or lower "
                "twins.init.cross_std"
            )
        sigmas.append(np.asarray(sigma))
        rejections.append(attempt)
    return np.stack(sigmas), np.asarray(rejections, dtype=np.int64)


# ------------------------------------------------------------------- training


def _stacked_batch(tasks: tuple[Task, ...], roots: Array, epoch):
    """The epoch's trials of every task, stacked on a leading task axis (K, B, T)."""
    batches = [task.sample(trial_key(roots[k], epoch)) for k, task in enumerate(tasks)]
    return jax.tree.map(lambda *xs: jnp.stack(xs), *batches)


def _grads(S, batch, task: Task):
    """(loss, A) of every network: S (n, K, P, P), batch arrays (K, B, T).

    Column k of S reads batch k; the n rows share it. ``task`` only supplies
    dt and the loss scale, equal for all tasks of one call.
    """
    one = partial(sym_gradient, task=task, rank=RANK, activation=ACTIVATION)
    over_rows = jax.vmap(one, in_axes=(0, None))
    return jax.vmap(over_rows, in_axes=(1, 0), out_axes=1)(S, batch)


def _update(method: str, S, A, lr):
    """The overlap-space update of every network, each with its own lr (n, K)."""
    fn = first_order_update if method == "first_order" else exact_map_update
    return jax.vmap(jax.vmap(fn))(S, A, lr)


@partial(jax.jit, static_argnames=("tasks", "method"))
def _train_chunk(S, lr, switch, epochs, roots, threshold, factor, *, tasks, method):
    """Run epochs in one compiled scan.

    Returns the new (S, lr, switch) and, per epoch, the loss (E, n, K) and
    the state before the update S (E, n, K, P, P).

    Per network: the first epoch with loss < threshold (while no switch has
    happened) divides lr by ``factor`` before that epoch's update and is
    stored in ``switch`` (-1 until then).
    """

    def epoch(carry, e):
        S, lr, switch = carry
        batch = _stacked_batch(tasks, roots, e)
        loss, A = _grads(S, batch, tasks[0])
        first = (loss < threshold) & (switch < 0)
        switch = jnp.where(first, e.astype(switch.dtype), switch)
        lr = jnp.where(first, lr / factor, lr)
        return (_update(method, S, A, lr), lr, switch), (loss, S)

    return jax.lax.scan(epoch, (S, lr, switch), epochs)


@partial(jax.jit, static_argnames=("tasks",))
def _final_loss(S, epoch, roots, *, tasks):
    return _grads(S, _stacked_batch(tasks, roots, epoch), tasks[0])[0]


class TwinsRun(NamedTuple):
    """Result of ``train_twins``; (pair, twin) axes are (n_pairs, 2).

    Attributes:
        sigma: (n_saved, n_pairs, 2, 10) overlaps at ``saved_epochs``.
        saved_epochs: (n_saved,) states saved: multiples of the stride, 0,
            epochs_ab and the total (state e is before update e).
        loss: (E + 1, n_pairs, 2) loss before each update; entry E is the
            final state's loss on phase C's trials of epoch E.
        switch_epoch: (n_pairs, 2) first sub-threshold epoch of phase A/B,
            -1 if the loss never dropped below the threshold.
        rejections: (n_pairs,) rejected initial draws.
    """

    sigma: np.ndarray
    saved_epochs: np.ndarray
    loss: np.ndarray
    switch_epoch: np.ndarray
    rejections: np.ndarray


def trial_roots(root: Array) -> dict[str, Array]:
    """Trial stream keys by task label: stream 'trials_<label>' of the root."""
    return {label: stream_key(root, f"trials_{label}") for label in TASK_LABELS}


def _run_phase(state, roots, start, stop, setup, tasks, threshold, save, progress):
    """Advance (S, lr, switch) over epochs [start, stop) chunk by chunk."""
    S, lr, switch = state
    losses = []
    for a, b in chunk_bounds(start, stop, setup.chunk):
        (S, lr, switch), (loss, states) = _train_chunk(
            S,
            lr,
            switch,
            jnp.arange(a, b),
            roots,
            threshold,
            setup.lr_drop_factor,
            tasks=tasks,
            method=setup.method,
        )
        loss, states = np.asarray(loss), np.asarray(states)
        for flat, column in enumerate(loss.reshape(len(loss), -1).T):
            # row-major (n, K) -> (pair, twin) in both layouts (n_pairs, 2), (2n, 1)
            pair, twin = divmod(flat, 2)
            what = (
                f"twins loss of pair {pair}, twin {HISTORIES[twin]} (phase "
                f"{'C' if len(tasks) == 1 else 'A/B'}; config twins.lr_c or lr_ab)"
            )
            check_finite(column, a, what)
        losses.append(loss)
        for e in range(a, b):
            if e % setup.sigma_stride == 0:
                save(e, states[e - a])
        if b == stop:
            save(b, S)
        progress.update(b, float(np.median(loss[-1])), "median ")
    return (S, lr, switch), losses


def train_twins(
    setup: TwinsSetup,
    sigma0: Float[Array, "n_pairs 10"],
    root: Array,
    report=None,
    interval: float = 10.0,
    rejections=None,
) -> TwinsRun:
    """Train every twin pair from its start through phase A/B, then phase C.

    Args:
        setup: the settings.
        sigma0: (n_pairs, 10) starting overlaps, shared by both twins.
        root: experiment key; trials come from ``trial_roots(root)``.
        report: optional callable receiving progress lines.
        interval: least seconds between two progress lines.
        rejections: rejected draws per pair, stored in the result.

    Returns:
        A ``TwinsRun``.

    Raises:
        FloatingPointError: naming the network and epoch where a loss stops
            being finite.
    """
    n = setup.n_pairs
    S0 = gram_from_sigma(jnp.asarray(sigma0), RANK)
    S = jnp.repeat(S0[:, None], 2, axis=1)
    tasks, keys = setup.task, trial_roots(root)
    progress = Progress(report, setup.total_epochs, interval)
    saved: dict[int, np.ndarray] = {0: np.asarray(S)}

    def save(epoch, S_now):
        saved[epoch] = np.asarray(S_now).reshape(n, 2, *S_now.shape[2:])

    # phase A/B: twin 0 on A, twin 1 on B, each with its own lr schedule
    state = (
        S,
        jnp.full((n, 2), setup.lr_ab, dtype=S.dtype),
        jnp.full((n, 2), -1, dtype=jnp.int32),
    )
    roots = jnp.stack([keys["A"], keys["B"]])
    state, loss_ab = _run_phase(
        state,
        roots,
        0,
        setup.epochs_ab,
        setup,
        (tasks["A"], tasks["B"]),
        setup.lr_drop_threshold,
        save,
        progress,
    )
    switch = np.asarray(state[2])

    # phase C: all 2 n networks on C at lr_c, no schedule (threshold -inf)
    S = state[0].reshape(2 * n, 1, *state[0].shape[2:])
    state = (
        S,
        jnp.full((2 * n, 1), setup.lr_c, dtype=S.dtype),
        jnp.full((2 * n, 1), -1, dtype=jnp.int32),
    )
    roots = keys["C"][None]
    state, loss_c = _run_phase(
        state,
        roots,
        setup.epochs_ab,
        setup.total_epochs,
        setup,
        (tasks["C"],),
        -np.inf,
        save,
        progress,
    )
    final = _final_loss(state[0], setup.total_epochs, roots, tasks=(tasks["C"],))
    progress.update(setup.total_epochs, float(np.median(final)), "median ", True)

    loss = np.concatenate(
        [l_.reshape(len(l_), n, 2) for l_ in (*loss_ab, *loss_c)]
        + [np.asarray(final).reshape(1, n, 2)]
    )
    epochs = np.array(sorted(saved))
    sigma = np.stack([np.asarray(sigma_from_gram(saved[e], RANK)) for e in epochs])
    if rejections is None:
        rejections = np.zeros(n, dtype=np.int64)
    return TwinsRun(sigma, epochs, loss, switch, np.asarray(rejections))


# -------------------------------------------------------------- stage dataset


def stage_epochs(setup: TwinsSetup) -> dict[str, int]:
    """State index of each of ``STAGES``."""
    return {"start": 0, "after_ab": setup.epochs_ab, "after_c": setup.total_epochs}


def probe_trials(setup: TwinsSetup, key: Array):
    """One noise-free trial of each task A, B, C for the example-output panels.

    Returns:
        inputs, targets, mask: each (3, T), in ``TASK_LABELS`` order.
    """
    rows = []
    for i, label in enumerate(TASK_LABELS):
        task = dataclasses.replace(setup.task[label].without_noise(), batch=1)
        rows.append(task.sample(jax.random.fold_in(key, i)))
    return tuple(jnp.concatenate([b[f] for b in rows]) for f in range(3))


def example_outputs(sigma_stages, inputs, dt: float):
    """Reduced-network outputs of every network at every stage on every probe.

    Args:
        sigma_stages: (n_stages, n_pairs, 2, 10).
        inputs: (n_probes, T).

    Returns:
        y (n_stages, n_probes, n_pairs, 2, T).
    """
    S = gram_from_sigma(jnp.asarray(sigma_stages), RANK)
    run = partial(reduced_rollout, rank=RANK, activation=ACTIVATION, dt=dt)
    y = jax.vmap(jax.vmap(jax.vmap(lambda s: run(s, inputs))))(S)
    return jnp.moveaxis(y, 3, 1)


def training_dataset(
    cfg: dict, seed: int, report=None, interval: float = 10.0
) -> xr.Dataset:
    """Stage train_twins: draw the starts, train, and package the result.

    Args:
        cfg: the config's ``twins`` block (validated, defaults filled).
        seed: the config's root seed; keys come from experiment_key(seed,
            'twins') and its streams 'init', 'trials_<label>' and 'probe'.
        report, interval: progress reporting, see ``train_twins``.

    Returns:
        Dataset with loss(epoch, pair, twin), sigma(epoch_saved, pair, twin,
        overlap), sigma_stage(stage, pair, twin, overlap), switch_epoch,
        rejections, probe traces and example outputs, provenance attrs.
    """
    setup = setup_from_config(cfg)
    root = experiment_key(seed, "twins")
    sigma0, rejections = initial_overlaps(
        stream_key(root, "init"),
        setup.n_pairs,
        setup.cross_std,
        setup.self_min,
        setup.self_max,
    )
    run = train_twins(setup, sigma0, root, report, interval, rejections)

    marks = stage_epochs(setup)
    where = [int(np.flatnonzero(run.saved_epochs == marks[s])[0]) for s in STAGES]
    sigma_stages = run.sigma[where]
    inputs, targets, mask = probe_trials(setup, stream_key(root, "probe"))
    dt = float(cfg["dt"])
    outputs = np.asarray(example_outputs(sigma_stages, inputs, dt))
    S0 = np.asarray(gram_from_sigma(jnp.asarray(sigma0), RANK))
    not_psd = int(np.sum(np.linalg.eigvalsh(S0)[:, 0] < 0))

    E = setup.total_epochs
    ds = xr.Dataset(
        {
            "loss": (("epoch", "pair", "twin"), run.loss),
            "sigma": (("epoch_saved", "pair", "twin", "overlap"), run.sigma),
            "sigma_stage": (("stage", "pair", "twin", "overlap"), sigma_stages),
            "switch_epoch": (("pair", "twin"), run.switch_epoch),
            "rejections": ("pair", run.rejections),
            "probe_input": (("probe", "time"), np.asarray(inputs)),
            "probe_target": (("probe", "time"), np.asarray(targets)),
            "probe_mask": (("probe", "time"), np.asarray(mask)),
            "probe_output": (
                ("stage", "probe", "pair", "twin", "time"),
                outputs,
            ),
        },
        coords={
            "epoch": np.arange(E + 1),
            "epoch_saved": run.saved_epochs,
            "pair": np.arange(setup.n_pairs),
            "twin": list(HISTORIES),
            "overlap": LABELS,
            "visible": ("overlap", visible(RANK, ACTIVATION)),
            "stage": list(STAGES),
            "stage_epoch": ("stage", [marks[s] for s in STAGES]),
            "probe": list(TASK_LABELS),
            "time": dt * np.arange(inputs.shape[1]),
        },
    )
    ds["phase"] = ("epoch", np.where(np.arange(E + 1) < setup.epochs_ab, 0, 1))
    _describe_training(ds)
    ds.attrs.update(
        store.provenance(
            cfg,
            experiment="twins",
            seed=seed,
            rank=RANK,
            activation=ACTIVATION,
            dt=dt,
            epochs_ab=setup.epochs_ab,
            epochs_c=setup.epochs_c,
            lr_ab=setup.lr_ab,
            lr_c=setup.lr_c,
            method=setup.method,
            n_rejected_starts=int(run.rejections.sum()),
            n_starts_not_psd=not_psd,
            trials="shared by every network on the same task in the same epoch",
        )
    )
    return ds


def _describe_training(ds: xr.Dataset) -> None:
    d = store.describe
    d(ds["loss"], "reduced-network loss before the epoch's update")
    d(ds["sigma"], "overlap sigma_ab at saved epochs (state before the update)")
    d(ds["sigma_stage"], "overlaps at the start, after phase A/B, after phase C")
    d(ds["switch_epoch"], "first phase A/B epoch with loss below the lr threshold")
    ds["switch_epoch"].attrs["comment"] = "-1: the loss never crossed the threshold"
    d(ds["rejections"], "initial draws rejected for a non-PD {m, u} block")
    d(ds["probe_input"], "example trial input x[t]")
    d(ds["probe_target"], "example trial target y*[t]")
    d(ds["probe_mask"], "example trial loss mask")
    d(ds["probe_output"], "reduced-network output y[t] on the example trial")
    d(ds["phase"], "phase index: 0 for A/B, 1 for C")
    ds["time"].attrs.update(long_name="time of output y[t]", units="s")
    ds["epoch"].attrs.update(long_name="epoch (state before its update)", units="1")
    ds["visible"].attrs.update(long_name="overlap is loss-visible", units="1")
    ds["twin"].attrs.update(long_name="history: task learned before C", units="1")
