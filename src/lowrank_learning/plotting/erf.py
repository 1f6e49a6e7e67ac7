"""Figures of the nonlinear study: 4a-c (erf flip-flop), 8 (optimisers),
11 (metric structure) and S1 (finite-N check)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import analysis
from . import style

VECTORS = ("m", "u", "v", "z")
VECTOR_COLORS = dict(
    zip(VECTORS, ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"), strict=True)
)


def _trial_panel(ax, train, reduced, probe, reduced_label):
    t = train["time"].values
    ax.plot(
        t, train["probe_input"].sel(probe=probe), color="0.75", lw=0.8, label="input"
    )
    ax.plot(
        t,
        train["probe_target"].sel(probe=probe),
        color="#ff7f0e",
        lw=2.0,
        label="target",
    )
    full = train["probe_output_final"].sel(probe=probe).values
    ax.plot(t, full, color=style.SIMULATION, lw=1.0, label="full network")
    ax.plot(
        t,
        reduced,
        color=style.THEORY["first_order"],
        ls="--",
        lw=1.0,
        label=reduced_label,
    )
    gap = np.abs(full - reduced).max()
    ax.set(xlabel="time (s)", ylabel="signal")
    ax.text(
        0.99,
        0.02,
        f"max |full - reduced| = {gap:.3f}",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=6,
    )
    return gap


def _final_vectors(train):
    X = train["X"].isel(epoch_saved=-1)
    return {v: X.sel(vector=v).values for v in VECTORS}


def _histogram(ax, x, name, r, threshold):
    ax.hist(x, bins=40, density=True, color=VECTOR_COLORS[name], alpha=0.7)
    grid = np.linspace(x.min(), x.max(), 200)
    mu, sd = x.mean(), x.std()
    ax.plot(
        grid,
        np.exp(-0.5 * ((grid - mu) / sd) ** 2) / (sd * np.sqrt(2 * np.pi)),
        color="k",
        lw=0.8,
    )
    flag = "" if r >= threshold else "  (< 1% threshold)"
    ax.set_title(f"{name}: r = {r:.4f}{flag}", fontsize=7)
    ax.set_yticks([])


def erf_flipflop(train, overlaps, theory):
    """Figure 4a-c: trial, loss of three descents, Gaussianity of the vectors."""
    style.use_style()
    fig = plt.figure(figsize=(10, 7.2), layout="constrained")
    grid = fig.add_gridspec(3, 4, height_ratios=[1.2, 1, 1])
    ax_a = fig.add_subplot(grid[0, :3])
    ax_b = fig.add_subplot(grid[0, 3])
    probe = str(train["probe"].values[0])
    reduced = theory["probe_output_final"].sel(
        {"method": "first_order", "probe": probe}
    )
    _trial_panel(ax_a, train, reduced.values, probe, "reduced network (theory)")
    ax_a.set_title(
        f"{train['time'].values[-1] + train['time'].values[1]:.0f} s trial "
        "after learning"
    )
    ax_a.legend(ncol=4, loc="upper left", fontsize=6)

    ep = overlaps["epoch"].values + 1
    ax_b.plot(
        ep,
        overlaps["loss"],
        color=style.SIMULATION,
        lw=0.8,
        label=r"$\theta$-space (full)",
    )
    for method, label in (
        ("first_order", r"$\sigma$ via $G(\theta)$"),
        ("direct", r"$\sigma$ directly"),
    ):
        if method in theory["method"].values:
            ax_b.plot(
                ep,
                theory["loss"].sel({"method": method}),
                lw=0.8,
                ls="--",
                color=style.THEORY[method],
                label=label,
            )
    ax_b.set(yscale="log", xlabel="epoch", ylabel="loss (batch of the epoch)")
    ax_b.legend(fontsize=6)

    vectors = _final_vectors(train)
    r_final = overlaps["qq_r"].isel(epoch_saved=-1)
    threshold = float(overlaps["qq_threshold"])
    axes_c = []
    for i, name in enumerate(VECTORS):
        ax_h = fig.add_subplot(grid[1, i])
        _histogram(
            ax_h, vectors[name], name, float(r_final.sel(vector=name)), threshold
        )
        ax_q = fig.add_subplot(grid[2, i])
        q, x = analysis.qq_points(vectors[name])
        ax_q.plot(q, x, ".", ms=2, color=VECTOR_COLORS[name])
        ax_q.plot(q, q, color="k", lw=0.8)
        ax_q.set(xlabel="normal quantile", ylabel="standardised entry")
        axes_c.append(ax_h)
    fig.suptitle(
        f"erf flip-flop, N = {overlaps.attrs['N']}; Q-Q r threshold "
        f"(1st percentile for N normals) = {threshold:.4f}",
        fontsize=8,
    )
    style.panel_letters([ax_a, ax_b, axes_c[0]])
    return fig


def optimisers(runs):
    """Figure 8: per optimiser, a long trial (full vs reduced) and histograms.

    Args:
        runs: list of (label, train dataset, overlaps dataset).
    """
    style.use_style()
    fig = plt.figure(figsize=(11, 2.3 * len(runs)), layout="constrained")
    grid = fig.add_gridspec(len(runs), 6)
    first = []
    for row, (label, train, overlaps) in enumerate(runs):
        ax = fig.add_subplot(grid[row, :2])
        probe = str(train["probe"].values[0])
        reduced = overlaps["probe_output_reduced"].sel(probe=probe).values
        _trial_panel(ax, train, reduced, probe, "reduced, final overlaps")
        ax.set_title(f"{label}: final loss {float(overlaps['loss'][-1]):.3g}")
        if row == 0:
            ax.legend(ncol=2, fontsize=6, loc="upper left")
        first.append(ax)
        vectors = _final_vectors(train)
        r_final = overlaps["qq_r"].isel(epoch_saved=-1)
        threshold = float(overlaps["qq_threshold"])
        for i, name in enumerate(VECTORS):
            ax_h = fig.add_subplot(grid[row, 2 + i])
            _histogram(
                ax_h, vectors[name], name, float(r_final.sel(vector=name)), threshold
            )
    style.panel_letters(first)
    return fig


def metric_structure(metric):
    """Figure 11: the effective metric Gbar for linear and erf networks."""
    style.use_style()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
    labels = list(metric["row"].values)
    for ax, act in zip(axes, metric["activation"].values, strict=True):
        # visible overlaps first, so that rows and columns split into blocks
        vis_all = metric["visible"].sel(activation=act).values.astype(bool)
        order = np.concatenate([np.flatnonzero(vis_all), np.flatnonzero(~vis_all)])
        G = metric["effective_metric"].sel(activation=act).values[np.ix_(order, order)]
        zero = metric["structural_zero"].sel(activation=act).values.astype(bool)
        zero = zero[np.ix_(order, order)]
        vis = vis_all[order]
        names = [labels[k] for k in order]
        shown = np.where(zero, np.nan, G)
        lim = np.nanmax(np.abs(shown))
        im = ax.imshow(shown, cmap="RdBu_r", vmin=-lim, vmax=lim)
        for i in range(len(labels)):
            for j in range(len(labels)):
                text = "0" if zero[i, j] else f"{G[i, j]:.2f}"
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=5,
                    color="0.6" if zero[i, j] else "k",
                )
        ticks = [style.overlap_tex(lab) for lab in names]
        ax.set_xticks(range(len(names)), ticks, rotation=90)
        ax.set_yticks(range(len(names)), ticks)
        for tick_set in (ax.get_xticklabels(), ax.get_yticklabels()):
            for tick, v in zip(tick_set, vis, strict=True):
                tick.set_color("#1f77b4" if v else "#d62728")
        n_vis = int(vis.sum())
        ax.axvline(n_vis - 0.5, color="k", lw=0.8)
        ax.axhline(n_vis - 0.5, color="k", lw=0.8)
        ax.set(
            xlabel=r"gradient $\partial L/\partial\sigma$ (blue: visible, red: "
            "invisible)",
            ylabel=r"velocity $\dot\sigma$",
        )
        ax.set_title(
            f"{act}: {int((~zero).sum())} non-zero entries, {n_vis} visible columns"
        )
        fig.colorbar(im, ax=ax, shrink=0.7)
    style.panel_letters(axes)
    return fig


def finite_size(summary):
    """Figure S1: simulation-theory overlap gap against N, log-log, fitted slope."""
    style.use_style()
    fig, ax = plt.subplots(figsize=(3.6, 2.8), layout="constrained")
    N = summary["N"].values
    gap = summary["overlap_gap"].values
    for s in range(gap.shape[1]):
        ax.plot(
            N,
            gap[:, s],
            "o",
            color="0.5",
            ms=3,
            label="runs (seeds)" if s == 0 else None,
        )
    ax.plot(N, np.median(gap, axis=1), color="k", label="median over seeds")
    slope, intercept = summary.attrs["slope"], summary.attrs["intercept"]
    ax.plot(
        N,
        np.exp(intercept) * N**slope,
        color="#d62728",
        ls="--",
        label=f"fit to medians: slope {slope:.2f}",
    )
    ref = np.median(gap, axis=1)[0] * (N / N[0]) ** -0.5
    ax.plot(N, ref, color="#1f77b4", ls=":", label="slope -1/2")
    ax.set_xscale("log")
    ax.set_xticks(N, [str(n) for n in N])
    ax.minorticks_off()
    ax.set(
        yscale="log",
        xlabel="N",
        ylabel=r"max $|\sigma_{sim} - \sigma_{theory}|$ (visible)",
    )
    ax.set_title(
        f"finite-N gap, theory: {summary.attrs['method']} (all-runs slope "
        f"{summary.attrs['slope_all_runs']:.2f})"
    )
    ax.legend(fontsize=6)
    return fig
