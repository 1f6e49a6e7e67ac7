"""Shared plotting style, colours and saving."""

from __future__ import annotations

import string
from pathlib import Path

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

STYLE = Path(__file__).with_name("lowrank.mplstyle")

SIMULATION = "black"
THEORY = {
    "first_order": "#d62728",
    "exact_map": "#1f77b4",
    "flow": "#9467bd",
    "direct": "#2ca02c",
}
METHOD_LABEL = {
    "first_order": "theory, first-order map",
    "exact_map": "theory, exact map",
    "flow": "theory, gradient flow",
    "direct": r"$\sigma$-space directly (visible only)",
}


def use_style():
    """Apply the pipeline's matplotlib style (agg backend, small fonts)."""
    plt.style.use(STYLE)


def overlap_colors(labels) -> dict:
    """A distinct, stable colour per overlap label."""
    palette = sns.color_palette("tab10" if len(labels) <= 10 else "tab20", len(labels))
    return dict(zip(labels, palette, strict=True))


def overlap_tex(label: str) -> str:
    """'zm' -> '$\\sigma_{zm}$'."""
    return rf"$\sigma_{{{label}}}$"


def panel_letters(axes, start: str = "a"):
    """Bold panel letters at the top left of each axis."""
    letters = string.ascii_lowercase[string.ascii_lowercase.index(start) :]
    for ax, letter in zip(axes, letters, strict=False):
        ax.text(
            -0.18,
            1.06,
            letter,
            transform=ax.transAxes,
            fontweight="bold",
            fontsize=10,
            va="bottom",
        )


def save(fig, outputs):
    """Save one figure to every requested path (format from the suffix).

    The PDF carries no creation date, so reruns give identical files.
    """
    for path in outputs:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"CreationDate": None} if path.suffix == ".pdf" else {}
        fig.savefig(path, metadata=meta)
    plt.close(fig)
