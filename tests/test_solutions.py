"""Learned solutions against the analytic ones (STUDY.md section 4).

For the Euler-discretised rank-1 linear network the impulse response is

    y[n] = (sigma_zm - b) (1 - dt)^n + b (1 - dt (1 - sigma_vu))^n,
    b = sigma_zu sigma_vm / sigma_vu,

so the target a* exp(-c* n dt) is matched exactly by sigma_zm = a*,
sigma_zu sigma_vm = a* sigma_vu and sigma_vu = 1 - (1 - exp(-c* dt)) / dt.
The continuous-time solution (sigma_vu = 1 - c*) differs from that by
c*^2 dt / 2 + O(dt^2): the O(dt) correction the study mentions.
"""

import math

import numpy as np
import pytest

from lowrank_learning import stages


def discrete_solution(a_star, c_star, dt):
    vu = 1.0 - (1.0 - math.exp(-c_star * dt)) / dt
    return {"zm": a_star, "zu*vm": a_star * vu, "vu": vu}


def test_discrete_and_continuous_solutions_differ_by_c2_dt_over_2():
    for dt in (0.05, 0.01):
        vu = discrete_solution(1.0, 0.2, dt)["vu"]
        gap = vu - (1 - 0.2)
        assert abs(gap - 0.2**2 * dt / 2) < 0.2**3 * dt**2


def _train_final(exp):
    init = stages.init_stage("solution", exp, 0)
    ds = stages.train_stage("solution", exp, 0, init)
    return ds, stages.overlaps_stage(ds)


def test_e1_final_overlaps_meet_the_analytic_solution(filter_experiment):
    exp = filter_experiment(N=200, epochs=2000, lr=5e-3, t_max=20.0)
    train_ds, ov = _train_final(exp)
    sig = ov["sigma"].isel(epoch=-1)
    measured = {
        "zm": float(sig.sel(overlap="zm")),
        "zu*vm": float(sig.sel(overlap="zu") * sig.sel(overlap="vm")),
        "vu": float(sig.sel(overlap="vu")),
    }
    exact = discrete_solution(1.0, 0.2, exp["dt"])
    continuous = {"zm": 1.0, "zu*vm": 0.8, "vu": 0.8}
    o_dt = 0.2**2 * exp["dt"] / 2 * 1.05
    for key in measured:
        # converged (loss ~ 1e-13) onto the discrete manifold ...
        assert abs(measured[key] - exact[key]) < 1e-4, key
        # ... which is the continuous one up to the O(dt) correction
        assert abs(measured[key] - continuous[key]) < o_dt + 1e-4, key
    assert float(train_ds["loss"][-1]) < 1e-8


@pytest.mark.slow
def test_e9_learned_impulse_response_matches_target(filter_experiment):
    exp = filter_experiment(N=100, rank=2, epochs=10000, lr=5e-3, t_max=20.0)
    train_ds, _ = _train_final(exp)
    probe = str(train_ds["probe"].values[0])
    y = train_ds["probe_output_final"].sel(probe=probe).values
    target = train_ds["probe_target"].sel(probe=probe).values
    # loss = dt * sum (y - y*)^2 < 1e-6 bounds every |y - y*| by sqrt(1e-6/dt)
    assert float(train_ds["loss"][-1]) < 1e-6
    assert np.abs(y - target).max() < np.sqrt(1e-6 / exp["dt"])
