"""Figures of the linear study: 1c (three descents), 5 (filter), 12 (rank 2)."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np

from ..memory import identifiable_coordinates
from . import style


def _epoch_axis(ds):
    """Epochs shifted by one so that log axes include the initial state."""
    return ds["epoch"].values + 1


def three_descents(overlaps, theory):
    """Figure 1c: loss vs epoch for the simulation and two overlap descents."""
    style.use_style()
    fig, ax = plt.subplots(figsize=(3.4, 2.6))
    ep = _epoch_axis(overlaps)
    ax.plot(
        ep, overlaps["loss"], color=style.SIMULATION, label=r"$\theta$-space (N-dim)"
    )
    for method, label in (
        ("first_order", r"$\sigma$-space via $G(\theta)$"),
        ("direct", r"$\sigma$-space directly"),
    ):
        if method in theory["method"].values:
            ax.plot(
                ep,
                theory["loss"].sel({"method": method}),
                color=style.THEORY[method],
                ls="--",
                label=label,
            )
    ax.set(xscale="log", yscale="log", xlabel="epoch + 1", ylabel="loss")
    ax.set_title(f"three descents, N = {overlaps.attrs.get('N', '?')}")
    ax.legend()
    return fig


def _loss_panel(ax, overlaps, theory, methods=("first_order",)):
    ep = _epoch_axis(overlaps)
    ax.plot(ep, overlaps["loss"], color=style.SIMULATION, label="simulation")
    for method in methods:
        if method in theory["method"].values:
            ax.plot(
                ep,
                theory["loss"].sel({"method": method}),
                color=style.THEORY[method],
                ls="--",
                label=style.METHOD_LABEL[method],
            )
    ax.set(xscale="log", yscale="log", xlabel="epoch + 1", ylabel="loss")
    ax.legend()


def _overlap_panel(ax, overlaps, theory, visible: bool, method="first_order"):
    labels = list(overlaps["overlap"].values)
    chosen = [
        lab
        for lab, v in zip(labels, overlaps["visible"].values, strict=True)
        if bool(v) == visible
    ]
    colors = style.overlap_colors(chosen)
    ep = overlaps["epoch"].values
    for lab in chosen:
        ax.plot(
            ep,
            overlaps["sigma"].sel(overlap=lab),
            color=colors[lab],
            label=style.overlap_tex(lab),
        )
        if method in theory["method"].values:
            ax.plot(
                ep,
                theory["sigma"].sel({"method": method, "overlap": lab}),
                color=colors[lab],
                ls="--",
                lw=1.0,
            )
    kind = "visible" if visible else "invisible"
    ax.set(
        xlabel="epoch",
        ylabel="overlap",
        title=f"{kind} overlaps (solid: simulation, dashed: theory)",
    )
    ax.legend(ncol=2 if len(chosen) > 6 else 1, fontsize=6)


def _impulse_panel(ax, train, theory, probe):
    t = train["time"].values
    ax.plot(
        t, train["probe_target"].sel(probe=probe), color="0.6", lw=3, label="target"
    )
    ax.plot(
        t,
        train["probe_output_initial"].sel(probe=probe),
        color="0.3",
        ls=":",
        label="before learning",
    )
    ax.plot(
        t,
        train["probe_output_final"].sel(probe=probe),
        color=style.SIMULATION,
        label="simulation, learned",
    )
    if "first_order" in theory["method"].values:
        ax.plot(
            t,
            theory["probe_output_final"].sel({"method": "first_order", "probe": probe}),
            color=style.THEORY["first_order"],
            ls="--",
            label="theory, learned",
        )
    ax.set(xlabel="time (s)", ylabel="output y", title="impulse response")
    ax.legend()


def linear_filter(train, overlaps, theory):
    """Figure 5: the linear filter experiment (E1), six panels."""
    style.use_style()
    fig, axes = plt.subplots(2, 3, figsize=(10, 5.6), layout="constrained")
    ax = axes.ravel()
    probes = list(train["probe"].values)
    task = probes[0]
    random_probe = f"{task}_random"

    # (a) a random input and its filtered target
    t = train["time"].values
    ax[0].plot(
        t,
        train["probe_input"].sel(probe=random_probe),
        color="0.7",
        lw=0.6,
        label="input x(t)",
    )
    ax[0].plot(
        t,
        train["probe_target"].sel(probe=random_probe),
        color="#ff7f0e",
        label="filtered target",
    )
    ax[0].plot(
        t,
        train["probe_output_final"].sel(probe=random_probe),
        color=style.SIMULATION,
        ls="--",
        lw=0.9,
        label="learned network",
    )
    ax[0].set(xlabel="time (s)", ylabel="signal", title="random input, filtered")
    ax[0].legend(fontsize=6)

    _impulse_panel(ax[1], train, theory, task)
    _loss_panel(ax[2], overlaps, theory, methods=("first_order", "exact_map"))
    _overlap_panel(ax[3], overlaps, theory, visible=True)
    _overlap_panel(ax[4], overlaps, theory, visible=False)
    _solution_panel(ax[5], train, overlaps, theory)
    style.panel_letters(ax)
    return fig


def _solution_panel(ax, train, overlaps, theory):
    """(f) final sigma_zm, sigma_zu sigma_vm, sigma_vu against the analytic values."""
    cfg = _task_params(train)
    a_star, c_star = cfg["a_star"], cfg["c_star"]
    labels = overlaps["overlap"].values
    # identifiable_coordinates orders them (zm, vu, zu vm); the panel shows
    # (zm, zu vm, vu)
    order = [0, 2, 1]
    sim = identifiable_coordinates(overlaps["sigma"].values[-1], labels)[order]
    target = [a_star, a_star * (1 - c_star), 1 - c_star]
    names = [r"$\sigma_{zm}$", r"$\sigma_{zu}\sigma_{vm}$", r"$\sigma_{vu}$"]
    x = np.arange(3)
    ax.bar(x - 0.2, sim, width=0.4, color="0.3", label="simulation, final")
    if "first_order" in theory["method"].values:
        th = theory["sigma"].sel({"method": "first_order"}).values[-1]
        pred = identifiable_coordinates(th, labels)[order]
        ax.bar(
            x + 0.2,
            pred,
            width=0.4,
            color=style.THEORY["first_order"],
            label="theory, final",
        )
    ax.scatter(
        x,
        target,
        marker="_",
        s=600,
        color="#ff7f0e",
        zorder=3,
        label=rf"analytic ($a^*$={a_star:g}, $c^*$={c_star:g})",
    )
    ax.set_xticks(x, names)
    ax.set(ylabel="value", title="solution manifold", ylim=(0, 1.45 * max(target)))
    ax.legend(fontsize=6, loc="upper center", ncol=2)


def _task_params(train):
    exp = json.loads(train.attrs["config_json"])
    first = exp["phases"][0]["task"]
    return exp["tasks"][first]


def rank2(train, overlaps, theory):
    """Figure 12: rank-2 linear network on the damped oscillation (E9)."""
    style.use_style()
    fig, axes = plt.subplots(2, 2, figsize=(8, 5.6), layout="constrained")
    ax = axes.ravel()
    _impulse_panel(ax[0], train, theory, list(train["probe"].values)[0])
    _loss_panel(ax[1], overlaps, theory, methods=("first_order", "exact_map"))
    _overlap_panel(ax[2], overlaps, theory, visible=True)
    _overlap_panel(ax[3], overlaps, theory, visible=False)
    style.panel_letters(ax)
    return fig
