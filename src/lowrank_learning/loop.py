"""Epoch loops shared by the simulation and the theory.

Many epochs run inside one compiled call (a ``lax.scan`` over a chunk of
epochs); Python only sees chunk boundaries, where it checks for NaN losses
and reports progress.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


class Progress:
    """Calls ``report(message)`` at most every ``interval`` seconds.

    Library code never prints: the caller decides where messages go (a
    logger in the stage scripts, nothing in tests).
    """

    def __init__(self, report: Callable[[str], None] | None, total: int, interval=5.0):
        self.report = report
        self.total = total
        self.interval = interval
        self.start = time.perf_counter()
        self.last = self.start

    def update(self, done: int, loss: float, label: str = "", force: bool = False):
        if self.report is None:
            return
        now = time.perf_counter()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        self.report(
            f"{label}epoch {done}/{self.total}  loss {loss:.6g}  {rate:.1f} epochs/s"
        )


def check_finite(losses: np.ndarray, first_epoch: int, what: str = "loss"):
    """Raise FloatingPointError naming the first epoch whose loss is not finite."""
    bad = np.flatnonzero(~np.isfinite(losses))
    if bad.size:
        epoch = first_epoch + int(bad[0])
        raise FloatingPointError(
            f"{what} became {losses[bad[0]]} at epoch {epoch}; the run diverged. "
            "Lower the learning rate (lr) of this experiment or check its inputs"
        )


def chunk_bounds(start: int, stop: int, chunk: int, stride: int | None = None):
    """Split epochs [start, stop) into chunks that end on multiples of ``stride``.

    Every chunk is at most ``chunk`` long; with a stride, chunk ends never
    step over a multiple of the stride, so snapshots can be taken there.
    """
    bounds = []
    e = start
    while e < stop:
        end = min(stop, e + chunk)
        if stride:
            next_mark = (e // stride + 1) * stride
            end = min(end, next_mark)
        bounds.append((e, end))
        e = end
    return bounds
