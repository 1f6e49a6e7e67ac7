"""Probes of two functionally equivalent networks (STUDY.md E2, figure 2).

theta1 and theta2 share every loss-visible overlap (zm, zu, vm, vu) and differ
in invisible ones (mu, uu). On one random input x[t] ~ N(0, 1) the probe
records, for both networks:

1. the activity h_i[t] of a few neurons and the output y[t] before learning;
2. the output when the same state noise xi[t] ~ N(0, noise_std^2 I) is added
   to every unit at every step (h[t+1] += xi[t], ``network.rollout``);
3. the output after training (the final snapshot of the training file).

What the mathematics says about 1 and 2. With h[0] = 0 and a linear network,
write h = m k_m + u k_u + e. Then

    k_m[t+1] = (1 - dt) k_m + dt x[t]
    k_u[t+1] = (1 - dt) k_u + dt (sigma_vm k_m + sigma_vu k_u + v.e / N)
    e[t+1]   = (1 - dt) e + xi[t]
    y[t]     = sigma_zm k_m + sigma_zu k_u + z.e / N      (updated states)

e is driven by the noise alone and does not involve u. The twin construction
(``degeneracy.equivalent_network`` with ``keep_old_vu``) changes only u, so
m, v, z, hence e, v.e and z.e, are the same in both networks, and k_m, k_u
obey the same equations with the same visible coefficients. The outputs are
therefore identical, with and without state noise, to round-off; the
activities h = m k_m + u k_u + e are not, because u differs. A state
perturbation does not tell the twins apart. Learning does: the overlap
velocity -2 (S A + A S) mixes uu and mu into the visible overlaps, so after
training the outputs differ. (Were v also rebuilt, v.e would differ and the
noisy outputs would differ too.)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr
from jaxtyping import Array, Float

from . import degeneracy, network, overlaps, protocol, store

PROBE_NAME = "probe_degeneracy"


def probe_keys(seed: int) -> tuple[Array, Array]:
    """Keys of the probe input and of the state noise.

    Both derive from the root seed and the stage name, so the probe is the same
    whichever networks it is applied to: key = fold_in(seed, crc32(name)),
    then one named sub-stream each ('input', 'state_noise').
    """
    root = protocol.experiment_key(seed, PROBE_NAME)
    return protocol.stream_key(root, "input"), protocol.stream_key(root, "state_noise")


def draw_probe(
    seed: int, steps: int, n_neurons: int, noise_std: float
) -> tuple[Float[Array, "1 T"], Float[Array, "1 T N"]]:
    """The random input x[t] ~ N(0, 1) and the state noise xi[t] ~ N(0, s^2 I).

    Args:
        seed: root seed of the pipeline.
        steps: T, the number of time steps.
        n_neurons: N.
        noise_std: s, the std of the noise added to every unit at every step.

    Returns:
        inputs of shape (1, T) and noise of shape (1, T, N), in JAX's default
        float dtype.

    Raises:
        ValueError: if steps < 1, n_neurons < 1 or noise_std < 0.
    """
    if steps < 1 or n_neurons < 1:
        raise ValueError(
            f"probe steps and N must be >= 1, got steps={steps}, N={n_neurons}"
        )
    if not noise_std >= 0:
        raise ValueError(f"probe noise_std must be >= 0, got {noise_std}")
    k_input, k_noise = probe_keys(seed)
    inputs = jax.random.normal(k_input, (1, steps))
    noise = noise_std * jax.random.normal(k_noise, (1, steps, n_neurons))
    return inputs, noise


def twin_outputs(
    X_pair: tuple[Float[Array, "N P"], Float[Array, "N P"]],
    X_pair_final: tuple[Float[Array, "N P"], Float[Array, "N P"]],
    inputs: Float[Array, "1 T"],
    noise: Float[Array, "1 T N"],
    neurons: tuple[int, ...],
    *,
    rank: int,
    activation: str,
    dt: float,
) -> dict[str, np.ndarray]:
    """Activity and outputs of two networks on one input, clean, noisy, trained.

    Args:
        X_pair: initial vectors of the two networks, (N, 2R+2) each.
        X_pair_final: their vectors after training, same shapes.
        inputs: the input x[t], (1, T).
        noise: the state noise xi[t] shared by both networks, (1, T, N).
        neurons: indices of the neurons whose activity is returned.
        rank, activation, dt: the network (STUDY.md section 1).

    Returns:
        dict of numpy arrays with a leading network axis of length 2:
        'activity' (2, T, n_shown) h_i[t+1] before training; 'output_initial',
        'output_noisy', 'output_final' (2, T).

    Raises:
        ValueError: if a neuron index is outside 0..N-1.
    """
    n = X_pair[0].shape[0]
    bad = [i for i in neurons if not 0 <= i < n]
    if bad:
        raise ValueError(
            f"probe neurons {bad} are outside 0..{n - 1}; pick indices below N"
        )
    idx = np.asarray(neurons, dtype=np.int64)
    run = {"rank": rank, "activation_name": activation, "dt": dt}

    out = {"activity": [], "output_initial": [], "output_noisy": [], "output_final": []}
    for X, X_final in zip(X_pair, X_pair_final, strict=True):
        y, h = network.rollout(jnp.asarray(X), inputs, return_states=True, **run)
        y_noisy = network.rollout(jnp.asarray(X), inputs, state_noise=noise, **run)
        y_final = network.rollout(jnp.asarray(X_final), inputs, **run)
        out["activity"].append(np.asarray(h[0][:, idx]))
        out["output_initial"].append(np.asarray(y[0]))
        out["output_noisy"].append(np.asarray(y_noisy[0]))
        out["output_final"].append(np.asarray(y_final[0]))
    return {k: np.stack(v) for k, v in out.items()}


def _network_of(train_ds: xr.Dataset) -> dict:
    exp = store.experiment_config(train_ds)
    net = exp["network"]
    return {
        "N": int(net["N"]),
        "rank": int(net["rank"]),
        "activation": net["activation"],
        "dt": float(exp["dt"]),
    }


def degeneracy_probe(
    train_a: xr.Dataset,
    train_b: xr.Dataset,
    seed: int,
    steps: int = 400,
    noise_std: float = 0.5,
    n_shown: int = 5,
) -> xr.Dataset:
    """The E2 probe of two trained twins as a dataset (``data/probes/...nc``).

    Reads the first and the last vector snapshot of each training file
    (before and after training), draws the probe with ``draw_probe`` and runs
    ``twin_outputs``.

    Args:
        train_a, train_b: training outputs (``data/train/{exp}.nc``) of the two
            networks; they must agree in N, rank, activation and dt.
        seed: root seed of the pipeline (the probe's random streams).
        steps: T of the probe input.
        noise_std: std of the state noise.
        n_shown: activity is stored for neurons 0..n_shown-1.

    Returns:
        Dataset with coords network (the two experiment names), time, neuron;
        variables input(time), activity(network, time, neuron),
        output_initial / output_noisy / output_final (network, time); attrs
        with the visible and invisible overlap gaps of the initial networks
        and the largest output gaps.

    Raises:
        ValueError: if the two networks differ in N, rank, activation or dt.
    """
    spec_a, spec_b = _network_of(train_a), _network_of(train_b)
    if spec_a != spec_b:
        raise ValueError(
            f"the probe compares networks of the same kind, got {spec_a} for "
            f"{train_a.attrs.get('experiment')} and {spec_b} for "
            f"{train_b.attrs.get('experiment')}; give both the same N, rank, "
            "activation and dt"
        )
    spec = spec_a
    rank = spec["rank"]
    names = [
        str(ds.attrs.get("experiment", f"net{i}"))
        for i, ds in enumerate((train_a, train_b))
    ]

    def snapshot(ds, i):
        return jnp.asarray(ds["X"].isel(epoch_saved=i).values.T)

    initial = (snapshot(train_a, 0), snapshot(train_b, 0))
    final = (snapshot(train_a, -1), snapshot(train_b, -1))
    inputs, noise = draw_probe(seed, steps, spec["N"], noise_std)
    neurons = tuple(range(min(n_shown, spec["N"])))
    res = twin_outputs(
        initial,
        final,
        inputs,
        noise,
        neurons,
        rank=rank,
        activation=spec["activation"],
        dt=spec["dt"],
    )

    # Summary numbers: overlap gaps of the initial networks, output gaps.
    vis = overlaps.visible(rank, spec["activation"])
    sig = [
        np.asarray(overlaps.sigma_from_gram(overlaps.gram(X), rank)) for X in initial
    ]
    gaps = {
        "visible_overlap_gap": degeneracy.visible_overlap_deviation(
            *initial, rank=rank, activation=spec["activation"]
        ),
        "invisible_overlap_gap": float(np.abs(sig[0] - sig[1])[~vis].max()),
    }
    for key in ("output_initial", "output_noisy", "output_final", "activity"):
        gaps[f"{key}_gap"] = float(np.abs(res[key][0] - res[key][1]).max())
        gaps[f"{key}_scale"] = float(np.abs(res[key]).max())

    ds = xr.Dataset(
        {
            "input": ("time", np.asarray(inputs[0])),
            "activity": (("network", "time", "neuron"), res["activity"]),
            "output_initial": (("network", "time"), res["output_initial"]),
            "output_noisy": (("network", "time"), res["output_noisy"]),
            "output_final": (("network", "time"), res["output_final"]),
        },
        coords={
            "network": names,
            "time": spec["dt"] * np.arange(steps),
            "neuron": np.asarray(neurons, dtype=np.int64),
        },
    )
    ds["time"].attrs.update(long_name="time of step t", units="s")
    store.describe(ds["input"], "probe input x[t] ~ N(0, 1)")
    store.describe(ds["activity"], "unit activity h_i[t+1] before training")
    store.describe(ds["output_initial"], "output y[t] before training")
    store.describe(
        ds["output_noisy"],
        f"output before training with state noise N(0, {noise_std:g}^2) per unit",
    )
    store.describe(ds["output_final"], "output y[t] after training (final snapshot)")
    epochs = [int(d["epoch_saved"].values[-1]) for d in (train_a, train_b)]
    ds.attrs.update(
        store.provenance(
            {"steps": steps, "noise_std": noise_std, "n_shown": n_shown},
            seed=seed,
            networks=names,
            trained_epochs=epochs,
            **spec,
            **gaps,
        )
    )
    return ds
