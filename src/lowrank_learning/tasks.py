"""Tasks of the study (STUDY.md section 5) as seeded, batched trial generators.

A task is a frozen (hashable) dataclass, so it can be a static argument of a
jitted function. ``task.sample(key)`` returns a ``Batch`` of inputs, targets
and mask, a pure function of the key: the simulation and the theory call it
with the same key per epoch, so they see the same trials.

Sampling has two phases: ``task.draw(key)`` draws every random number of a
batch (pulse gaps and signs, coherences, white noise) as arrays, and
``task.build(draws)`` turns them into the traces without further randomness.
``sample(key) = build(draw(key))``; the split lets tests check the builders
against independent reference implementations fed the same draws.

Kinds and their parameters (defaults in ``DEFAULT_PARAMS``; every time in s):

- ``filter``: impulse in, y*(t) = a_star exp(-c_star t).
- ``oscillation``: impulse in, y*(t) = amplitude exp(-decay t) cos(frequency t).
- ``flipflop``: a +-input_amp pulse train; target_amp times the sign of the
  latest pulse, scored only on the hold periods (see ``pulse_trains``).
- ``decision``: fixation, stimulus (coherence * 3.2/100 plus white noise),
  delay, response (target coherence / 16, the only scored period).
- ``teacher`` (task C): white noise plus a flip-flop pulse train in, target
  the output of a fixed erf reduced network (the teacher).

Event times are rounded to the nearest step of the time grid, step t being
time t dt; a phase of duration d covers round(d / dt) steps.

Loss convention, shared by every task:

    L = loss_scale * sum(mask * (y - target)^2) / sum(mask)

With an all-ones mask and ``loss_scale = T dt`` this is the study's
dt * sum_t (y[t] - y*(t dt))^2, averaged over trials (filter, oscillation,
teacher). Flip-flop and decision use the plain masked MSE (loss_scale 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

TASK_KINDS = ("filter", "oscillation", "flipflop", "decision", "teacher")

# Timing of a flip-flop pulse train (s), shared by the flip-flop and teacher.
_PULSE_TIMING = {
    "first_pulse": 0.5,
    "pulse": 0.5,
    "delay": 2.0,
    "s_min": 4.0,
    "s_max": 10.0,
}

# Loss-visible overlaps of the teacher of task C (erf, rank 1).
_TEACHER_OVERLAPS = {
    "zm": 0.5,
    "zu": 2.3,
    "vm": 2.0,
    "vu": 1.5,
    "mu": 1.6,
    "mm": 1.8,
    "uu": 2.2,
}

DEFAULT_PARAMS: dict[str, dict[str, float | tuple[float, ...]]] = {
    "filter": {"a_star": 1.0, "c_star": 0.2},
    "oscillation": {"amplitude": 1.0, "decay": 0.3, "frequency": 2.0},
    "flipflop": {**_PULSE_TIMING, "input_amp": 1.0, "target_amp": 0.5},
    "decision": {
        "fixation": 1.0,
        "stimulus": 9.0,
        "delay": 1.0,
        "response": 9.0,
        "coherences": (-16.0, -8.0, -2.0, 2.0, 8.0, 16.0),
        "noise_std": 0.05,
    },
    "teacher": {
        **_TEACHER_OVERLAPS,
        **_PULSE_TIMING,
        "noise_amp": 1.5,
        "pulse_amp": 2.0,
    },
}
"""Every parameter of every kind with its default; a config may omit any."""

DECISION_INPUT_GAIN = 3.2 / 100
"""Stimulus input per unit of coherence (decision task)."""

DECISION_TARGET_SCALE = 16.0
"""Coherence giving a unit response target (decision task)."""


class Batch(NamedTuple):
    """One batch of trials; every array is (B, T)."""

    inputs: Float[Array, "B T"]
    targets: Float[Array, "B T"]
    mask: Float[Array, "B T"]


def n_steps(t_max: float, dt: float) -> int:
    """T = t_max / dt, which must be a whole number of steps.

    Raises:
        ValueError: if t_max is not a multiple of dt.
    """
    steps = round(t_max / dt)
    if steps < 1 or abs(steps * dt - t_max) > 1e-9 * max(1.0, t_max):
        raise ValueError(
            f"t_max = {t_max} is not a whole number of steps of dt = {dt}; "
            "choose t_max as a multiple of dt"
        )
    return steps


def duration_steps(duration: float, dt: float) -> int:
    """Steps covered by a duration: round(duration / dt)."""
    return round(duration / dt)


def max_pulses(
    steps: int, dt: float, first_pulse: float, pulse: float, delay: float, s_min: float
) -> int:
    """Number of pulses K to draw so that the last one starts at or after step T.

    Pulse k starts no earlier than first_pulse + k (pulse + delay + s_min);
    one step per gap is subtracted from this cycle to cover the rounding of
    the gaps to the grid. ``first_pulse`` only delays the train, so it is
    left out of the bound.

    Args:
        steps: T, steps per trial.
        dt: time step (s).
        first_pulse, pulse, delay, s_min: the flip-flop timing (s).

    Returns:
        ceil(T / cycle) + 1, cycle in steps (at least 1): static, for jit.
    """
    cycle = (
        duration_steps(pulse, dt)
        + duration_steps(delay, dt)
        + max(duration_steps(s_min, dt) - 1, 0)
    )
    return math.ceil(steps / max(cycle, 1)) + 1


def draw_pulses(key: Array, batch: int, n_pulses: int, s_min: float, s_max: float):
    """The random numbers of a flip-flop pulse train.

    Args:
        key: PRNG key.
        batch, n_pulses: B trials of K pulses each.
        s_min, s_max: range of the gap (s) from a delay end to the next pulse.

    Returns:
        gaps (B, K - 1), gap k separating pulse k from pulse k + 1, uniform in
        [s_min, s_max); signs (B, K), +-1 with equal probability.
    """
    k_gap, k_sign = jax.random.split(key)
    gaps = jax.random.uniform(k_gap, (batch, n_pulses - 1), minval=s_min, maxval=s_max)
    signs = jnp.where(jax.random.bernoulli(k_sign, 0.5, (batch, n_pulses)), 1.0, -1.0)
    return gaps, signs


def pulse_trains(
    gaps: Float[Array, "B G"],
    signs: Float[Array, "B K"],
    steps: int,
    dt: float,
    first_pulse: float = 0.5,
    pulse: float = 0.5,
    delay: float = 2.0,
):
    """Flip-flop traces built from drawn gaps and signs, without randomness.

    Pulse 0 starts at first_pulse; pulse k + 1 starts gaps[k] after the delay
    end of pulse k. Pulse k covers [start_k, start_k + pulse) with value
    signs[k]; its delay end is start_k + pulse + delay. In steps (each time
    rounded to the grid, see ``duration_steps``):

        pulse_k(t)  = signs[k]  if start_k <= t < start_k + P
        hold_k(t)   = 1         if start_k + P + D <= t < start_{k+1}
        latest(t)   = signs[k]  for the last k with start_k <= t (0 before)

    The last hold runs to the trial end. Pulses starting at or after T are
    ignored, so K must only be large enough (``max_pulses``). Vectorised: the
    (B, K, T) comparisons replace any loop over time.

    Args:
        gaps: (B, K - 1) gaps (s) from each delay end to the next pulse start.
        signs: (B, K) the sign, +-1, of every pulse.
        steps: T, steps per trial (static).
        dt: time step (s).
        first_pulse, pulse, delay: start of the first pulse, pulse duration and
            delay duration (s).

    Returns:
        train (B, T): the +-1 pulses, 0 between them.
        latest (B, T): sign of the latest pulse started, 0 before the first.
        hold (B, T): 1 on the hold periods, 0 elsewhere.
    """
    batch = signs.shape[0]
    width = duration_steps(pulse, dt)
    wait = duration_steps(delay, dt)

    # start step of every pulse, by cumulative sum of the inter-pulse cycles
    gap_steps = jnp.round(gaps / dt).astype(jnp.int32)
    offsets = jnp.cumsum(width + wait + gap_steps, axis=1)
    zero = jnp.zeros((batch, 1), dtype=jnp.int32)
    starts = duration_steps(first_pulse, dt) + jnp.concatenate([zero, offsets], 1)
    hold_end = jnp.concatenate([starts[:, 1:], zero + steps], axis=1)

    # compare a time grid (1, 1, T) against the intervals (B, K, 1)
    t = jnp.arange(steps, dtype=jnp.int32)[None, None, :]
    begin = starts[..., None]
    in_pulse = (t >= begin) & (t < begin + width)
    in_hold = (t >= begin + width + wait) & (t < hold_end[..., None])
    train = jnp.sum(jnp.where(in_pulse, signs[..., None], 0.0), axis=1)
    hold = jnp.any(in_hold, axis=1).astype(train.dtype)

    # the latest pulse started is the (count - 1)-th
    started = jnp.sum(t >= begin, axis=1)
    last = jnp.take_along_axis(signs, jnp.maximum(started - 1, 0), axis=1)
    latest = jnp.where(started > 0, last, 0.0)
    return train, latest, hold


@dataclass(frozen=True)
class Task:
    """A task: its kind, time grid, batch size and parameters.

    Attributes:
        kind: one of ``TASK_KINDS``.
        dt, t_max: time step and window; T = t_max / dt.
        batch: trials per epoch.
        params: the kind's parameters as sorted (name, value) pairs, values
            floats or tuples of floats (``decision.coherences``), see
            ``DEFAULT_PARAMS``; missing ones take their default.
        target_noise: std of Gaussian noise added to the target afresh for
            every trial and epoch (0 for none).
    """

    kind: str
    dt: float
    t_max: float
    batch: int = 1
    params: tuple = ()
    target_noise: float = 0.0

    @property
    def steps(self) -> int:
        """T, the number of steps of a trial."""
        return n_steps(self.t_max, self.dt)

    @property
    def param(self) -> dict:
        """Parameters by name, defaults filled in."""
        return {**DEFAULT_PARAMS.get(self.kind, {}), **dict(self.params)}

    @property
    def loss_scale(self) -> float:
        """Factor in front of the masked mean squared error.

        T dt for filter, oscillation and teacher (dt times the sum over steps);
        1 for flip-flop and decision (masked MSE).
        """
        if self.kind in ("flipflop", "decision"):
            return 1.0
        return self.steps * self.dt

    @property
    def is_deterministic(self) -> bool:
        """True when every epoch sees the same trials (target noise aside).

        Flip-flop and teacher trials are always random; decision trials are
        fixed only without input noise and with a single coherence.
        """
        if self.kind in ("filter", "oscillation"):
            return True
        if self.kind == "decision":
            p = self.param
            return p["noise_std"] == 0 and len(set(p["coherences"])) == 1
        return False

    @property
    def n_pulses(self) -> int:
        """Pulses drawn per flip-flop or teacher trial (see ``max_pulses``)."""
        p = self.param
        return max_pulses(
            self.steps, self.dt, p["first_pulse"], p["pulse"], p["delay"], p["s_min"]
        )

    def impulse_target(self) -> Float[Array, " T"]:
        """Target impulse response y*(t dt), t = 0..T-1.

        Raises:
            ValueError: for a kind that is not driven by an impulse.
        """
        t = jnp.arange(self.steps, dtype=float) * self.dt
        p = self.param
        if self.kind == "filter":
            return p["a_star"] * jnp.exp(-p["c_star"] * t)
        if self.kind == "oscillation":
            return (
                p["amplitude"] * jnp.exp(-p["decay"] * t) * jnp.cos(p["frequency"] * t)
            )
        raise ValueError(
            "impulse_target exists for the kinds 'filter' and 'oscillation' only, "
            f"got {self.kind!r}; use sample() for the other tasks"
        )

    def impulse_inputs(self) -> Float[Array, " T"]:
        """x[0] = 1/dt, x[t > 0] = 0: a unit-area impulse."""
        return jnp.zeros(self.steps).at[0].set(1.0 / self.dt)

    def filter_response(self, inputs: Float[Array, "B T"]) -> Float[Array, "B T"]:
        """Target for arbitrary inputs: the input filtered by the target kernel.

        y*[t] = dt * sum_{s <= t} kernel[t - s] x[s], the discrete convolution
        whose response to ``impulse_inputs`` is exactly ``impulse_target``.
        """
        kernel = self.impulse_target()
        conv = jax.vmap(lambda x: jnp.convolve(x, kernel)[: self.steps])
        return self.dt * conv(inputs)

    def teacher_gram(self) -> Float[Array, "4 4"]:
        """Overlap matrix S of the task C teacher (rank 1, erf).

        The loss-visible overlaps are the parameters; the invisible ones do
        not change the teacher's output and are set to zv = 0, vv = zz = 1.
        The matrix need not be positive semi-definite: the reduced network
        reads only its visible entries.
        """
        from .overlaps import gram_from_sigma, overlap_labels

        fixed = {"zv": 0.0, "vv": 1.0, "zz": 1.0}
        values = {**fixed, **{k: self.param[k] for k in _TEACHER_OVERLAPS}}
        sigma = jnp.array([values[name] for name in overlap_labels(1)])
        return gram_from_sigma(sigma, 1)

    def draw(self, key: Array) -> dict[str, Array]:
        """Every random number of one batch, as named arrays.

        filter, oscillation: only the target noise (drawn from ``key`` itself).
        flipflop: gaps (B, K-1) and signs (B, K), see ``draw_pulses``.
        decision: coherence (B,) uniform over the set; input_noise (B, T),
            standard normal.
        teacher: gaps, signs and input_noise (B, T), standard normal.
        Every kind adds target_noise (B, T), standard normal, when
        ``self.target_noise > 0``.
        """
        shape = (self.batch, self.steps)
        p = self.param
        if self.kind in ("filter", "oscillation"):
            if self.target_noise > 0:
                return {"target_noise": jax.random.normal(key, shape)}
            return {}

        k_task, k_input, k_target = jax.random.split(key, 3)
        out = {}
        if self.kind in ("flipflop", "teacher"):
            out["gaps"], out["signs"] = draw_pulses(
                k_task, self.batch, self.n_pulses, p["s_min"], p["s_max"]
            )
        if self.kind == "decision":
            choices = jnp.asarray(p["coherences"])
            out["coherence"] = jax.random.choice(k_task, choices, (self.batch,))
        if self.kind in ("decision", "teacher"):
            out["input_noise"] = jax.random.normal(k_input, shape)
        if self.target_noise > 0:
            out["target_noise"] = jax.random.normal(k_target, shape)
        return out

    def build(self, draws: dict[str, Array]) -> Batch:
        """The batch of trials made from ``draws`` (see ``draw``), deterministic.

        Raises:
            ValueError: for an unknown kind.
        """
        if self.kind in ("filter", "oscillation"):
            batch = self._build_impulse()
        elif self.kind == "flipflop":
            batch = self._build_flipflop(draws)
        elif self.kind == "decision":
            batch = self._build_decision(draws)
        elif self.kind == "teacher":
            batch = self._build_teacher(draws)
        else:
            raise ValueError(
                f"task kind must be one of {TASK_KINDS}, got {self.kind!r}"
            )
        if self.target_noise > 0:
            noisy = batch.targets + self.target_noise * draws["target_noise"]
            batch = batch._replace(targets=noisy)
        return batch

    def sample(self, key: Array) -> Batch:
        """A batch of trials, a pure function of ``key``: build(draw(key))."""
        return self.build(self.draw(key))

    def _build_impulse(self) -> Batch:
        shape = (self.batch, self.steps)
        inputs = jnp.broadcast_to(self.impulse_inputs(), shape)
        targets = jnp.broadcast_to(self.impulse_target(), shape)
        return Batch(inputs, targets, jnp.ones(shape))

    def _pulse_trains(self, draws: dict[str, Array]):
        p = self.param
        return pulse_trains(
            draws["gaps"],
            draws["signs"],
            self.steps,
            self.dt,
            p["first_pulse"],
            p["pulse"],
            p["delay"],
        )

    def _build_flipflop(self, draws: dict[str, Array]) -> Batch:
        """x = input_amp * train, y* = target_amp * latest, mask = hold."""
        p = self.param
        train, latest, hold = self._pulse_trains(draws)
        return Batch(p["input_amp"] * train, p["target_amp"] * latest, hold)

    def _phase_windows(self) -> tuple[Array, Array]:
        """Boolean (T,) windows of the decision stimulus and response."""
        p = self.param
        bounds = [0]
        for name in ("fixation", "stimulus", "delay", "response"):
            bounds.append(bounds[-1] + duration_steps(p[name], self.dt))
        t = jnp.arange(self.steps)
        stimulus = (t >= bounds[1]) & (t < bounds[2])
        response = (t >= bounds[3]) & (t < bounds[4])
        return stimulus, response

    def _build_decision(self, draws: dict[str, Array]) -> Batch:
        """x = c 3.2/100 during the stimulus + noise_std xi; y* = c / 16 in response.

        Steps after the response (when the phases are shorter than t_max) have
        no stimulus, zero target and zero mask; the input noise runs on.
        """
        stimulus, response = self._phase_windows()
        coherence = draws["coherence"][:, None]
        signal = jnp.where(stimulus, DECISION_INPUT_GAIN * coherence, 0.0)
        inputs = signal + self.param["noise_std"] * draws["input_noise"]
        targets = jnp.where(response, coherence / DECISION_TARGET_SCALE, 0.0)
        mask = jnp.broadcast_to(response, inputs.shape).astype(inputs.dtype)
        return Batch(inputs, targets, mask)

    def _build_teacher(self, draws: dict[str, Array]) -> Batch:
        """x = noise_amp xi + pulse_amp train; y* = teacher's reduced erf output."""
        from .overlaps import reduced_rollout

        p = self.param
        train, _, _ = self._pulse_trains(draws)
        inputs = p["noise_amp"] * draws["input_noise"] + p["pulse_amp"] * train
        targets = reduced_rollout(self.teacher_gram(), inputs, 1, "erf", self.dt)
        return Batch(inputs, targets, jnp.ones_like(inputs))

    def without_noise(self) -> Task:
        """The same task with target noise removed (its expected gradient is equal)."""
        return Task(self.kind, self.dt, self.t_max, self.batch, self.params, 0.0)


def task_loss(y: Float[Array, "B T"], batch: Batch, loss_scale: float) -> Array:
    """L = loss_scale * sum(mask (y - target)^2) / sum(mask)."""
    err = batch.mask * (y - batch.targets) ** 2
    return loss_scale * jnp.sum(err) / jnp.sum(batch.mask)


def _param_value(kind: str, name: str, value, default):
    """A config value as a float, or a tuple of floats where a list is due."""
    where = f"task parameter {kind}.{name}"
    if isinstance(default, tuple):
        if isinstance(value, str) or not hasattr(value, "__iter__"):
            raise ValueError(
                f"{where} must be a list of numbers, got {value!r}; "
                f"write it as a list such as {list(default)}"
            )
        try:
            return tuple(float(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(
                f"{where} must be a list of numbers, got {value!r}"
            ) from None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where} must be a number, got {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"{where} must be finite, got {value!r}")
    return out


def _check(kind: str, name: str, ok: bool, value, need: str) -> None:
    if not ok:
        raise ValueError(
            f"task parameter {kind}.{name} must be {need}, got {value!r}; "
            f"fix '{name}' in this task's config entry"
        )


def _check_pulse_timing(kind: str, p: dict, dt: float, t_max: float) -> None:
    """Flip-flop timing: ordered gap range, a pulse of >= 1 step, a hold period."""
    _check(kind, "s_min", p["s_min"] >= 0, p["s_min"], ">= 0")
    _check(
        kind,
        "s_max",
        p["s_max"] >= p["s_min"],
        p["s_max"],
        f">= s_min = {p['s_min']} (swap them if reversed)",
    )
    _check(kind, "first_pulse", p["first_pulse"] >= 0, p["first_pulse"], ">= 0")
    _check(kind, "delay", p["delay"] >= 0, p["delay"], ">= 0")
    _check(
        kind,
        "pulse",
        duration_steps(p["pulse"], dt) >= 1,
        p["pulse"],
        f"at least one step of dt = {dt} long",
    )
    first_hold = p["first_pulse"] + p["pulse"] + p["delay"]
    _check(
        kind,
        "delay",
        kind == "teacher" or first_hold < t_max,
        p["delay"],
        f"short enough that first_pulse + pulse + delay = {first_hold} < "
        f"t_max = {t_max}, or the mask is empty (or raise t_max)",
    )


def _check_decision(p: dict, dt: float, t_max: float) -> None:
    """Decision timing fits in t_max, durations are valid, the set is not empty."""
    for name in ("stimulus", "response"):
        _check("decision", name, duration_steps(p[name], dt) >= 1, p[name], "> 0")
    for name in ("fixation", "delay"):
        _check("decision", name, p[name] >= 0, p[name], ">= 0")
    _check("decision", "noise_std", p["noise_std"] >= 0, p["noise_std"], ">= 0")
    _check(
        "decision",
        "coherences",
        len(p["coherences"]) > 0,
        list(p["coherences"]),
        "a non-empty list such as [-16, -8, -2, 2, 8, 16]",
    )
    total = p["fixation"] + p["stimulus"] + p["delay"] + p["response"]
    if total > t_max + 1e-9 * max(1.0, t_max):
        raise ValueError(
            f"task decision: fixation + stimulus + delay + response = {total} s "
            f"(fixation {p['fixation']}, stimulus {p['stimulus']}, delay "
            f"{p['delay']}, response {p['response']}) exceeds t_max = {t_max}; "
            "shorten the phases or raise the experiment's t_max"
        )


def _check_params(kind: str, p: dict, dt: float, t_max: float) -> None:
    """Raise ValueError naming the parameter, its value and the fix."""
    if kind in ("flipflop", "teacher"):
        _check_pulse_timing(kind, p, dt, t_max)
    if kind == "decision":
        _check_decision(p, dt, t_max)
    if kind == "teacher":
        _check(kind, "noise_amp", p["noise_amp"] >= 0, p["noise_amp"], ">= 0")


def make_task(spec: dict, dt: float, t_max: float, batch: int = 1) -> Task:
    """Build a Task from its config entry, e.g. ``{kind: filter, c_star: 0.2}``.

    Parameters the entry omits take their value from ``DEFAULT_PARAMS``;
    lists (``decision.coherences``) become tuples, so the task stays hashable.

    Raises:
        ValueError: for a missing or unknown kind, an unknown parameter, or a
            parameter out of range, naming the key, its value and the fix.
    """
    spec = dict(spec)
    if "kind" not in spec:
        raise ValueError(
            f"a task entry needs a 'kind' (one of {TASK_KINDS}), got {spec!r}"
        )
    kind = spec.pop("kind")
    if kind not in TASK_KINDS:
        raise ValueError(
            f"task kind must be one of {TASK_KINDS}, got {kind!r}; fix the "
            "'kind' of this entry under the experiment's tasks"
        )
    noise = float(spec.pop("target_noise", 0.0))
    _check(kind, "target_noise", noise >= 0, noise, ">= 0")

    defaults = DEFAULT_PARAMS[kind]
    unknown = sorted(set(spec) - set(defaults))
    if unknown:
        raise ValueError(
            f"task kind {kind!r} has no parameter {unknown[0]!r}; accepted: "
            f"{sorted(defaults)} (and target_noise)"
        )
    values = {
        name: _param_value(kind, name, spec.get(name, default), default)
        for name, default in defaults.items()
    }
    n_steps(float(t_max), float(dt))
    _check_params(kind, values, float(dt), float(t_max))
    params = tuple(sorted(values.items()))
    return Task(kind, float(dt), float(t_max), int(batch), params, noise)
