"""Figures of the twins study (E6): 4d-f, 9 (one pair) and 10 (its overlaps).

Every function reads the train_twins dataset (and the decode_twins dataset for
figure 4d-f) and draws; nothing is computed beyond selecting and thinning.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyBboxPatch

from . import style

HISTORY_COLOR = {"A": "#1f77b4", "B": "#ff7f0e"}
HISTORY_LABEL = {"A": "twin A (learned A)", "B": "twin B (learned B)"}
SET_COLOR = {"visible": "#2ca02c", "invisible": "#9467bd"}
TASK_TITLE = {
    "A": "task A: flip-flop",
    "B": "task B: decision making",
    "C": "task C: teacher",
}
STAGE_LABEL = {"start": "start", "after_ab": "after A/B", "after_c": "after C"}
TARGET = dict(color="0.75", lw=2.6, label="target")
MAX_POINTS = 3000
"""Loss curves are drawn every k-th epoch so that at most this many points show."""


def _check_pair(training, pair: int) -> None:
    n = training.sizes["pair"]
    if not 0 <= pair < n:
        raise ValueError(
            f"config key twins.example_pair = {pair} is out of range; the run "
            f"has pairs 0..{n - 1}"
        )


def _epochs_ab(training) -> int:
    return int(training["stage_epoch"].sel(stage="after_ab"))


def _example_panel(ax, training, pair: int, task: str, stage: str, twins_shown):
    """Target and outputs of the chosen twins on one example trial."""
    t = training["time"].values
    sel = {"probe": task}
    mask = training["probe_mask"].sel(sel).values
    target = np.where(mask > 0, training["probe_target"].sel(sel).values, np.nan)
    ax.plot(t, training["probe_input"].sel(sel), color="0.55", lw=0.5, label="input")
    ax.plot(t, target, **TARGET)
    for twin in twins_shown:
        y = training["probe_output"].sel(stage=stage, probe=task, pair=pair, twin=twin)
        ax.plot(
            t, y, color=HISTORY_COLOR[twin], label=f"twin {twin}, {STAGE_LABEL[stage]}"
        )
    ax.set(xlabel="time (s)", ylabel="input x, output y", title=TASK_TITLE[task])
    ax.legend(loc="best", fontsize=6)


def _sketch(ax):
    """Protocol schematic: shared start -> A or B -> C."""
    ax.set_axis_off()
    ax.set(xlim=(0, 10), ylim=(0, 3))
    boxes = {
        "start": (0.2, 1.1, "shared random\nstart $\\sigma_0$", "0.85"),
        "A": (3.4, 2.0, "twin A learns A\n(flip-flop)", HISTORY_COLOR["A"]),
        "B": (3.4, 0.2, "twin B learns B\n(decision)", HISTORY_COLOR["B"]),
        "CA": (6.8, 2.0, "twin A learns C\n(teacher)", HISTORY_COLOR["A"]),
        "CB": (6.8, 0.2, "twin B learns C\n(teacher)", HISTORY_COLOR["B"]),
    }
    for x, y, text, color in boxes.values():
        ax.add_patch(
            FancyBboxPatch(
                (x, y),
                2.6,
                0.8,
                boxstyle="round,pad=0.05",
                facecolor=color,
                alpha=0.25,
                edgecolor=color,
            )
        )
        ax.text(x + 1.3, y + 0.4, text, ha="center", va="center", fontsize=7)
    arrow = dict(arrowstyle="->", color="0.3", lw=1)
    for (x0, y0), (x1, y1) in (
        ((2.85, 1.6), (3.35, 2.4)),
        ((2.85, 1.4), (3.35, 0.6)),
        ((6.05, 2.4), (6.75, 2.4)),
        ((6.05, 0.6), (6.75, 0.6)),
    ):
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=arrow)
    for x, text in ((4.7, "decode history"), (8.1, "decode history")):
        ax.text(x, 1.5, text, ha="center", va="center", fontsize=6, color="0.4")
    ax.text(1.5, 1.5 - 0.75, "decode history", ha="center", fontsize=6, color="0.4")


def _accuracy_panel(ax, decoding, noise: str):
    stages = list(decoding["stage"].values)
    x = np.arange(len(stages))
    for offset, fset in ((-0.1, "visible"), (0.1, "invisible")):
        sel = {"features": fset, "noise": noise}
        ax.errorbar(
            x + offset,
            decoding["accuracy_mean"].sel(sel),
            yerr=decoding["accuracy_std"].sel(sel),
            color=SET_COLOR[fset],
            marker="o",
            capsize=3,
            label=f"{fset} overlaps",
        )
    ax.axhline(0.5, color="0.5", ls="--", lw=0.8, label="chance")
    std = decoding["noise"].attrs.get("noise_std", "?")
    title = "no noise" if noise == "without" else f"noise N(0, {std}$^2$) on training"
    ax.set(
        xticks=x,
        xticklabels=[STAGE_LABEL[s] for s in stages],
        ylim=(0.0, 1.05),
        ylabel=f"CV accuracy ({decoding.sizes['split']} splits)",
        title=f"decoding history A vs B, {title}",
    )
    ax.legend(loc="lower left", fontsize=6)


def protocol_and_decoding(training, decoding, pair: int = 0):
    """Figure 4d-f: protocol with example outputs; decoding accuracy mean +- std."""
    _check_pair(training, pair)
    style.use_style()
    fig = plt.figure(figsize=(9, 7.2), layout="constrained")
    grid = fig.add_gridspec(3, 6, height_ratios=[0.8, 1, 1.2])
    sketch = fig.add_subplot(grid[0, :])
    examples = [fig.add_subplot(grid[1, 2 * i : 2 * i + 2]) for i in range(3)]
    accuracy = [fig.add_subplot(grid[2, 3 * i : 3 * i + 3]) for i in range(2)]

    _sketch(sketch)
    _example_panel(examples[0], training, pair, "A", "after_ab", ["A"])
    _example_panel(examples[1], training, pair, "B", "after_ab", ["B"])
    _example_panel(examples[2], training, pair, "C", "after_c", ["A", "B"])
    for ax, noise in zip(accuracy, ("without", "with"), strict=True):
        _accuracy_panel(ax, decoding, noise)
    style.panel_letters([sketch, accuracy[0], accuracy[1]], "d")
    fig.suptitle(
        f"Twins: {training.sizes['pair']} pairs, example pair {pair}", fontsize=9
    )
    return fig


def _loss_panel(ax, training, pair: int):
    loss = training["loss"].sel(pair=pair)
    step = max(1, loss.sizes["epoch"] // MAX_POINTS)
    epochs = training["epoch"].values[::step]
    for twin in training["twin"].values:
        ax.plot(
            epochs,
            loss.sel(twin=twin).values[::step],
            color=HISTORY_COLOR[twin],
            lw=0.6,
            label=HISTORY_LABEL[twin],
        )
        switch = int(training["switch_epoch"].sel(pair=pair, twin=twin))
        if switch >= 0:
            ax.axvline(switch, color=HISTORY_COLOR[twin], ls=":", lw=0.8)
    ax.axvline(_epochs_ab(training), color="k", ls="--", lw=0.8, label="switch to C")
    shown = "" if step == 1 else f"; every {step}th epoch shown"
    ax.set(
        yscale="log",
        xlabel="epoch",
        ylabel="loss",
        title=f"loss, pair {pair} (dotted: lr drop{shown})",
    )
    ax.legend(fontsize=6)


def _twin_scatter(ax, training, pair: int, stage: str):
    sigma = training["sigma_stage"].sel(stage=stage, pair=pair)
    a, b = sigma.sel(twin="A").values, sigma.sel(twin="B").values
    vis = training["visible"].values
    for fset, chosen in (("visible", vis), ("invisible", ~vis)):
        ax.scatter(a[chosen], b[chosen], s=18, color=SET_COLOR[fset], label=fset)
    for label, x, y in zip(training["overlap"].values, a, b, strict=True):
        ax.annotate(
            label, (x, y), fontsize=6, xytext=(3, 2), textcoords="offset points"
        )
    lo, hi = min(a.min(), b.min()), max(a.max(), b.max())
    pad = 0.05 * (hi - lo + 1e-9)
    ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="0.6", lw=0.8)
    ax.set(
        xlabel="overlap, twin A",
        ylabel="overlap, twin B",
        title=f"overlaps {STAGE_LABEL[stage]}",
        aspect="equal",
    )
    ax.legend(fontsize=6, loc="upper left")


def twin_pair(training, pair: int = 0):
    """Figure 9: one pair's losses, final overlaps twin A vs B, example outputs."""
    _check_pair(training, pair)
    style.use_style()
    fig, axes = plt.subplots(2, 3, figsize=(10, 6.2), layout="constrained")
    _loss_panel(axes[0, 0], training, pair)
    _twin_scatter(axes[0, 1], training, pair, "after_ab")
    _twin_scatter(axes[0, 2], training, pair, "after_c")
    _example_panel(axes[1, 0], training, pair, "A", "after_ab", ["A", "B"])
    _example_panel(axes[1, 1], training, pair, "B", "after_ab", ["A", "B"])
    _example_panel(axes[1, 2], training, pair, "C", "after_c", ["A", "B"])
    style.panel_letters(axes.ravel())
    return fig


def twin_overlaps(training, pair: int = 0):
    """Figure 10: the 10 overlaps of both twins of one pair vs epoch."""
    _check_pair(training, pair)
    style.use_style()
    fig, axes = plt.subplots(2, 5, figsize=(11, 4.4), layout="constrained", sharex=True)
    epochs = training["epoch_saved"].values
    boundary = _epochs_ab(training)
    for ax, label, vis in zip(
        axes.ravel(),
        training["overlap"].values,
        training["visible"].values,
        strict=True,
    ):
        for twin in training["twin"].values:
            y = training["sigma"].sel(pair=pair, twin=twin, overlap=label)
            ax.plot(epochs, y, color=HISTORY_COLOR[twin], label=HISTORY_LABEL[twin])
        ax.axvline(boundary, color="k", ls="--", lw=0.8)
        kind = "visible" if vis else "invisible"
        ax.set_title(f"{style.overlap_tex(label)} ({kind})", color=SET_COLOR[kind])
    for ax in axes[1]:
        ax.set_xlabel("epoch")
    fig.legend(
        *axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=2
    )
    fig.suptitle(
        f"overlaps of pair {pair}; dashed: switch from A/B to C at epoch {boundary}",
        fontsize=9,
    )
    return fig
