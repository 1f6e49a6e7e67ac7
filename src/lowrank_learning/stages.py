"""The pipeline stages as functions from config and inputs to datasets.

Each Snakemake rule's script is a thin wrapper over one function here, so
every stage can be run and tested without Snakemake. Stages never print;
they take an optional ``report`` callable for progress lines.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from . import analysis, network, overlaps, protocol, store, theory, train
from .tasks import Task


def configure_precision(exp_cfg: dict) -> str:
    """Switch JAX to float64 when the experiment asks for it; return the dtype name.

    Must run before any array is created in the process.
    """
    jax.config.update("jax_enable_x64", bool(exp_cfg.get("float64", False)))
    return "float64" if exp_cfg.get("float64", False) else "float32"


def device_name() -> str:
    """The JAX device the stage runs on, e.g. 'cpu' or 'cuda:0'."""
    dev = jax.devices()[0]
    return f"{dev.platform}:{dev.id}"


# ----------------------------------------------------------------------- init


INIT_SCHEMES = ("normal", "balanced", "degenerate")


def initial_vectors(name: str, net: dict, seed: int) -> np.ndarray:
    """Initial X (N, 2R+2) of a network config, from the 'init' key stream.

    The stream is named by ``net['init_key']`` (the experiment's name when
    empty), so experiments that must start from the same vectors (theta1 and
    theta2 of E2, the three optimisers of E7) share one key.

    Schemes: 'normal' (i.i.d. normal, norm sqrt(N)); 'balanced' (rank 1,
    sigma_zu = sigma_vm and sigma_mu = sigma_zv, see
    ``network.balanced_vectors``); 'degenerate' (rank 1, the 'normal' draw
    transformed by ``degeneracy.equivalent_network`` to the targets
    ``net['degenerate']`` = {uu, mu}, keeping every visible overlap).

    Raises:
        ValueError: for an unknown scheme or a rank-1 scheme at rank > 1.
    """
    scheme = net["init"]
    if scheme not in INIT_SCHEMES:
        raise ValueError(
            f"network.init = {scheme!r} is unknown; use one of {INIT_SCHEMES}"
        )
    if scheme != "normal" and net["rank"] != 1:
        raise ValueError(
            f"network.init = {scheme!r} is defined for rank 1 only, got rank "
            f"{net['rank']}; use init 'normal' or rank 1"
        )
    root = protocol.experiment_key(seed, net.get("init_key") or name)
    key = protocol.stream_key(root, "init")
    if scheme == "balanced":
        return np.asarray(network.balanced_vectors(key, net["N"]))
    X = np.asarray(network.init_vectors(key, net["N"], net["rank"]))
    if scheme == "degenerate":
        from .degeneracy import equivalent_network

        targets = net["degenerate"]
        try:
            X = np.asarray(equivalent_network(X, targets["uu"], targets["mu"]))
        except ValueError as err:
            raise ValueError(
                f"config network.degenerate = {{uu: {targets['uu']}, mu: "
                f"{targets['mu']}}} cannot be reached from these vectors: {err}"
            ) from None
    return X


def init_stage(name: str, exp: dict, seed: int) -> xr.Dataset:
    """Initial vectors of an experiment, with their overlaps in the attrs."""
    net = exp["network"]
    X = initial_vectors(name, net, seed)
    labels = network.vector_labels(net["rank"])
    ds = xr.Dataset(
        {"X": (("vector", "neuron"), X.T)},
        coords={"vector": labels, "neuron": np.arange(net["N"])},
    )
    store.describe(ds["X"], "network vectors m, u_r, v_r, z (columns of X)")
    sigma = np.asarray(overlaps.sigma_from_gram(X.T @ X / net["N"], net["rank"]))
    achieved = {
        f"sigma_{lab}": float(val)
        for lab, val in zip(overlaps.overlap_labels(net["rank"]), sigma, strict=True)
    }
    ds.attrs.update(
        store.provenance(
            net,
            experiment=name,
            seed=seed,
            N=net["N"],
            rank=net["rank"],
            activation=net["activation"],
            init=net["init"],
            **achieved,
        )
    )
    return ds


# ---------------------------------------------------------------------- train


def _probe_trials(prot, key, t_max=None) -> dict[str, tuple]:
    """Probe trials for the figures: one trial of each task (``t_max`` long
    when given), and for filter tasks also a white-noise input with its
    filtered target."""
    probes = {}
    seen = set()
    for i, phase in enumerate(prot):
        if phase.task_name in seen:
            continue
        seen.add(phase.task_name)
        task: Task = dataclasses.replace(
            phase.task.without_noise(), t_max=t_max or phase.task.t_max, batch=1
        )
        k_trial, k_random = jax.random.split(jax.random.fold_in(key, i))
        batch = task.sample(k_trial)
        probes[phase.task_name] = (batch.inputs[0], batch.targets[0], batch.mask[0])
        if task.kind in ("filter", "oscillation"):
            x = jax.random.normal(k_random, (1, task.steps))
            y = task.filter_response(x)
            probes[f"{phase.task_name}_random"] = (x[0], y[0], jnp.ones(task.steps))
    return probes


def _probe_dataset(probes: dict, dt: float) -> xr.Dataset:
    names = list(probes)
    arr = {
        k: np.stack([np.asarray(probes[n][i]) for n in names])
        for i, k in enumerate(("probe_input", "probe_target", "probe_mask"))
    }
    steps = arr["probe_input"].shape[1]
    ds = xr.Dataset(
        {k: (("probe", "time"), v) for k, v in arr.items()},
        coords={"probe": names, "time": dt * np.arange(steps)},
    )
    ds["time"].attrs.update(long_name="time of output y[t]", units="s")
    store.describe(ds["probe_input"], "probe trial input x[t]")
    store.describe(ds["probe_target"], "probe trial target y*[t]")
    store.describe(ds["probe_mask"], "probe trial loss mask")
    return ds


def train_stage(
    name: str, exp: dict, seed: int, init: xr.Dataset, report=None, interval=10.0
):
    """Train the full network through the experiment's protocol."""
    net = exp["network"]
    rank, act = net["rank"], net["activation"]
    root = protocol.experiment_key(seed, name)
    prot = protocol.build_protocol(exp)
    X0 = jnp.asarray(init["X"].values.T)
    opts = exp["train"]
    pairs = [tuple(p) for p in opts["track_pairs"]]
    for i, j in pairs:
        if max(i, j) >= net["N"]:
            raise ValueError(
                f"train.track_pairs entry [{i}, {j}] names a neuron >= N = "
                f"{net['N']}; pick indices in 0..{net['N'] - 1}"
            )
    tracked = sorted({i for p in pairs for i in p})

    result = train.train(
        X0,
        prot,
        protocol.stream_key(root, "trials"),
        rank,
        act,
        snapshot_stride=opts["snapshot_stride"],
        tracked_neurons=tuple(tracked),
        chunk=opts["chunk"],
        unroll=opts["unroll"],
        report=report,
        interval=interval,
    )

    probes = _probe_trials(
        prot, protocol.stream_key(root, "probe"), opts.get("probe_t_max")
    )
    inputs = jnp.stack([p[0] for p in probes.values()])
    X_end = jnp.asarray(result["snapshots"][-1])
    out0 = network.rollout(X0, inputs, rank, act, exp["dt"])
    out1 = network.rollout(X_end, inputs, rank, act, exp["dt"])

    labels = network.vector_labels(rank)
    total = protocol.total_epochs(prot)
    ds = _probe_dataset(probes, exp["dt"])
    ds = ds.assign_coords(
        epoch=np.arange(total + 1),
        vector=labels,
        vector_b=labels,
        epoch_saved=result["snapshot_epochs"],
        neuron=np.arange(net["N"]),
        tracked_neuron=np.asarray(tracked, dtype=np.int64),
        phase_index=np.arange(len(prot)),
    )
    ds["loss"] = ("epoch", result["loss"])
    ds["gram"] = (("epoch", "vector", "vector_b"), result["gram"])
    ds["X"] = (
        ("epoch_saved", "vector", "neuron"),
        result["snapshots"].transpose(0, 2, 1),
    )
    ds["tracked_rows"] = (("epoch", "tracked_neuron", "vector"), result["tracked"])
    ds["phase"] = ("epoch", protocol.phase_of_epoch(prot))
    ds["phase_task"] = ("phase_index", [p.task_name for p in prot])
    ds["phase_epochs"] = ("phase_index", [p.epochs for p in prot])
    ds["phase_lr"] = ("phase_index", [p.lr for p in prot])
    ds["phase_optimizer"] = ("phase_index", [p.optimizer for p in prot])
    ds["phase_target_noise"] = ("phase_index", [p.task.target_noise for p in prot])
    ds["probe_output_initial"] = (("probe", "time"), np.asarray(out0))
    ds["probe_output_final"] = (("probe", "time"), np.asarray(out1))
    store.describe(ds["loss"], "training loss before the epoch's update")
    store.describe(ds["gram"], "Gram matrix S = X^T X / N before the epoch's update")
    store.describe(ds["X"], "saved network vectors")
    store.describe(ds["tracked_rows"], "rows of X of tracked neurons")
    store.describe(ds["phase"], "protocol phase index of the epoch")
    store.describe(ds["phase_task"], "task label of the phase")
    store.describe(ds["phase_epochs"], "epochs in the phase")
    store.describe(ds["phase_lr"], "overlap-space learning rate of the phase")
    store.describe(ds["phase_optimizer"], "optimiser of the phase")
    store.describe(ds["phase_target_noise"], "target noise std of the phase")
    store.describe(ds["probe_output_initial"], "network output before training")
    store.describe(ds["probe_output_final"], "network output after training")
    ds.attrs.update(
        store.provenance(
            exp,
            experiment=name,
            seed=seed,
            N=net["N"],
            rank=rank,
            activation=act,
            dt=exp["dt"],
            track_pairs=pairs,
        )
    )
    return ds


# ------------------------------------------------------------------- overlaps


def overlaps_stage(train_ds: xr.Dataset) -> xr.Dataset:
    """Labelled overlaps, visibility, invariants and pair invariants."""
    exp = store.experiment_config(train_ds)
    rank, act = exp["network"]["rank"], exp["network"]["activation"]
    S = train_ds["gram"].values
    sigma = np.asarray(overlaps.sigma_from_gram(S, rank))
    inv = np.asarray(overlaps.invariant(S, rank))

    ds = xr.Dataset(
        {
            "sigma": (("epoch", "overlap"), sigma),
            "loss": ("epoch", train_ds["loss"].values),
            "phase": ("epoch", train_ds["phase"].values),
            "invariant": ("epoch", inv),
            "invariant_drift": ("epoch", inv - inv[0]),
        },
        coords={
            "epoch": train_ds["epoch"].values,
            "overlap": overlaps.overlap_labels(rank),
            "visible": ("overlap", overlaps.visible(rank, act)),
        },
    )
    store.describe(ds["sigma"], "overlap sigma_ab = a.b / N")
    store.describe(ds["loss"], "training loss")
    store.describe(ds["phase"], "protocol phase index")
    store.describe(ds["invariant"], "zz + sum_r v_r v_r - mm - sum_r u_r u_r")
    store.describe(ds["invariant_drift"], "invariant minus its epoch-0 value")
    ds["visible"].attrs.update(long_name="overlap is loss-visible", units="1")

    pairs = [tuple(p) for p in exp["train"]["track_pairs"]]
    if pairs:
        rows = train_ds["tracked_rows"]
        K = np.stack(
            [
                np.asarray(
                    overlaps.pair_invariant(
                        rows.sel(tracked_neuron=i).values,
                        rows.sel(tracked_neuron=j).values,
                        rank,
                    )
                )
                for i, j in pairs
            ],
            axis=-1,
        )
        ds = ds.assign_coords(pair=[f"{i}-{j}" for i, j in pairs])
        ds["K"] = (("epoch", "pair"), K)
        store.describe(ds["K"], "K_ij = z_i z_j + v_i v_j - m_i m_j - u_i u_j")
    ds = ds.merge(_gaussianity(train_ds, exp))
    ds = ds.merge(_reduced_probe_outputs(train_ds, exp))
    ds.attrs.update(
        store.provenance(
            exp, experiment=train_ds.attrs["experiment"], N=exp["network"]["N"]
        )
    )
    return ds


QQ_SEED = 20260513  # fixed seed of the simulated Q-Q threshold (reproducible)


def _gaussianity(train_ds: xr.Dataset, exp: dict) -> xr.Dataset:
    """Q-Q correlation r, skewness and excess kurtosis of every saved vector.

    The threshold ``qq_threshold`` is the 1st percentile of r over 2000
    samples of N i.i.d. normal entries (simulated with a fixed seed): an r
    below it is rarer than 1 % for truly Gaussian vectors of this size.
    """
    X = train_ds["X"].values  # (epoch_saved, vector, neuron)
    labels = list(train_ds["vector"].values)
    stats = {"qq_r": "r", "skewness": "skewness", "excess_kurtosis": "excess_kurtosis"}
    out = {name: np.empty(X.shape[:2]) for name in stats}
    for e in range(X.shape[0]):
        table = analysis.gaussianity_table(X[e].T, labels)
        for name, key in stats.items():
            out[name][e] = [table[lab][key] for lab in labels]
    ds = xr.Dataset(
        {name: (("epoch_saved", "vector"), val) for name, val in out.items()},
        coords={"epoch_saved": train_ds["epoch_saved"].values, "vector": labels},
    )
    n = X.shape[-1]
    ds["qq_threshold"] = ((), analysis.qq_threshold(n, QQ_SEED))
    store.describe(ds["qq_r"], "normal Q-Q correlation of the vector's entries")
    store.describe(ds["skewness"], "skewness of the vector's entries")
    store.describe(ds["excess_kurtosis"], "excess kurtosis of the vector's entries")
    store.describe(
        ds["qq_threshold"], f"1st percentile of Q-Q r for {n} i.i.d. normal entries"
    )
    return ds


def _reduced_probe_outputs(train_ds: xr.Dataset, exp: dict) -> xr.Dataset:
    """Output of the reduced network built from the simulation's final overlaps,
    on the probe trials (the 'reduced' curves of figures 4a and 8)."""
    rank, act = exp["network"]["rank"], exp["network"]["activation"]
    S = jnp.asarray(train_ds["gram"].values[-1])
    inputs = jnp.asarray(train_ds["probe_input"].values)
    y = overlaps.reduced_rollout(S, inputs, rank, act, exp["dt"])
    ds = xr.Dataset(
        {"probe_output_reduced": (("probe", "time"), np.asarray(y))},
        coords={"probe": train_ds["probe"].values, "time": train_ds["time"].values},
    )
    store.describe(
        ds["probe_output_reduced"],
        "reduced-network output from final simulated overlaps",
    )
    return ds


# --------------------------------------------------------------------- theory


def theory_stage(
    name: str, exp: dict, seed: int, train_ds: xr.Dataset, report=None, interval=10.0
):
    """Overlap-space descents from the simulation's epoch-0 overlaps."""
    net = exp["network"]
    rank, act = net["rank"], net["activation"]
    root = protocol.experiment_key(seed, name)
    prot = protocol.build_protocol(exp)
    S0 = jnp.asarray(train_ds["gram"].values[0])
    trials = protocol.stream_key(root, "trials")
    opts = exp["theory"]
    methods = list(opts["methods"])

    sigmas, losses, outputs = [], [], []
    inputs = jnp.asarray(train_ds["probe_input"].values)
    for method in methods:
        if method == "flow":
            S, loss = theory.run_flow(S0, prot, rank, act, rtol=opts["flow_rtol"])
        else:
            S, loss = theory.run_descent(
                method,
                S0,
                prot,
                trials,
                rank,
                act,
                chunk=opts["chunk"],
                report=report,
                interval=interval,
            )
        sigmas.append(np.asarray(overlaps.sigma_from_gram(S, rank)))
        losses.append(loss)
        y = overlaps.reduced_rollout(jnp.asarray(S[-1]), inputs, rank, act, exp["dt"])
        outputs.append(np.asarray(y))

    ds = xr.Dataset(
        {
            "sigma": (("method", "epoch", "overlap"), np.stack(sigmas)),
            "loss": (("method", "epoch"), np.stack(losses)),
            "probe_output_final": (("method", "probe", "time"), np.stack(outputs)),
        },
        coords={
            "method": methods,
            "epoch": train_ds["epoch"].values,
            "overlap": overlaps.overlap_labels(rank),
            "visible": ("overlap", overlaps.visible(rank, act)),
            "probe": train_ds["probe"].values,
            "time": train_ds["time"].values,
        },
    )
    store.describe(ds["sigma"], "overlaps predicted in overlap space")
    store.describe(ds["loss"], "reduced-network loss before the epoch's update")
    store.describe(ds["probe_output_final"], "reduced-network output, final overlaps")
    ds["visible"].attrs.update(long_name="overlap is loss-visible", units="1")
    ds.attrs.update(store.provenance(exp, experiment=name, seed=seed))
    return ds


# --------------------------------------------------------------------- metric


def metric_stage(seed: int, rank: int = 1) -> xr.Dataset:
    """Gbar for linear and erf networks at a random valid Gram matrix (E8).

    Gbar maps the distinct-overlap gradient to the overlap velocity,
    sigma_dot = -Gbar grad_sigma L; it is the Jacobian of the theory's
    velocity (``metric.metric_matrix``), not a hand derivation. The
    effective metric zeroes the columns of loss-invisible overlaps (their
    gradient vanishes). Structural zeros are entries that vanish at several
    random Gram matrices.
    """
    from . import metric

    root = protocol.experiment_key(seed, "metric_structure")
    S = metric.random_gram(protocol.stream_key(root, "gram"), rank)
    labels = overlaps.overlap_labels(rank)
    acts = ["linear", "erf"]
    full = np.asarray(metric.metric_matrix(S, rank))
    eff = np.stack([np.asarray(metric.effective_metric(S, rank, a)) for a in acts])
    zeros = np.stack(
        [
            np.asarray(
                metric.structural_zeros(rank, a, protocol.stream_key(root, "zeros"))
            )
            for a in acts
        ]
    )
    ds = xr.Dataset(
        {
            "gram": (("vector", "vector_b"), np.asarray(S)),
            "metric": (("row", "column"), full),
            "effective_metric": (("activation", "row", "column"), eff),
            "structural_zero": (("activation", "row", "column"), zeros),
            "visible": (
                ("activation", "column"),
                np.stack([overlaps.visible(rank, a) for a in acts]),
            ),
        },
        coords={
            "activation": acts,
            "row": labels,
            "column": labels,
            "vector": network.vector_labels(rank),
            "vector_b": network.vector_labels(rank),
        },
    )
    store.describe(ds["gram"], "random valid Gram matrix the metric is evaluated at")
    store.describe(ds["metric"], "Gbar: d sigma_dot / d (-grad_sigma L)")
    store.describe(
        ds["effective_metric"], "Gbar with invisible-gradient columns zeroed"
    )
    store.describe(ds["structural_zero"], "entry vanishes at every random Gram tried")
    store.describe(ds["visible"], "column's overlap is loss-visible")
    ds.attrs.update(store.provenance({"seed": seed, "rank": rank}, seed=seed))
    return ds


# ---------------------------------------------------------------- finite size


def finite_size_stage(runs: dict[str, tuple[int, int]], files: dict) -> xr.Dataset:
    """Gap between simulated and theoretical overlaps against N.

    Args:
        runs: experiment name -> (N, seed index).
        files: experiment name -> (overlaps dataset, theory dataset).

    The gap of one run is max over epochs and visible overlaps of
    |sigma_sim - sigma_theory|. The slope is the least-squares fit of
    log(median gap over seeds) on log(N): the median keeps one run that
    drifts off (e.g. a network that leaves the loss plateau early) from
    setting the trend. The fit over all runs is kept as ``slope_all_runs``.
    The Gaussian (large-N) limit predicts a slope of -1/2 or steeper.
    """
    sizes = sorted({n for n, _ in runs.values()})
    seeds = sorted({s for _, s in runs.values()})
    gap = np.full((len(sizes), len(seeds)), np.nan)
    loss_gap = np.full_like(gap, np.nan)
    for name, (n, s) in runs.items():
        ov, th = files[name]
        method = str(th["method"].values[0])
        vis = ov["visible"].values
        sim = ov["sigma"].values[:, vis]
        pred = th["sigma"].sel({"method": method}).values[:, vis]
        gap[sizes.index(n), seeds.index(s)] = np.abs(sim - pred).max()
        pred_loss = th["loss"].sel({"method": method}).values
        loss_gap[sizes.index(n), seeds.index(s)] = np.abs(
            ov["loss"].values - pred_loss
        ).max()
    median = np.median(gap, axis=1)
    slope, intercept = np.polyfit(np.log(sizes), np.log(median), 1)
    x = np.log(np.repeat(sizes, len(seeds)))
    slope_all, _ = np.polyfit(x, np.log(gap.ravel()), 1)
    ds = xr.Dataset(
        {
            "overlap_gap": (("N", "seed"), gap),
            "loss_gap": (("N", "seed"), loss_gap),
        },
        coords={"N": sizes, "seed": seeds},
    )
    store.describe(
        ds["overlap_gap"], "max over epochs, visible overlaps of |sim - theory|"
    )
    store.describe(ds["loss_gap"], "max over epochs of |loss_sim - loss_theory|")
    ds.attrs.update(
        store.provenance(
            {"runs": runs},
            slope=float(slope),
            intercept=float(intercept),
            slope_all_runs=float(slope_all),
            method=method,
        )
    )
    return ds
