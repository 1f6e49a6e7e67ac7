"""The degeneracy probe (STUDY.md E2, claim 4): twins agree until they learn.

Tolerances. An overlap a.b/N in float64 carries a round-off of a few
eps |a| |b| / N, so visible overlaps (all of size <= sqrt(sigma_aa sigma_bb)
<= 1.5 here) are compared to 1e-12. An output y = z.h/N computed through T
Euler steps accumulates a round-off of order T eps |z| |h| / N; with T = 400
that is ~1e-13 |z| |h| / N, so outputs are compared to 1e-12 times that
Cauchy-Schwarz scale. After training the outputs must differ by more than 5 %
of their range: a difference visible on the figure, ten orders of magnitude
above round-off.
"""

from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

from lowrank_learning import (
    config,
    degeneracy,
    network,
    overlaps,
    probes,
    stages,
    store,
)

ROOT = Path(__file__).resolve().parents[1]
ROUNDOFF = 1e-12


@pytest.fixture(scope="module")
def paper():
    return config.load(ROOT / "config/config.yaml")["experiments"]


def _cauchy_schwarz_scale(X, inputs, noise=None, dt=0.05):
    """max over t of |z| |h[t]| / N, the size of the terms summed in y[t]."""
    _, h = network.rollout(
        jnp.asarray(X), inputs, 1, "linear", dt, state_noise=noise, return_states=True
    )
    n = X.shape[0]
    return float(np.linalg.norm(X[:, -1]) * np.linalg.norm(h, axis=-1).max() / n)


def test_paper_twins_share_visible_overlaps_to_1e12_and_differ_in_invisible(paper):
    X1 = stages.initial_vectors(
        "degeneracy_theta1", paper["degeneracy_theta1"]["network"], 0
    )
    X2 = stages.initial_vectors(
        "degeneracy_theta2", paper["degeneracy_theta2"]["network"], 0
    )
    assert degeneracy.visible_overlap_deviation(X1, X2) < ROUNDOFF

    sig1 = np.asarray(overlaps.sigma_from_gram(overlaps.gram(X1), 1))
    sig2 = np.asarray(overlaps.sigma_from_gram(overlaps.gram(X2), 1))
    labels = overlaps.overlap_labels(1)
    target = paper["degeneracy_theta2"]["network"]["degenerate"]
    assert abs(sig2[labels.index("uu")] - target["uu"]) < ROUNDOFF
    assert abs(sig2[labels.index("mu")] - target["mu"]) < ROUNDOFF
    invisible = ~overlaps.visible(1, "linear")
    assert np.abs(sig1 - sig2)[invisible].max() > 0.5


def test_memory_experiments_start_from_theta2(paper):
    """E3 and E4 start from theta2: one init stream and the same targets."""
    X2 = stages.initial_vectors(
        "degeneracy_theta2", paper["degeneracy_theta2"]["network"], 0
    )
    for name in ("memory_aba_gd", "memory_adam"):
        X = stages.initial_vectors(name, paper[name]["network"], 0)
        np.testing.assert_array_equal(X, X2)


def _twins(N=100, keep_old_vu=True):
    X1 = np.asarray(network.init_vectors(probes.probe_keys(7)[0], N, 1))
    X2 = degeneracy.equivalent_network(X1, 2.048, 0.8, keep_old_vu=keep_old_vu)
    return X1, X2


def test_outputs_agree_before_learning_clean_and_with_state_noise():
    """Only u differs, so k_m, k_u and the noise-driven part e of h are the same
    in both networks (probes module docstring): equal outputs, both cases."""
    X1, X2 = _twins()
    inputs, noise = probes.draw_probe(0, 400, 100, 0.5)
    res = probes.twin_outputs(
        (X1, X2),
        (X1, X2),
        inputs,
        noise,
        (0, 1, 2),
        rank=1,
        activation="linear",
        dt=0.05,
    )
    clean_scale = _cauchy_schwarz_scale(X1, inputs)
    noisy_scale = _cauchy_schwarz_scale(X1, inputs, noise)
    y = res["output_initial"]
    y_noisy = res["output_noisy"]
    assert np.abs(y[0] - y[1]).max() < ROUNDOFF * clean_scale
    assert np.abs(y_noisy[0] - y_noisy[1]).max() < ROUNDOFF * noisy_scale
    # the noise does reach the output, and the activity does differ
    assert np.abs(y_noisy[0] - y[0]).max() > 1e3 * ROUNDOFF * noisy_scale
    assert np.abs(res["activity"][0] - res["activity"][1]).max() > 1e-6


def test_state_noise_tells_twins_apart_when_v_is_rebuilt_too():
    """The agreement under noise needs v unchanged: with keep_old_vu=False the
    twin's v differs, v.e / N differs and so do the noisy outputs, while the
    clean outputs still agree (same visible overlaps)."""
    X1, X2 = _twins(keep_old_vu=False)
    inputs, noise = probes.draw_probe(0, 400, 100, 0.5)
    res = probes.twin_outputs(
        (X1, X2), (X1, X2), inputs, noise, (0,), rank=1, activation="linear", dt=0.05
    )
    scale = _cauchy_schwarz_scale(X1, inputs, noise)
    assert np.abs(np.diff(res["output_initial"], axis=0)).max() < ROUNDOFF * scale
    assert np.abs(np.diff(res["output_noisy"], axis=0)).max() > 1e6 * ROUNDOFF * scale


@pytest.fixture(scope="module")
def trained_twins(paper):
    """theta1 and theta2 at N = 100 (paper protocol: 300 epochs of task A)."""
    out = []
    for name in ("degeneracy_theta1", "degeneracy_theta2"):
        exp = {**paper[name], "network": {**paper[name]["network"], "N": 100}}
        init = stages.init_stage(name, exp, 0)
        out.append(stages.train_stage(name, exp, 0, init))
    return out


def test_outputs_differ_after_300_epochs(trained_twins):
    ds = probes.degeneracy_probe(*trained_twins, seed=0)
    y = ds["output_final"].values
    gap = np.abs(y[0] - y[1]).max()
    assert ds.attrs["output_initial_gap"] < ROUNDOFF * max(
        1.0, ds.attrs["output_initial_scale"]
    )
    assert gap > 0.05 * np.abs(y).max(), (gap, np.abs(y).max())


def test_probe_file_is_described_and_reproducible(trained_twins, tmp_path):
    a = probes.degeneracy_probe(*trained_twins, seed=0, steps=50, n_shown=3)
    b = probes.degeneracy_probe(*trained_twins, seed=0, steps=50, n_shown=3)
    path = store.write_dataset(a, tmp_path / "probe.nc")
    back = store.read_dataset(path, required=["input", "activity", "output_noisy"])
    assert back.sizes == {"network": 2, "time": 50, "neuron": 3}
    assert list(back["network"].values) == ["degeneracy_theta1", "degeneracy_theta2"]
    np.testing.assert_array_equal(a["output_noisy"].values, b["output_noisy"].values)
    c = probes.degeneracy_probe(*trained_twins, seed=1, steps=50, n_shown=3)
    assert not np.array_equal(a["input"].values, c["input"].values)


def test_probe_refuses_mismatched_networks_and_bad_arguments(trained_twins):
    other = trained_twins[1].copy()
    exp = store.experiment_config(other)
    exp["dt"] = 0.1
    other.attrs["config_json"] = store.provenance(exp)["config_json"]
    with pytest.raises(ValueError, match=r"same kind.*same N, rank, activation and dt"):
        probes.degeneracy_probe(trained_twins[0], other, seed=0)
    with pytest.raises(ValueError, match=r"noise_std must be >= 0, got -1"):
        probes.draw_probe(0, 10, 5, -1.0)
    X1, X2 = _twins(N=20)
    inputs, noise = probes.draw_probe(0, 10, 20, 0.5)
    with pytest.raises(ValueError, match=r"neurons \[25\] are outside 0..19"):
        probes.twin_outputs(
            (X1, X2),
            (X1, X2),
            inputs,
            noise,
            (0, 25),
            rank=1,
            activation="linear",
            dt=0.05,
        )
