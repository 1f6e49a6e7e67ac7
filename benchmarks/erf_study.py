"""Timing of the erf study (E5, E7, finite-N check) and simulation/theory ratio.

Run:  python benchmarks/erf_study.py [--epochs 2000] [--out table.md]

Float32, as the pipeline runs these experiments. Times are wall-clock after
compilation (each shape is compiled once by a short warm-up run first).
Whole-experiment times are extrapolated from ``--epochs`` when that is
smaller than the paper's 2000, and marked so.
"""

from __future__ import annotations

import argparse
import time

from table import emit, peak_memory_row  # benchmarks/table.py

PAPER_EPOCHS = 2000


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--epochs",
        type=int,
        default=200,
        help="epochs actually run per measurement (default 200)",
    )
    parser.add_argument("--out", default=None, help="also append the table here")
    args = parser.parse_args(argv)

    import jax
    import numpy as np

    from lowrank_learning import network, overlaps, protocol, theory, train

    def prot(epochs, lr=5e-2, optimizer="gd"):
        exp = {
            "dt": 0.025,
            "t_max": 20.0,
            "batch": 10,
            "lr": lr,
            "tasks": {"F": {"kind": "flipflop"}},
            "phases": [{"task": "F", "epochs": epochs, "optimizer": optimizer}],
        }
        return protocol.build_protocol(exp)

    trials = jax.random.PRNGKey(1)
    rows = []
    scale = PAPER_EPOCHS / args.epochs
    mark = "" if scale == 1 else f" (x{scale:g} extrapolated)"

    X = network.balanced_vectors(jax.random.PRNGKey(0), 600)
    S0 = np.asarray(overlaps.gram(X))
    train.train(X, prot(20), trials, 1, "erf", 10**9, chunk=20)
    t, _ = timed(lambda: train.train(X, prot(args.epochs), trials, 1, "erf", 500))
    epoch_sim = t / args.epochs
    rows.append(
        ("E5 training epoch (N=600, batch 10, 800 steps, erf)", epoch_sim * 1e3, "ms")
    )
    rows.append(
        (f"E5 training, {PAPER_EPOCHS} epochs{mark}", epoch_sim * PAPER_EPOCHS, "s")
    )
    for method in ("first_order", "exact_map", "direct"):
        theory.run_descent(method, S0, prot(20), trials, 1, "erf", chunk=20)
        t, _ = timed(
            lambda m=method: theory.run_descent(
                m, S0, prot(args.epochs), trials, 1, "erf"
            )
        )
        rows.append(
            (f"E5 theory {method}, {PAPER_EPOCHS} epochs{mark}", t * scale, "s")
        )
        if method == "first_order":
            rows.append(
                (
                    "simulation / theory cost per epoch",
                    epoch_sim / (t / args.epochs),
                    "x",
                )
            )

    total = epoch_sim * PAPER_EPOCHS
    train.train(X, prot(20, 5e-3, "adam"), trials, 1, "erf", 10**9, chunk=20)
    t, _ = timed(
        lambda: train.train(X, prot(args.epochs, 5e-3, "adam"), trials, 1, "erf", 500)
    )
    total += 2 * epoch_sim * PAPER_EPOCHS + t * scale
    rows.append(
        (f"E7 training, 3 optimisers x {PAPER_EPOCHS} epochs{mark}", total, "s")
    )

    fs_total = 0.0
    for n in (150, 300, 600, 1200, 2400):
        Xn = network.balanced_vectors(jax.random.PRNGKey(n), n)
        train.train(Xn, prot(10), trials, 1, "erf", 10**9, chunk=10)
        t, _ = timed(
            lambda Xn=Xn: train.train(Xn, prot(50), trials, 1, "erf", 10**9, chunk=50)
        )
        rows.append((f"finite-N epoch, N={n}", t / 50 * 1e3, "ms"))
        fs_total += 3 * 300 * t / 50
    rows.append(
        (
            "finite-N check training, 5 N x 3 seeds x 300 epochs (estimate)",
            fs_total,
            "s",
        )
    )
    rows.append(peak_memory_row())
    emit(f"erf study (float32, {jax.devices()[0].platform})", rows, args.out)


if __name__ == "__main__":
    main()
