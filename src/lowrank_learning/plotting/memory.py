"""Figures of the degeneracy and memory study: 2 (E2), 3 and 6 (E3), 7 (E4)."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.ticker import LogLocator, MaxNLocator, NullFormatter

from . import style

NETWORK_COLORS = ("#1f77b4", "#d62728")
NETWORK_LABELS = (r"$\theta_1$", r"$\theta_2$")
VISIBLE_COLOR = "black"
INVISIBLE_COLOR = "#ff7f0e"
TASK_COLORS = {"A": "#8fb9dc", "B": "#f2b48a"}


# ------------------------------------------------------------------ protocol


def protocol_phases(ds) -> list[dict]:
    """Phases of the experiment a stage output came from, with their epochs.

    Returns:
        One dict per phase: task, start, end (state indices), target_noise,
        lr_factor, optimizer.
    """
    exp = json.loads(ds.attrs["config_json"])
    out, start = [], 0
    for ph in exp["phases"]:
        end = start + int(ph["epochs"])
        out.append(
            {
                "task": ph["task"],
                "start": start,
                "end": end,
                "target_noise": float(ph.get("target_noise", 0.0)),
                "lr_factor": float(ph.get("lr_factor", 1.0)),
                "optimizer": ph.get("optimizer", "gd"),
            }
        )
        start = end
    return out


def _phase_label(ph: dict) -> str:
    label = ph["task"]
    if ph["target_noise"] > 0:
        label += f"+noise {ph['target_noise']:g}"
    if ph["lr_factor"] != 1:
        label += rf", {ph['lr_factor']:g}$\times$lr"
    return label


def _task_bar(ax, phases, start):
    for ph in phases:
        lo = max(ph["start"], start)
        if ph["end"] <= lo:
            continue
        color = TASK_COLORS.get(ph["task"], "0.85")
        ax.add_patch(
            Rectangle(
                (lo, 0),
                ph["end"] - lo,
                1,
                facecolor=color,
                edgecolor="white",
                hatch="///" if ph["target_noise"] > 0 else None,
            )
        )
        ax.text(
            (lo + ph["end"]) / 2,
            0.5,
            _phase_label(ph),
            ha="center",
            va="center",
            fontsize=7,
        )
    ax.set(ylim=(0, 1), yticks=[], xlim=(start, phases[-1]["end"]))
    ax.spines[["left", "bottom"]].set_visible(False)
    ax.tick_params(bottom=False, labelbottom=False)


def _boundaries(ax, phases, start):
    for ph in phases[1:]:
        if ph["start"] > start:
            ax.axvline(ph["start"], color="0.6", lw=0.6, ls=":")


def _visibility_color(visible: bool) -> str:
    return VISIBLE_COLOR if visible else INVISIBLE_COLOR


# ------------------------------------------------------------------ figure 2


def _pair_lines(ax, t, pair, ylabel, title):
    for k in range(2):
        ax.plot(
            t,
            pair[k],
            color=NETWORK_COLORS[k],
            ls="-" if k == 0 else "--",
            lw=1.4 if k == 0 else 1.1,
            label=NETWORK_LABELS[k],
        )
    gap = float(np.abs(pair[0] - pair[1]).max())
    ax.set(xlabel="time (s)", ylabel=ylabel, title=title)
    ax.text(
        0.98,
        0.04,
        rf"max $|y_1 - y_2|$ = {gap:.1e}",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=7,
    )
    ax.legend(loc="upper right", ncol=2)


def degeneracy(probe, overlaps_pair, theory_pair, shown_steps: int = 200):
    """Figure 2 b-g: two networks with equal visible and different invisible
    overlaps; identical output before learning (also under state noise),
    different output after learning.

    Args:
        probe: ``data/probes/degeneracy.nc``.
        overlaps_pair: the two ``data/overlaps/{exp}.nc`` (theta1, theta2).
        theory_pair: the two ``data/theory/{exp}.nc``.
        shown_steps: the first this many probe steps are drawn.
    """
    style.use_style()
    fig = plt.figure(figsize=(10.5, 5.8), layout="constrained")
    grid = fig.add_gridspec(2, 3)
    sub_c = grid[0, 1].subgridspec(2, 1, height_ratios=[2.2, 1])
    ax = [
        fig.add_subplot(grid[0, 0]),
        fig.add_subplot(sub_c[0]),
        fig.add_subplot(grid[0, 2]),
        fig.add_subplot(grid[1, 0]),
        fig.add_subplot(grid[1, 1]),
        fig.add_subplot(grid[1, 2]),
    ]
    ax_diff = fig.add_subplot(sub_c[1], sharex=ax[1])
    sl = slice(0, shown_steps)
    t = probe["time"].values[sl]

    # (b) the 10 initial overlaps of both networks
    labels = [str(v) for v in overlaps_pair[0]["overlap"].values]
    vis = overlaps_pair[0]["visible"].values.astype(bool)
    x = np.arange(len(labels))
    for k, ov in enumerate(overlaps_pair):
        ax[0].bar(
            x + (k - 0.5) * 0.38,
            ov["sigma"].isel(epoch=0).values,
            width=0.38,
            color=NETWORK_COLORS[k],
            label=NETWORK_LABELS[k],
        )
    ax[0].axvspan(vis.sum() - 0.5, len(labels) - 0.5, color="0.93", zorder=0)
    ax[0].axhline(0, color="0.3", lw=0.6)
    ax[0].set_xticks(x, [style.overlap_tex(lab) for lab in labels])
    for tick, v in zip(ax[0].get_xticklabels(), vis, strict=True):
        tick.set_color(_visibility_color(bool(v)))
    top = 1.15 * max(float(ov["sigma"].isel(epoch=0).max()) for ov in overlaps_pair)
    ax[0].text(vis.sum() / 2 - 0.5, 0.92 * top, "visible", ha="center", fontsize=7)
    ax[0].text(
        (vis.sum() + len(labels)) / 2 - 0.5,
        0.92 * top,
        "invisible",
        ha="center",
        fontsize=7,
        color=INVISIBLE_COLOR,
    )
    ax[0].set(ylabel="initial overlap", title="initial overlaps", ylim=(-0.3, top))
    ax[0].legend(loc="center left")

    # (c) activity of a few neurons, and its difference between the networks
    act = probe["activity"].values[:, sl, :]
    shown = min(3, act.shape[-1])
    palette = ["0.1", "0.45", "0.7"]
    for i in range(shown):
        ax[1].plot(t, act[0, :, i], color=palette[i], lw=1.2)
        ax[1].plot(t, act[1, :, i], color=NETWORK_COLORS[1], lw=0.8, ls="--")
    ax[1].plot([], [], color="0.1", label=r"$\theta_1$")
    ax[1].plot([], [], color=NETWORK_COLORS[1], ls="--", label=r"$\theta_2$")
    ax[1].set(ylabel=r"activity $h_i$", title="unit activity (3 neurons)")
    ax[1].tick_params(labelbottom=False)
    ax[1].legend(loc="upper left", ncol=2, fontsize=6)
    for i in range(shown):
        ax_diff.plot(t, act[1, :, i] - act[0, :, i], color=palette[i], lw=0.8)
    ax_diff.set(xlabel="time (s)", ylabel=r"$h_i(\theta_2) - h_i(\theta_1)$")
    ax_diff.yaxis.label.set_fontsize(6)
    ax_diff.ticklabel_format(axis="y", style="sci", scilimits=(-2, 2))

    # (d-f) outputs: clean, with state noise, after learning
    epochs = json.loads(probe.attrs["trained_epochs"])[0]
    noise = json.loads(probe.attrs["config_json"])["noise_std"]
    _pair_lines(ax[2], t, probe["output_initial"].values[:, sl], "output y", "output")
    _pair_lines(
        ax[3],
        t,
        probe["output_noisy"].values[:, sl],
        "output y",
        rf"output, state noise $\mathcal{{N}}(0, {noise:g}^2)$ on every unit",
    )
    _pair_lines(
        ax[4],
        t,
        probe["output_final"].values[:, sl],
        "output y",
        f"output after {epochs} training epochs",
    )

    # (g) loss of both, simulation and theory
    for k, (ov, th) in enumerate(zip(overlaps_pair, theory_pair, strict=True)):
        ep = ov["epoch"].values
        ax[5].plot(ep, ov["loss"], color=NETWORK_COLORS[k], label=NETWORK_LABELS[k])
        if "first_order" in th["method"].values:
            ax[5].plot(
                ep,
                th["loss"].sel({"method": "first_order"}),
                color="0.2",
                ls=(0, (3, 3)),
                lw=0.9,
                label="theory (first-order map)" if k == 0 else None,
            )
    ax[5].set(
        yscale="log",
        xlabel="epoch",
        ylabel="loss",
        title="learning: simulation, theory",
    )
    ax[5].legend(loc="lower left")
    style.panel_letters(ax, start="b")
    return fig


# ------------------------------------------------------------------ figure 3


def manifold_schematic(ax):
    """Two solution manifolds (visible vs invisible axes) and the A-B-A trip.

    Every invisible value solves a task, so each task's solutions form a
    vertical band at its visible value; learning moves along both axes, so
    returning to A lands at the same visible but a different invisible value.
    """
    y = np.linspace(0.05, 0.95, 100)
    x_a = 0.3 + 0.03 * np.sin(6 * y)
    x_b = 0.72 + 0.03 * np.sin(6 * y + 1)
    ax.plot(x_a, y, color=TASK_COLORS["A"], lw=6, solid_capstyle="round")
    ax.plot(x_b, y, color=TASK_COLORS["B"], lw=6, solid_capstyle="round")
    ax.text(0.3, 0.99, "solutions of A", ha="center", fontsize=7)
    ax.text(0.72, 0.99, "solutions of B", ha="center", fontsize=7)

    def on_a(yy):
        return 0.3 + 0.03 * np.sin(6 * yy)

    def on_b(yy):
        return 0.72 + 0.03 * np.sin(6 * yy + 1)

    points = [
        (0.08, 0.12, "start"),
        (on_a(0.28), 0.28, "A1"),
        (on_b(0.5), 0.5, "B"),
        (on_a(0.72), 0.72, "A2"),
    ]
    for (x0, y0, _), (x1, y1, _) in zip(points[:-1], points[1:], strict=True):
        ax.add_patch(
            FancyArrowPatch(
                (x0, y0),
                (x1, y1),
                arrowstyle="-|>",
                mutation_scale=9,
                color="0.2",
                lw=1.0,
                connectionstyle="arc3,rad=-0.25",
                shrinkA=3,
                shrinkB=3,
            )
        )
    for x0, y0, name in points:
        ax.plot(x0, y0, "o", color="0.1", ms=4)
        ax.text(x0 + 0.04, y0 - 0.05, name, fontsize=7)
    ax.annotate(
        "",
        xy=(0.12, 0.72),
        xytext=(0.12, 0.28),
        arrowprops={"arrowstyle": "<->", "color": INVISIBLE_COLOR},
    )
    ax.text(
        0.1, 0.5, "invisible\nchange", color=INVISIBLE_COLOR, fontsize=6, ha="right"
    )
    ax.set(
        xlim=(-0.05, 1.0),
        ylim=(0, 1.05),
        xticks=[],
        yticks=[],
        xlabel="visible overlaps",
        ylabel="invisible overlaps",
        title="A and B have different solution sets",
    )


def _traces_with_reference(axes, overlaps, series, start, reference, phases):
    """Plot each (label, values, color) from ``start`` with a dashed line at
    its value at ``reference``."""
    ep = overlaps["epoch"].values
    keep = ep >= start
    for ax, (label, values, color) in zip(axes, series, strict=True):
        ax.plot(ep[keep], values[keep], color=color, lw=1.0)
        ax.axhline(values[reference], color=color, ls="--", lw=0.8)
        _boundaries(ax, phases, start)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", labelpad=4)
        ax.set_xlim(start, ep[-1])
        ax.tick_params(labelbottom=False)


def _final_scatter(ax, overlaps, ref, back, names, report=None):
    labels = [str(v) for v in overlaps["overlap"].values]
    vis = overlaps["visible"].values.astype(bool)
    s_ref = overlaps["sigma"].isel(epoch=ref).values
    s_back = overlaps["sigma"].isel(epoch=back).values
    lo, hi = min(s_ref.min(), s_back.min()) - 0.2, max(s_ref.max(), s_back.max()) + 0.2
    ax.plot([lo, hi], [lo, hi], color="0.6", lw=0.8, zorder=0)
    for kind, mask in (("visible", vis), ("invisible", ~vis)):
        ax.scatter(
            s_ref[mask],
            s_back[mask],
            s=16,
            color=_visibility_color(kind == "visible"),
            label=kind,
            zorder=3,
        )
    ax.set(xlim=(lo, hi), ylim=(lo, hi), xlabel=f"{names[0]} (epoch {ref})")
    ax.set_ylabel(f"{names[1]} (epoch {back})")
    ax.set_aspect("equal")
    ax.legend(loc="upper left")

    # inset: |change| per overlap on a log scale, with the return tolerance
    inset = ax.inset_axes([0.58, 0.08, 0.4, 0.36])
    change = np.abs(s_back - s_ref)
    inset.bar(
        np.arange(len(labels)),
        np.maximum(change, 1e-16),
        color=[_visibility_color(bool(v)) for v in vis],
    )
    if report is not None:
        inset.axhline(report["tolerance"], color="0.3", ls="--", lw=0.8)
    inset.set_yscale("log")
    inset.yaxis.set_major_locator(LogLocator(numticks=4))
    inset.yaxis.set_minor_formatter(NullFormatter())
    inset.set_xticks(np.arange(len(labels)), labels, fontsize=5.5, rotation=90)
    inset.tick_params(axis="y", labelsize=5.5)
    inset.set_title(r"$|\Delta\sigma|$, -- tolerance", fontsize=5.5, pad=2)


def aba_memory(overlaps, start: int, reports: dict | None = None):
    """Figure 3: the A-B-A protocol under gradient descent (E3).

    Args:
        overlaps: ``data/overlaps/memory_aba_gd.nc`` (with K for 3 pairs).
        start: first epoch drawn in panel b, and the epoch of the dashed
            reference lines.
        reports: optional ``memory.return_report`` results keyed 'A2' and
            'A3'; their tolerance is drawn in the panel-c insets.
    """
    style.use_style()
    phases = protocol_phases(overlaps)
    first = phases[0]["task"]
    visits = [ph for ph in phases if ph["task"] == first]
    names = ["A1", "A2", "A3"]

    fig = plt.figure(figsize=(11, 5.4), layout="constrained")
    grid = fig.add_gridspec(1, 3, width_ratios=[1.0, 1.5, 1.0])
    ax_a = fig.add_subplot(grid[0])
    manifold_schematic(ax_a)

    # (b) task bar, sigma_vu, sigma_uu and K_ij, from `start` on
    pairs = [str(p) for p in overlaps["pair"].values] if "pair" in overlaps else []
    rows = 3 + len(pairs)
    sub = grid[1].subgridspec(rows, 1, height_ratios=[0.5] + [1] * (rows - 1))
    axes_b = [fig.add_subplot(sub[0])]
    axes_b += [fig.add_subplot(sub[i], sharex=axes_b[0]) for i in range(1, rows)]
    _task_bar(axes_b[0], phases, start)
    sigma = overlaps["sigma"]
    series = [
        (style.overlap_tex("vu"), sigma.sel(overlap="vu").values, VISIBLE_COLOR),
        (style.overlap_tex("uu"), sigma.sel(overlap="uu").values, INVISIBLE_COLOR),
    ]
    series += [
        (rf"$K_{{{p.replace('-', ',')}}}$", overlaps["K"].sel(pair=p).values, "#2ca02c")
        for p in pairs
    ]
    _traces_with_reference(axes_b[1:], overlaps, series, start, start, phases)
    axes_b[-1].tick_params(labelbottom=True)
    axes_b[-1].set_xlabel("epoch")
    axes_b[0].set_title(f"protocol from epoch {start} (dashed: value at {start})")

    # (c) final overlaps of the later visits against the first
    sub_c = grid[2].subgridspec(2, 1)
    axes_c = []
    for i, visit in enumerate(visits[1:3]):
        ax = fig.add_subplot(sub_c[i])
        key = names[i + 1]
        _final_scatter(
            ax,
            overlaps,
            visits[0]["end"],
            visit["end"],
            (names[0], key),
            (reports or {}).get(key),
        )
        axes_c.append(ax)
    style.panel_letters([ax_a, axes_b[0], *axes_c[:1]])
    return fig


# ------------------------------------------------------------- figures 6, 7


def overlap_traces(overlaps, start: int, reference: int, theory=None, title=""):
    """Figures 6 and 7: all overlaps through a protocol, from ``start``, with a
    dashed line at their value at ``reference`` and the phase boundaries.

    Args:
        overlaps: ``data/overlaps/{exp}.nc``.
        start: first epoch drawn.
        reference: epoch of the dashed reference line.
        theory: optional ``data/theory/{exp}.nc``; its first-order map is
            drawn dotted (gradient-descent experiments only).
        title: figure title.
    """
    style.use_style()
    phases = protocol_phases(overlaps)
    labels = [str(v) for v in overlaps["overlap"].values]
    vis = overlaps["visible"].values.astype(bool)
    ncol = 5
    nrow = -(-len(labels) // ncol)
    fig = plt.figure(figsize=(11, 1.0 + 2.0 * nrow), layout="constrained")
    grid = fig.add_gridspec(nrow + 1, ncol, height_ratios=[0.28] + [1] * nrow)
    bar = fig.add_subplot(grid[0, :])
    _task_bar(bar, phases, start)
    ep = overlaps["epoch"].values
    keep = ep >= start
    for k, lab in enumerate(labels):
        ax = fig.add_subplot(grid[1 + k // ncol, k % ncol], sharex=bar)
        color = _visibility_color(bool(vis[k]))
        values = overlaps["sigma"].sel(overlap=lab).values
        ax.plot(ep[keep], values[keep], color=color, lw=1.0, label="simulation")
        if theory is not None and "first_order" in theory["method"].values:
            th = theory["sigma"].sel({"method": "first_order", "overlap": lab}).values
            ax.plot(
                ep[keep],
                th[keep],
                color="#1f77b4",
                lw=0.7,
                ls=":",
                alpha=0.8,
                label="theory, first-order map",
            )
        ax.axhline(values[reference], color=color, ls="--", lw=0.7)
        _boundaries(ax, phases, start)
        kind = "visible" if vis[k] else "invisible"
        ax.set_title(f"{style.overlap_tex(lab)} ({kind})", color=color)
        ax.tick_params(labelbottom=k // ncol == nrow - 1)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        if k // ncol == nrow - 1:
            ax.set_xlabel("epoch")
        if k == 0 and theory is not None:
            ax.legend(loc="best", fontsize=6)
    fig.suptitle(
        f"{title} (dashed: value at epoch {reference}; dotted lines: phase changes)",
        fontsize=9,
    )
    return fig
