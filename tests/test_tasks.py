"""Tests of the task generators (STUDY.md section 5).

The flip-flop builder is checked against a slow step-by-step reference that
follows the wording of the study and consumes the same draws; the other kinds
against their defining formulas. Tolerances: exact equality where the two
sides perform the same floating-point operations, a few float ulps otherwise.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lowrank_learning.overlaps import gram_from_sigma, reduced_rollout
from lowrank_learning.tasks import (
    DEFAULT_PARAMS,
    TASK_KINDS,
    Batch,
    Task,
    make_task,
    pulse_trains,
    task_loss,
)

DT, T_MAX, BATCH = 0.05, 20.0, 4
KEYS = [jax.random.PRNGKey(s) for s in (0, 1, 7)]
# the flip-flop of the twins experiment (E6), 64 trials
TWIN_FLIPFLOP = (
    {"kind": "flipflop", "s_min": 1, "s_max": 2, "input_amp": 2, "target_amp": 1},
    DT,
    T_MAX,
    64,
)


# jitted entry points (the task is static); compiled once per task and shape
jit_sample = jax.jit(Task.sample, static_argnums=0)
jit_draw = jax.jit(Task.draw, static_argnums=0)
jit_build = jax.jit(Task.build, static_argnums=0)


def reference_flipflop(gaps, signs, steps, dt, first=0.5, pulse=0.5, delay=2.0):
    """Step-by-step flip-flop, a loop over trials and time (the spec's wording).

    Event times are rounded to the grid as the library documents; the gap is
    rounded in the dtype it was drawn in.
    """
    gaps = np.asarray(gaps)
    signs = np.asarray(signs)
    batch, n_pulses = signs.shape
    width, wait = round(pulse / dt), round(delay / dt)
    train = np.zeros((batch, steps))
    latest = np.zeros((batch, steps))
    hold = np.zeros((batch, steps))
    for b in range(batch):
        state, current, k = "before first pulse", 0.0, 0
        next_start, pulse_end, delay_end = round(first / dt), None, None
        for t in range(steps):
            if state == "pulse" and t == pulse_end:
                state = "delay"
            if state == "delay" and t == delay_end:
                state = "hold"
            if k < n_pulses and t == next_start:
                state, current = "pulse", float(signs[b, k])
                pulse_end, delay_end = t + width, t + width + wait
                if k + 1 < n_pulses:
                    gap = np.round(gaps[b, k] / gaps.dtype.type(dt))
                    next_start = delay_end + int(gap)
                k += 1
            train[b, t] = current if state == "pulse" else 0.0
            latest[b, t] = current
            hold[b, t] = 1.0 if state == "hold" else 0.0
    return train, latest, hold


# --------------------------------------------------------------------- general


@pytest.mark.parametrize("kind", TASK_KINDS)
def test_every_kind_samples_b_by_t_float_arrays_under_jit(kind):
    task = make_task({"kind": kind}, DT, T_MAX, BATCH)
    batch = jit_sample(task, KEYS[0])
    float_dtype = jnp.zeros(()).dtype
    for arr in batch:
        assert arr.shape == (BATCH, round(T_MAX / DT))
        assert arr.dtype == float_dtype
        assert bool(jnp.all(jnp.isfinite(arr)))
    assert float(jnp.sum(batch.mask)) > 0


@pytest.mark.parametrize("kind", TASK_KINDS)
def test_same_key_gives_identical_batch_and_jit_matches_eager(kind):
    task = make_task({"kind": kind}, DT, T_MAX, BATCH)
    first = jit_sample(task, KEYS[1])
    again = jit_sample(make_task({"kind": kind}, DT, T_MAX, BATCH), KEYS[1])
    eager = task.sample(KEYS[1])
    for a, b, c in zip(first, again, eager, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", ["flipflop", "decision", "teacher"])
def test_different_keys_give_different_trials(kind):
    task = make_task({"kind": kind}, DT, T_MAX, BATCH)
    a, b = jit_sample(task, KEYS[0]), jit_sample(task, KEYS[2])
    assert not np.array_equal(a.inputs, b.inputs)
    assert not task.is_deterministic


def test_tasks_are_hashable_static_args_and_equal_when_built_alike():
    spec = {"kind": "decision", "coherences": [16, -16]}
    a = make_task(spec, DT, T_MAX, BATCH)
    b = make_task(dict(spec), DT, T_MAX, BATCH)
    assert a == b and hash(a) == hash(b)
    assert a.param["coherences"] == (16.0, -16.0)


def test_omitted_params_take_their_defaults():
    for kind in TASK_KINDS:
        task = make_task({"kind": kind}, DT, T_MAX)
        assert task.param == DEFAULT_PARAMS[kind]


@pytest.mark.parametrize("kind", ["filter", "decision"])
def test_target_noise_is_added_afresh_and_removed_by_without_noise(kind):
    # the impulse kinds keep their original noise path; the others share one
    noisy = make_task({"kind": kind, "target_noise": 0.1}, DT, T_MAX, BATCH)
    clean = noisy.without_noise()
    draws = jit_draw(noisy, KEYS[0])
    diff = jit_build(noisy, draws).targets - jit_build(clean, draws).targets
    np.testing.assert_allclose(diff, 0.1 * draws["target_noise"], atol=1e-6)
    fresh = jit_draw(noisy, KEYS[1])["target_noise"]
    assert not np.allclose(draws["target_noise"], fresh)
    assert "target_noise" not in jit_draw(clean, KEYS[0])


def test_task_loss_is_scaled_masked_mean_square():
    y = jnp.arange(6.0).reshape(2, 3)
    batch = Batch(
        jnp.zeros((2, 3)),
        jnp.ones((2, 3)),
        jnp.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]),
    )
    expected = 2.5 * (1.0 + 1.0 + 16.0) / 3.0
    np.testing.assert_allclose(task_loss(y, batch, 2.5), expected, rtol=1e-6)


# ------------------------------------------------------- filter and oscillation


def test_filter_impulse_target_is_a_exp_minus_c_t():
    task = make_task({"kind": "filter", "a_star": 1.5, "c_star": 0.4}, DT, T_MAX)
    t = np.arange(task.steps) * DT
    np.testing.assert_allclose(task.impulse_target(), 1.5 * np.exp(-0.4 * t), 1e-6)
    assert task.is_deterministic and task.loss_scale == pytest.approx(T_MAX)


def test_oscillation_impulse_target_is_damped_cosine():
    task = make_task({"kind": "oscillation"}, DT, T_MAX)
    t = np.arange(task.steps) * DT
    expected = np.exp(-0.3 * t) * np.cos(2.0 * t)
    np.testing.assert_allclose(task.impulse_target(), expected, atol=1e-6)


@pytest.mark.parametrize("kind", ["filter", "oscillation"])
def test_filter_response_of_the_impulse_is_the_impulse_target(kind):
    task = make_task({"kind": kind}, DT, T_MAX)
    response = task.filter_response(task.impulse_inputs()[None, :])[0]
    np.testing.assert_allclose(response, task.impulse_target(), atol=1e-5)


def test_impulse_task_batch_is_impulse_in_target_out_full_mask():
    task = make_task({"kind": "filter", "c_star": 0.2}, DT, T_MAX, BATCH)
    batch = jit_sample(task, KEYS[0])
    np.testing.assert_array_equal(batch.inputs[:, 0], 1.0 / DT)
    np.testing.assert_array_equal(batch.inputs[:, 1:], 0.0)
    response = task.filter_response(batch.inputs)
    np.testing.assert_allclose(batch.targets, response, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(batch.mask, 1.0)


def test_impulse_target_refuses_trial_based_kinds():
    with pytest.raises(ValueError, match="flipflop"):
        make_task({"kind": "flipflop"}, DT, T_MAX).impulse_target()


# ------------------------------------------------------------------- flip-flop


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(
    "spec, dt, t_max, n_trials",
    [
        ({"kind": "flipflop"}, 0.05, 40.0, BATCH),
        (*TWIN_FLIPFLOP,),
        ({"kind": "flipflop"}, 0.025, 80.0, BATCH),
    ],
)
def test_flipflop_builder_matches_step_by_step_reference(
    key, spec, dt, t_max, n_trials
):
    task = make_task(spec, dt, t_max, n_trials)
    p = task.param
    draws = jit_draw(task, key)
    train, latest, hold = reference_flipflop(
        draws["gaps"], draws["signs"], task.steps, dt
    )
    batch = jit_build(task, draws)
    np.testing.assert_array_equal(batch.inputs, p["input_amp"] * train)
    np.testing.assert_array_equal(batch.targets, p["target_amp"] * latest)
    np.testing.assert_array_equal(batch.mask, hold)


def test_pulse_trains_match_reference_on_hand_made_draws():
    # gaps on, between and off the grid; a zero gap; pulses past the end
    gaps = jnp.array([[4.0, 0.0, 1.2501, 7.0], [0.049, 3.3333, 0.5, 9.99]])
    signs = jnp.array([[1.0, -1.0, -1.0, 1.0, -1.0], [-1.0, 1.0, 1.0, -1.0, 1.0]])
    got = pulse_trains(gaps, signs, 400, DT)
    want = reference_flipflop(gaps, signs, 400, DT)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    # first trial, by hand: pulse 10..19, delay 20..59, hold 60..139, pulse 140
    np.testing.assert_array_equal(np.flatnonzero(want[2][0])[:2], [60, 61])
    assert want[2][0, 139] == 1.0 and want[0][0, 140] == -1.0


def test_flipflop_draws_the_specified_distributions():
    task = make_task(*TWIN_FLIPFLOP)
    draws = jit_draw(task, KEYS[0])
    gaps, signs = np.asarray(draws["gaps"]), np.asarray(draws["signs"])
    assert gaps.min() >= 1.0 and gaps.max() < 2.0
    assert set(np.unique(signs)) == {-1.0, 1.0}
    # fair coin: mean of n signs within 5 standard errors 1/sqrt(n) of 0
    assert abs(signs.mean()) < 5 / np.sqrt(signs.size)


@pytest.mark.parametrize("key", KEYS)
def test_flipflop_mask_is_off_on_pulses_and_delays_and_on_in_holds(key):
    task = make_task(*TWIN_FLIPFLOP)
    batch = jit_build(task, jit_draw(task, key))
    x, y, mask = (np.asarray(a) for a in batch)
    width, wait, first = round(0.5 / DT), round(2.0 / DT), round(0.5 / DT)

    # a step is scored iff no pulse was on during it or the delay before it
    for b in range(task.batch):
        on = x[b] != 0
        for t in range(task.steps):
            recent = on[max(0, t - wait) : t + 1].any()
            assert mask[b, t] == float(t >= first and not recent)
            if mask[b, t]:
                last_sign = np.sign(x[b, : t + 1][on[: t + 1]][-1])
                assert y[b, t] == last_sign
    np.testing.assert_array_equal(y[:, :first], 0.0)
    np.testing.assert_array_equal(x[:, :first], 0.0)
    np.testing.assert_array_equal(x[:, first : first + width] != 0, True)


@pytest.mark.parametrize("s_min", [0.0, 1.0, 4.0])
@pytest.mark.parametrize("dt, t_max", [(0.05, 20.0), (0.025, 80.0)])
def test_flipflop_draws_enough_pulses_to_cover_the_trial(s_min, dt, t_max):
    task = make_task({"kind": "flipflop", "s_min": s_min}, dt, t_max)
    # with the shortest gaps the last drawn pulse must start at or after T
    cycle = round(0.5 / dt) + round(2.0 / dt) + round(s_min / dt)
    last_start = round(0.5 / dt) + (task.n_pulses - 1) * cycle
    assert last_start >= task.steps


def test_flipflop_loss_scale_is_one():
    assert make_task({"kind": "flipflop"}, DT, T_MAX).loss_scale == 1.0


# -------------------------------------------------------------------- decision


def decision_windows(task: Task):
    p = task.param
    bounds = np.cumsum(
        [0]
        + [round(p[k] / task.dt) for k in ("fixation", "stimulus", "delay", "response")]
    )
    t = np.arange(task.steps)
    return (t >= bounds[1]) & (t < bounds[2]), (t >= bounds[3]) & (t < bounds[4])


@pytest.mark.parametrize("key", KEYS)
def test_decision_without_noise_has_exact_phases_inputs_and_targets(key):
    spec = {"kind": "decision", "noise_std": 0.0}
    task = make_task(spec, DT, T_MAX, 64)
    stimulus, response = decision_windows(task)
    draws = jit_draw(task, key)
    coherence = np.asarray(draws["coherence"])[:, None]
    batch = jit_sample(task, key)

    np.testing.assert_allclose(batch.inputs, 0.032 * coherence * stimulus, 1e-6)
    np.testing.assert_allclose(batch.targets, coherence / 16 * response, 1e-6)
    np.testing.assert_array_equal(batch.mask, np.broadcast_to(response, (64, 400)))
    assert set(np.unique(coherence)) <= {-16.0, -8.0, -2.0, 2.0, 8.0, 16.0}
    assert len(np.unique(coherence)) > 1


def test_decision_default_phases_fill_the_twenty_second_window():
    task = make_task({"kind": "decision"}, DT, T_MAX)
    stimulus, response = decision_windows(task)
    assert np.flatnonzero(stimulus)[[0, -1]].tolist() == [20, 199]
    assert np.flatnonzero(response)[[0, -1]].tolist() == [220, 399]


def test_decision_steps_after_the_response_are_unscored_and_stimulus_free():
    spec = {"kind": "decision", "noise_std": 0.0}
    task = make_task(spec, DT, 30.0, BATCH)
    batch = jit_sample(task, KEYS[0])
    after = slice(round(20.0 / DT), None)
    for arr in batch:
        np.testing.assert_array_equal(arr[:, after], 0.0)


def test_decision_input_noise_has_the_requested_std():
    task = make_task({"kind": "decision", "noise_std": 0.05}, DT, T_MAX, 64)
    draws = jit_draw(task, KEYS[0])
    clean = jit_build(
        task, {**draws, "input_noise": jnp.zeros_like(draws["input_noise"])}
    )
    noise = np.asarray(jit_build(task, draws).inputs - clean.inputs)
    # the std estimate of n normals has relative standard error 1/sqrt(2n)
    assert noise.std() == pytest.approx(0.05, rel=5 / np.sqrt(2 * noise.size))
    assert abs(noise.mean()) < 5 * 0.05 / np.sqrt(noise.size)


def test_decision_single_coherence_without_noise_is_deterministic():
    spec = {"kind": "decision", "noise_std": 0, "coherences": [8]}
    assert make_task(spec, DT, T_MAX).is_deterministic


# --------------------------------------------------------------------- teacher


@pytest.mark.parametrize("key", KEYS[:2])
def test_teacher_target_is_reduced_erf_rollout_of_teacher_overlaps(key):
    task = make_task({"kind": "teacher"}, DT, T_MAX, BATCH)
    draws = jit_draw(task, key)
    batch = jit_sample(task, key)
    train, _, _ = reference_flipflop(draws["gaps"], draws["signs"], task.steps, DT)
    inputs = 1.5 * np.asarray(draws["input_noise"]) + 2.0 * train
    np.testing.assert_allclose(batch.inputs, inputs, rtol=1e-6, atol=1e-6)

    # zm zu vm vu mu zv mm uu vv zz, the canonical rank-1 order
    sigma = jnp.array([0.5, 2.3, 2.0, 1.5, 1.6, 0.0, 1.8, 2.2, 1.0, 1.0])
    S = gram_from_sigma(sigma, 1)
    np.testing.assert_array_equal(task.teacher_gram(), S)
    y = reduced_rollout(S, batch.inputs, 1, "erf", DT)
    np.testing.assert_allclose(batch.targets, y, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(batch.mask, 1.0)
    assert task.loss_scale == pytest.approx(T_MAX)


def test_teacher_output_ignores_its_invisible_overlaps():
    task = make_task({"kind": "teacher"}, DT, T_MAX, 2)
    inputs = jit_sample(task, KEYS[0]).inputs
    S = task.teacher_gram()
    other = S.at[3, 2].set(0.7).at[2, 3].set(0.7).at[2, 2].set(3.0).at[3, 3].set(5.0)
    np.testing.assert_array_equal(
        reduced_rollout(S, inputs, 1, "erf", DT),
        reduced_rollout(other, inputs, 1, "erf", DT),
    )


def test_teacher_overlaps_are_parameters():
    task = make_task({"kind": "teacher", "zm": -0.5}, DT, T_MAX)
    assert float(task.teacher_gram()[3, 0]) == -0.5


# ---------------------------------------------------------------- bad configs


@pytest.mark.parametrize(
    "spec, t_max, words",
    [
        ({"kind": "flipflop", "s_min": 5, "s_max": 4}, T_MAX, ["s_max", "s_min", "4"]),
        ({"kind": "flipflop", "s_min": -1}, T_MAX, ["s_min", "-1"]),
        ({"kind": "flipflop", "pulse": 0}, T_MAX, ["pulse"]),
        ({"kind": "flipflop", "delay": -2}, T_MAX, ["delay"]),
        ({"kind": "flipflop"}, 2.5, ["delay", "t_max"]),
        ({"kind": "teacher", "s_min": 3, "s_max": 1}, T_MAX, ["s_max"]),
        ({"kind": "teacher", "noise_amp": -1}, T_MAX, ["noise_amp"]),
        ({"kind": "decision", "coherences": []}, T_MAX, ["coherences", "non-empty"]),
        ({"kind": "decision", "coherences": 16}, T_MAX, ["coherences", "list"]),
        ({"kind": "decision", "stimulus": 0}, T_MAX, ["stimulus"]),
        ({"kind": "decision", "fixation": -1}, T_MAX, ["fixation"]),
        ({"kind": "decision", "noise_std": -0.1}, T_MAX, ["noise_std"]),
        ({"kind": "decision"}, 15.0, ["response", "t_max", "15"]),
        ({"kind": "filter", "c_star": "fast"}, T_MAX, ["c_star", "fast"]),
        ({"kind": "filter", "c_tsar": 0.2}, T_MAX, ["c_tsar", "c_star"]),
        ({"kind": "filter", "target_noise": -0.1}, T_MAX, ["target_noise"]),
        ({"kind": "flip-flop"}, T_MAX, ["kind", "flip-flop", "flipflop"]),
        ({"c_star": 0.2}, T_MAX, ["kind"]),
    ],
)
def test_bad_params_raise_naming_the_key_and_value(spec, t_max, words):
    with pytest.raises(ValueError) as err:
        make_task(spec, DT, t_max)
    for word in words:
        assert word in str(err.value)


def test_t_max_not_a_multiple_of_dt_raises():
    with pytest.raises(ValueError, match="t_max"):
        make_task({"kind": "filter"}, 0.03, 1.0)
