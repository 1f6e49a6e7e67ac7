"""Timing of the twins study (E6): overlap-space epochs of 1, 10 and 20 networks.

Run:  python benchmarks/twins_study.py [--float64] [--batch 128] [--repeat 3]

Every number is wall-clock time after compilation (one discarded call of each
shape), the best of ``--repeat`` runs, at the paper's trial shape (dt 0.05,
t_max 20: 400 steps) unless overridden. For each network count it reports

- epochs/s of the real training chunk (``twins._train_chunk``) in phase A/B
  (half the networks on the flip-flop, half on decision making; for one
  network, the flip-flop alone) and in phase C (teacher);
- where the time of a phase C epoch goes: drawing the trials (the teacher's
  own reduced rollout included), the forward reduced rollout of every
  network, and its gradient (forward + backward, ``theory.sym_gradient``,
  the hand-written rank-1 adjoint);
- the baseline in the same run: the same gradient by autodiff of the
  reduced loss (``theory.autodiff_sym_gradient``) and its cost ratio;
- the projected time of the paper's protocol (30000 + 30000 epochs).
"""

from __future__ import annotations

import argparse
import time


def best_of(fn, repeat, *args):
    """Best wall time of ``repeat`` calls fn(*args) after one discarded warm-up."""
    jax_ready(fn(*args))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        jax_ready(fn(*args))
        times.append(time.perf_counter() - t0)
    return min(times)


def jax_ready(out):
    import jax

    return jax.block_until_ready(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--float64", action="store_true")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=20, help="epochs per timed call")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--networks", type=int, nargs="+", default=[1, 10, 20])
    args = parser.parse_args(argv)

    import jax

    jax.config.update("jax_enable_x64", args.float64)
    import jax.numpy as jnp
    import numpy as np

    from lowrank_learning import config, theory, twins
    from lowrank_learning.overlaps import gram_from_sigma

    cfg = config.load("config/config.yaml")["twins"]
    cfg["batch"] = args.batch
    setup = twins.setup_from_config(cfg)
    tasks = setup.task
    roots = twins.trial_roots(jax.random.PRNGKey(0))
    sigma0, _ = twins.initial_overlaps(jax.random.PRNGKey(1), 10)
    epochs = jnp.arange(args.epochs)

    def chunk(S, tasks_, roots_):
        n, k = S.shape[:2]
        lr = jnp.full((n, k), 1e-3, dtype=S.dtype)
        switch = jnp.full((n, k), -1, dtype=jnp.int32)
        return twins._train_chunk(
            S,
            lr,
            switch,
            epochs,
            roots_,
            0.015,
            5.0,
            tasks=tasks_,
            method="first_order",
        )

    task = tasks["C"]
    sample = jax.jit(task.sample)
    loss = jax.jit(
        jax.vmap(
            lambda s, b: theory.reduced_loss(s, b, task, 1, "erf"), in_axes=(0, None)
        )
    )
    grad = jax.jit(
        jax.vmap(
            lambda s, b: theory.sym_gradient(s, b, task, 1, "erf"), in_axes=(0, None)
        )
    )
    autodiff = jax.jit(
        jax.vmap(
            lambda s, b: theory.autodiff_sym_gradient(s, b, task, 1, "erf"),
            in_axes=(0, None),
        )
    )
    batch = sample(roots["C"])

    dtype = "float64" if args.float64 else "float32"
    print(f"twins epochs, batch {args.batch}, {task.steps} steps, {dtype}")
    header = (
        "| networks | A/B epochs/s | C epochs/s | C: trials ms | C: forward ms "
        "| C: gradient ms | autodiff gradient ms (ratio) | paper protocol (min) |"
    )
    print(header)
    print("|" + "---|" * 8)
    for n in args.networks:
        S = gram_from_sigma(jnp.asarray(sigma0[np.arange(n) % 10]), 1)

        # phase A/B: two task columns when n is even, the flip-flop alone otherwise
        if n % 2 == 0:
            ab = (S.reshape(n // 2, 2, 4, 4), (tasks["A"], tasks["B"]))
            ab += (jnp.stack([roots["A"], roots["B"]]),)
        else:
            ab = (S[:, None], (tasks["A"],), roots["A"][None])
        t_ab = best_of(chunk, args.repeat, *ab)
        t_c = best_of(chunk, args.repeat, S[:, None], (task,), roots["C"][None])

        # one phase C epoch split into its parts
        t_sample = best_of(sample, args.repeat, roots["C"])
        t_fwd = best_of(loss, args.repeat, S, batch)
        t_grad = best_of(grad, args.repeat, S, batch)
        t_auto = best_of(autodiff, args.repeat, S, batch)

        rate_ab, rate_c = args.epochs / t_ab, args.epochs / t_c
        paper = (setup.epochs_ab / rate_ab + setup.epochs_c / rate_c) / 60
        print(
            f"| {n} | {rate_ab:.1f} | {rate_c:.1f} | {1e3 * t_sample:.1f} "
            f"| {1e3 * t_fwd:.1f} | {1e3 * t_grad:.1f} "
            f"| {1e3 * t_auto:.1f} ({t_auto / t_grad:.1f} x) | {paper:.0f} |"
        )


if __name__ == "__main__":
    main()
