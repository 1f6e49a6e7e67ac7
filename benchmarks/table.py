"""Shared output of the benchmark scripts: one markdown table per study."""

from __future__ import annotations

import resource
import sys


def peak_memory_row() -> tuple[str, float, str]:
    """Peak resident memory of the calling process so far."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return ("peak resident memory of this process", peak, "MiB")


def emit(title: str, rows, out: str | None = None) -> str:
    """Print ``rows`` of (name, value, unit) as a markdown table under ``title``;
    append it to ``out`` as well when given."""
    lines = [f"| {title} | value | unit |", "|---|---:|---|"]
    lines += [f"| {name} | {value:.4g} | {unit} |" for name, value, unit in rows]
    table = "\n".join(lines)
    sys.stdout.write(table + "\n")
    if out:
        with open(out, "a") as fh:
            fh.write(table + "\n\n")
    return table
