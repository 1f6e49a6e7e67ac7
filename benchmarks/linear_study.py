"""Timing of the linear study (E1, E9): simulation, theory and a dense baseline.

Run:  python benchmarks/linear_study.py [--float64] [--out table.md]

Every number is wall-clock time after compilation (the first call of each
shape is made and discarded), the best of ``--repeat`` runs. The baseline is
the way research notebooks write one epoch: a Python loop over time steps
with a dense N x N recurrent matrix and a hand-written backward pass in
NumPy; it is run in the same process so the ratio is fair on a shared,
noisy machine.
"""

from __future__ import annotations

import argparse
import time

from table import emit, peak_memory_row  # benchmarks/table.py


def best_of(fn, repeat):
    """Best wall time of ``repeat`` calls after one warm-up call that compiles."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def dense_numpy_epoch(X, x, target, dt, lr):
    """One GD epoch of a rank-1 linear network written densely, as notebooks do."""
    import numpy as np

    n = X.shape[0]
    m, u, v, z = X.T
    J = np.outer(u, v) / n
    T = x.size
    hs = np.zeros((T + 1, n))
    for t in range(T):
        hs[t + 1] = hs[t] + dt * (-hs[t] + J @ hs[t] + m * x[t])
    y = hs[1:] @ z / n
    err = 2 * dt * (y - target)
    # backward pass through the Euler steps
    grad_J = np.zeros((n, n))
    grad_m = np.zeros(n)
    grad_z = hs[1:].T @ err / n
    lam = np.zeros(n)
    for t in reversed(range(T)):
        lam = lam + err[t] * z / n
        grad_J += dt * np.outer(lam, hs[t])
        grad_m += dt * lam * x[t]
        lam = lam + dt * (-lam + J.T @ lam)
    grad_u = grad_J @ v / n
    grad_v = grad_J.T @ u / n
    G = np.stack([grad_m, grad_u, grad_v, grad_z], axis=1)
    return X - n * lr * G


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--float64", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=None, help="also append the table here")
    args = parser.parse_args(argv)

    import jax

    jax.config.update("jax_enable_x64", args.float64)
    import jax.numpy as jnp
    import numpy as np

    from lowrank_learning import network, protocol, theory, train

    def experiment(rank, epochs):
        task = (
            {"kind": "filter", "a_star": 1.0, "c_star": 0.2}
            if rank == 1
            else {
                "kind": "oscillation",
                "amplitude": 1.0,
                "decay": 0.3,
                "frequency": 2.0,
            }
        )
        exp = {
            "dt": 0.05,
            "t_max": 20.0,
            "batch": 1,
            "lr": 5e-3,
            "tasks": {"A": task},
            "phases": [{"task": "A", "epochs": epochs}],
        }
        return protocol.build_protocol(exp)

    rows = []
    key = jax.random.PRNGKey(0)
    trials = jax.random.PRNGKey(1)

    # one training epoch, measured over a 200-epoch chunk
    X0 = network.init_vectors(key, 500, 1)
    prot200 = experiment(1, 200)
    t = best_of(
        lambda: train.train(X0, prot200, trials, 1, "linear", 10**9), args.repeat
    )
    epoch_sim = t / 200
    rows.append(("E1 training epoch (N=500, 400 steps)", epoch_sim * 1e3, "ms"))

    S0 = np.asarray(X0.T @ X0 / 500)
    t = best_of(
        lambda: theory.run_descent("first_order", S0, prot200, trials, 1, "linear"),
        args.repeat,
    )
    epoch_th = t / 200
    rows.append(("E1 theory epoch (first_order)", epoch_th * 1e3, "ms"))
    rows.append(("simulation / theory cost per epoch", epoch_sim / epoch_th, "x"))

    # dense NumPy baseline epoch
    x = np.zeros(400)
    x[0] = 1 / 0.05
    target = np.exp(-0.2 * 0.05 * np.arange(400))
    Xn = np.asarray(X0, dtype=np.float64)
    t = best_of(lambda: dense_numpy_epoch(Xn, x, target, 0.05, 5e-3), args.repeat)
    rows.append(("baseline: dense N x N NumPy loop epoch", t * 1e3, "ms"))
    rows.append(("baseline / our training epoch", t / epoch_sim, "x"))

    # whole runs, each timed on its second call (the first compiles its shapes)
    prot = experiment(1, 2000)
    t = best_of(lambda: train.train(X0, prot, trials, 1, "linear", 100), 1)
    rows.append(("E1 full training, 2000 epochs", t, "s"))
    for method in theory.METHODS:
        t = best_of(
            lambda m=method: theory.run_descent(m, S0, prot, trials, 1, "linear"), 1
        )
        rows.append((f"E1 theory {method}, 2000 epochs", t, "s"))
    X2 = network.init_vectors(key, 500, 2)
    prot9 = experiment(2, 10000)
    t = best_of(lambda: train.train(X2, prot9, trials, 2, "linear", 1000, chunk=500), 1)
    rows.append(("E9 full training, 10000 epochs", t, "s"))
    S2 = np.asarray(jnp.asarray(X2).T @ X2 / 500)
    t = best_of(
        lambda: theory.run_descent("first_order", S2, prot9, trials, 2, "linear"), 1
    )
    rows.append(("E9 theory first_order, 10000 epochs", t, "s"))
    rows.append(peak_memory_row())
    dtype = "float64" if args.float64 else "float32"
    emit(f"linear study ({dtype}, {jax.devices()[0].platform})", rows, args.out)


if __name__ == "__main__":
    main()
