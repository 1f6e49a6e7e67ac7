"""Multi-phase learning, the invariant, and memory after A-B-A (E3, E4; claims
5 and 6).

Tolerances. The exact congruence map is an identity for linear networks, so
it must match the multi-phase simulation to round-off (1e-8 relative in
float64 over hundreds of epochs, as in test_theory), whatever the phase's
learning rate or target noise, as long as both draw the same trials.

One GD epoch changes zz + vv - mm - uu by exactly 4 lr^2 b(S, A) (see
test_theory), so over n epochs from one start the drift is
4 lr^2 sum_e b(S_e): halving lr divides it by 4 up to the O(n lr) change of
S_e along the way (below 5 % for n lr <= 0.05). Adam moves every coordinate by
~lr per step, which changes the invariant at first order in lr.

The A-B-A tolerance is derived from the losses at the two visits of A (module
docstring of lowrank_learning.memory).
"""

import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

from lowrank_learning import (
    config,
    memory,
    network,
    overlaps,
    protocol,
    stages,
    theory,
    train,
)

ROOT = Path(__file__).resolve().parents[1]
TASKS = {
    "A": {"kind": "filter", "a_star": 1.0, "c_star": 0.2},
    "B": {"kind": "filter", "a_star": 1.0, "c_star": 0.4},
}


def _experiment(phases, N=40, lr=1e-2, t_max=10.0):
    exp = {
        "float64": True,
        "network": {"N": N, "rank": 1, "activation": "linear"},
        "dt": 0.05,
        "t_max": t_max,
        "lr": lr,
        "tasks": TASKS,
        "phases": phases,
        "train": {"snapshot_stride": 10_000},
    }
    return config.validate({"experiments": {"test": exp}})["experiments"]["test"]


def _start(N, seed=3):
    return network.init_vectors(jax.random.PRNGKey(seed), N, 1)


def _invariant(gram):
    return np.asarray(overlaps.invariant(gram, 1))


# ------------------------------------------------------ multi-phase theory


def test_multiphase_exact_map_equals_simulation_to_roundoff():
    exp = _experiment(
        [
            {"task": "A", "epochs": 120},
            {"task": "B", "epochs": 60, "lr_factor": 0.5},
            {"task": "A", "epochs": 80, "target_noise": 0.1, "lr_factor": 2.0},
        ]
    )
    prot = protocol.build_protocol(exp)
    trials = protocol.stream_key(protocol.experiment_key(0, "test"), "trials")
    sim = train.train(_start(40), prot, trials, 1, "linear", snapshot_stride=10_000)
    S, loss = theory.run_descent("exact_map", sim["gram"][0], prot, trials, 1, "linear")

    assert S.shape == sim["gram"].shape == (261, 4, 4)
    scale = np.abs(sim["gram"]).max()
    assert np.abs(S - sim["gram"]).max() / scale < 1e-8
    np.testing.assert_allclose(loss, sim["loss"], rtol=1e-8, atol=1e-14)
    # the noisy phase is noisy: its loss carries the target noise
    assert loss[200:].std() > 10 * loss[100:120].std()


# ------------------------------------------------------- invariant, claim 6


def _run(optimizer, lr, epochs, N=60):
    exp = _experiment(
        [{"task": "A", "epochs": epochs, "optimizer": optimizer}], N=N, lr=lr
    )
    prot = protocol.build_protocol(exp)
    return train.train(_start(N), prot, jax.random.PRNGKey(1), 1, "linear", 10_000)


def _drift(optimizer, lr, epochs):
    inv = _invariant(_run(optimizer, lr, epochs)["gram"])
    return abs(inv[-1] - inv[0])


def _drift_per_path(optimizer, lr, epochs):
    """|invariant drift| / path length of the overlaps, sum_e max |d sigma_e|."""
    gram = _run(optimizer, lr, epochs)["gram"]
    inv = _invariant(gram)
    sigma = np.asarray(overlaps.sigma_from_gram(gram, 1))
    path = np.abs(np.diff(sigma, axis=0)).max(axis=1).sum()
    return abs(inv[-1] - inv[0]) / path


def test_gd_invariant_drift_is_second_order_in_lr():
    epochs = 5
    drifts = [_drift("gd", lr, epochs) for lr in (1e-2, 5e-3, 2.5e-3)]
    ratios = [drifts[0] / drifts[1], drifts[1] / drifts[2]]
    # O(lr^2) per epoch: ratio 4, up to the O(n lr) <= 5 % change of S_e
    assert all(3.6 < r < 4.4 for r in ratios), (drifts, ratios)
    # and far above round-off (~1e-15 on O(1) overlaps)
    assert drifts[-1] > 1e-10


def test_adam_breaks_the_invariant_by_orders_of_magnitude_per_unit_of_learning():
    """Paper settings (GD lr 5e-3, Adam lr 1e-3), same start, 20 epochs.

    Per epoch GD moves the overlaps by O(lr |A|) and the invariant by
    O(lr^2 |A|^2), so its drift per unit of overlap path is O(lr); Adam's is
    O(1). At lr = 5e-3 that is two orders of magnitude. (The raw drifts over
    the same epochs differ less, ~75x here, because GD moves the overlaps
    faster at the start.)"""
    gd = _drift_per_path("gd", 5e-3, 20)
    adam = _drift_per_path("adam", 1e-3, 20)
    assert adam > 100 * gd, (adam, gd)
    assert _drift("adam", 1e-3, 20) > 30 * _drift("gd", 5e-3, 20)
    # Adam's drift is first order in lr: halving lr halves it
    ratio = _drift("adam", 1e-3, 20) / _drift("adam", 5e-4, 20)
    assert 1.6 < ratio < 2.4, ratio


# ------------------------------------------------------------- bad input


def test_protocol_without_phases_is_refused():
    exp = _experiment([{"task": "A", "epochs": 5}])
    exp["phases"] = []
    with pytest.raises(ValueError, match=r"at least one phase.*add an entry"):
        protocol.build_protocol(exp)


@pytest.mark.parametrize(
    ("phase", "message"),
    [
        (
            {"task": "C", "epochs": 5},
            r"phases\[1\]\.task = 'C' is not defined.*\['A', 'B'\]",
        ),
        (
            {"task": "B", "epochs": 5, "optimizer": "rmsprop"},
            r"phases\[1\]\.optimizer must be one of \('gd', 'adam'\), got 'rmsprop'",
        ),
    ],
)
def test_protocol_names_the_bad_phase(phase, message):
    """build_protocol checks what the schema cannot see when called directly."""
    exp = _experiment([{"task": "A", "epochs": 5}])
    exp["phases"] = [{"task": "A", "epochs": 5}, phase]
    with pytest.raises(ValueError, match=message):
        protocol.build_protocol(exp)


def test_theory_refuses_an_adam_phase_of_a_protocol():
    exp = _experiment(
        [{"task": "A", "epochs": 5}, {"task": "B", "epochs": 5, "optimizer": "adam"}]
    )
    prot = protocol.build_protocol(exp)
    with pytest.raises(ValueError, match=r"phase 1 \(B\) uses 'adam'"):
        theory.run_descent(
            "exact_map",
            overlaps.gram(_start(40)),
            prot,
            jax.random.PRNGKey(0),
            1,
            "linear",
        )


def test_infeasible_degeneracy_target_stops_init_with_the_bound():
    exp = _experiment([{"task": "A", "epochs": 5}])
    exp["network"].update(init="degenerate", degenerate={"uu": 0.1, "mu": 0.8})
    with pytest.raises(
        ValueError,
        match=r"config network\.degenerate = \{uu: 0\.1, mu: 0\.8\}.*"
        r"uu_target = 0\.1 is infeasible.*raise uu_target to at least",
    ):
        stages.init_stage("test", exp, 0)


# ------------------------------------------------ solution-manifold analysis


def test_phase_end_epochs_of_a_protocol():
    exp = _experiment([{"task": "A", "epochs": 3}, {"task": "B", "epochs": 2}])
    phase = protocol.phase_of_epoch(protocol.build_protocol(exp))
    assert memory.phase_end_epochs(phase) == [3, 5]


def _solution(task):
    """Minimiser of the clean loss in c = (zm, vu, zu vm), by Newton steps from
    the continuous-time solution (1, 1 - c*, 1 - c*)."""
    batch = task.sample(jax.random.PRNGKey(0))

    def loss_of(c):
        return theory.reduced_loss(
            memory._gram_of_coordinates(c), batch, task, 1, "linear"
        )

    c = np.array([1.0, 0.8, 0.8])
    for _ in range(20):
        g = np.asarray(jax.grad(loss_of)(c))
        c = c - np.linalg.solve(memory.coordinate_hessian(c, task), g)
    return c, loss_of


def test_return_tolerance_bounds_the_distance_to_the_minimiser():
    task = protocol.build_protocol(
        _experiment([{"task": "A", "epochs": 1}], t_max=20.0)
    )[0].task
    c_star, loss_of = _solution(task)
    assert float(loss_of(c_star)) < 1e-20  # the discrete target is representable
    rng = np.random.default_rng(0)
    for scale in (1e-6, 1e-4, 1e-3):
        for _ in range(5):
            c = c_star + scale * rng.standard_normal(3)
            tol = memory.return_tolerance(c_star, 0.0, float(loss_of(c)), task)
            assert np.linalg.norm(c - c_star) <= tol * (1 + 10 * scale)


def _aba(N):
    phases = [
        {"task": "A", "epochs": 3000},
        {"task": "B", "epochs": 1000},
        {"task": "A", "epochs": 1000},
    ]
    exp = _experiment(phases, N=N, lr=5e-3, t_max=20.0)
    exp["network"].update(init="degenerate", init_key="theta")
    init = stages.init_stage("memory_aba_gd", exp, 0)
    ds = stages.overlaps_stage(stages.train_stage("memory_aba_gd", exp, 0, init))
    return ds, protocol.build_protocol(exp)


@pytest.mark.slow
def test_claim5_after_aba_visible_returns_invisible_does_not():
    """Claim 5 at N = 100 (E3's first three phases). What must return is
    c = (zm, vu, zu vm); zu and vm alone may slide along zu vm = const."""
    ds, prot = _aba(100)
    a1, _, a2 = memory.phase_end_epochs(ds["phase"].values)
    rep = memory.return_report(ds, prot[0].task, a1, a2)
    assert rep["returned"], rep
    assert rep["invisible_ratio"] > 10, rep


@pytest.mark.pipeline
def test_no_rule_asks_for_a_theory_of_the_adam_experiment(tmp_path):
    """The theory refuses Adam phases, so the workflow must never request
    data/theory/memory_adam.nc (a dry run of everything on the quick config)."""
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile")]
    cmd += ["-d", str(tmp_path), "-n", "--configfile", str(ROOT / "config/quick.yaml")]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout + result.stderr
    assert "data/overlaps/memory_adam.nc" in out
    assert "data/theory/memory_aba_gd.nc" in out
    assert "data/theory/memory_adam.nc" not in out
