"""Tasks of the study (STUDY.md section 5) as seeded, batched trial generators.

A task is a frozen (hashable) dataclass, so it can be a static argument of a
jitted function. ``task.sample(key)`` returns a ``Batch`` of inputs, targets
and mask, a pure function of the key: the simulation and the theory call it
with the same key per epoch, so they see the same trials.

Loss convention, shared by every task:

    L = loss_scale * sum(mask * (y - target)^2) / sum(mask)

With an all-ones mask and ``loss_scale = T dt`` this is the study's
dt * sum_t (y[t] - y*(t dt))^2, averaged over trials.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

TASK_KINDS = ("filter", "oscillation")


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


@dataclass(frozen=True)
class Task:
    """A task: its kind, time grid, batch size and parameters.

    Attributes:
        kind: one of ``TASK_KINDS``.
        dt, t_max: time step and window; T = t_max / dt.
        batch: trials per epoch.
        params: the kind's parameters as sorted (name, value) pairs:
            filter: a_star, c_star; oscillation: amplitude, decay, frequency.
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
        return n_steps(self.t_max, self.dt)

    @property
    def param(self) -> dict:
        return dict(self.params)

    @property
    def loss_scale(self) -> float:
        """Factor in front of the masked mean squared error (T dt here)."""
        return self.steps * self.dt

    @property
    def is_deterministic(self) -> bool:
        """True when every epoch sees the same noise-free trials."""
        return True

    def impulse_target(self) -> Float[Array, " T"]:
        """Target impulse response y*(t dt), t = 0..T-1."""
        t = jnp.arange(self.steps) * self.dt
        p = self.param
        if self.kind == "filter":
            return p["a_star"] * jnp.exp(-p["c_star"] * t)
        if self.kind == "oscillation":
            return p["amplitude"] * jnp.exp(-p["decay"] * t) * jnp.cos(
                p["frequency"] * t
            )
        raise ValueError(f"task kind must be one of {TASK_KINDS}, got {self.kind!r}")

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

    def sample(self, key: Array) -> Batch:
        """A batch of trials, a pure function of ``key``."""
        shape = (self.batch, self.steps)
        inputs = jnp.broadcast_to(self.impulse_inputs(), shape)
        targets = jnp.broadcast_to(self.impulse_target(), shape)
        if self.target_noise > 0:
            targets = targets + self.target_noise * jax.random.normal(key, shape)
        return Batch(inputs, targets, jnp.ones(shape))

    def without_noise(self) -> Task:
        """The same task with target noise removed (its expected gradient is equal)."""
        return Task(self.kind, self.dt, self.t_max, self.batch, self.params, 0.0)


def task_loss(y: Float[Array, "B T"], batch: Batch, loss_scale: float) -> Array:
    """L = loss_scale * sum(mask (y - target)^2) / sum(mask)."""
    err = batch.mask * (y - batch.targets) ** 2
    return loss_scale * jnp.sum(err) / jnp.sum(batch.mask)


def make_task(spec: dict, dt: float, t_max: float, batch: int = 1) -> Task:
    """Build a Task from its config entry, e.g. ``{kind: filter, c_star: 0.2}``.

    Raises:
        ValueError: for an unknown kind, naming the accepted ones.
    """
    spec = dict(spec)
    kind = spec.pop("kind")
    if kind not in TASK_KINDS:
        raise ValueError(
            f"task kind must be one of {TASK_KINDS}, got {kind!r}; fix the "
            "'kind' of this entry under the experiment's tasks"
        )
    noise = float(spec.pop("target_noise", 0.0))
    params = tuple(sorted((k, float(v)) for k, v in spec.items()))
    return Task(kind, float(dt), float(t_max), int(batch), params, noise)
