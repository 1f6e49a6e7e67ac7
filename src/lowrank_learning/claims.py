"""The claims audit: every quantitative claim of the study as a number.

A claim (``config/claims.yaml``) names a metric (a function registered in
``METRICS``), the stage outputs it reads, its arguments, a comparison with a
threshold, and the verdict the replication expects ('pass', or 'fail' for a
claim the replication does not support, with the reason). ``evaluate``
measures every claim; the audit fails only when a verdict differs from its
expectation, so a change in the science is caught either way.

Metrics read stage outputs only (NetCDF through ``Sources``), never rerun
anything.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr
import yaml

from . import store

COMPARISONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
METRICS: dict[str, Callable[..., float]] = {}


class ClaimError(ValueError):
    """A claims file entry is malformed or names something that does not exist."""


def metric(fn):
    """Register a metric under its function name."""
    METRICS[fn.__name__] = fn
    return fn


class Sources:
    """Stage outputs by key 'stage/name' (e.g. 'overlaps/linear_filter'),
    opened once and validated on read."""

    def __init__(self, paths: dict[str, str]):
        self.paths = dict(paths)
        self._open: dict[str, xr.Dataset] = {}

    def __getitem__(self, key: str) -> xr.Dataset:
        if key not in self.paths:
            raise ClaimError(
                f"claim reads {key!r}, which is not among its declared files "
                f"{sorted(self.paths)}; add it to the claim's 'files'"
            )
        if key not in self._open:
            self._open[key] = store.read_dataset(self.paths[key])
        return self._open[key]


def stage_path(key: str) -> str:
    """'overlaps/linear_filter' -> 'data/overlaps/linear_filter.nc'."""
    return f"data/{key}.nc"


# ------------------------------------------------------------------- metrics


def _method(theory: xr.Dataset, method: str) -> xr.Dataset:
    if method not in theory["method"].values:
        raise ClaimError(
            f"theory output has no method {method!r} (has "
            f"{list(theory['method'].values)}); add it to the experiment's "
            "theory.methods"
        )
    return theory.sel({"method": method})


@metric
def theory_overlap_gap(src, experiment, method="first_order", visible_only=False):
    """max over epochs and overlaps of |sigma_simulation - sigma_theory|."""
    ov = src[f"overlaps/{experiment}"]
    th = _method(src[f"theory/{experiment}"], method)
    keep = ov["visible"].values if visible_only else slice(None)
    return float(np.abs(ov["sigma"].values - th["sigma"].values)[:, keep].max())


@metric
def theory_relative_overlap_gap(src, experiment, method="exact_map"):
    """theory_overlap_gap divided by the largest |sigma| of the simulation."""
    ov = src[f"overlaps/{experiment}"]
    gap = theory_overlap_gap(src, experiment, method)
    return gap / float(np.abs(ov["sigma"].values).max())


def _epochs_to(loss: np.ndarray, fraction: float) -> float:
    below = np.flatnonzero(loss <= fraction * loss[0])
    return float(below[0]) if below.size else math.inf


@metric
def descent_time_ratio(src, experiment, method="direct", fraction=0.1):
    """Epochs a theory descent needs to bring the loss to ``fraction`` of its
    start, divided by the epochs the simulation needs (inf if never)."""
    ov = src[f"overlaps/{experiment}"]
    th = _method(src[f"theory/{experiment}"], method)
    return _epochs_to(th["loss"].values, fraction) / _epochs_to(
        ov["loss"].values, fraction
    )


@metric
def filter_solution_gap(src, experiment):
    """Largest deviation of the final sigma_zm, sigma_zu sigma_vm, sigma_vu from
    the continuous-time solution a*, a* (1 - c*), 1 - c*."""
    ov = src[f"overlaps/{experiment}"]
    exp = store.experiment_config(ov)
    task = exp["tasks"][exp["phases"][-1]["task"]]
    a, c = task["a_star"], task["c_star"]
    from .memory import identifiable_coordinates

    # (sigma_zm, sigma_vu, sigma_zu sigma_vm) and their analytic values
    measured = identifiable_coordinates(ov["sigma"].values[-1], ov["overlap"].values)
    return float(np.max(np.abs(measured - np.array([a, 1 - c, a * (1 - c)]))))


@metric
def final_loss(src, experiment):
    """Loss of the simulation at its final state."""
    return float(src[f"overlaps/{experiment}"]["loss"].values[-1])


@metric
def probe_output_gap(src, experiment, method="first_order"):
    """max over time and probe trials of |full-network output - output of the
    reduced network with the theory's final overlaps|, after learning."""
    train = src[f"train/{experiment}"]
    th = _method(src[f"theory/{experiment}"], method)
    full = train["probe_output_final"].values
    return float(np.abs(full - th["probe_output_final"].values).max())


@metric
def finite_size_slope(src):
    """Fitted slope of log(overlap gap) against log N."""
    return float(src["finite_size/summary"].attrs["slope"])


@metric
def gaussianity_margin(src, experiment):
    """min over m, u, v, z of the final Q-Q r minus the 1% threshold for N
    i.i.d. normal entries (negative: at least one vector is non-Gaussian)."""
    ov = src[f"overlaps/{experiment}"]
    r = ov["qq_r"].isel(epoch_saved=-1).values
    return float(r.min() - float(ov["qq_threshold"]))


@metric
def degeneracy_output_gap(src, when="initial"):
    """max over time of |y_theta1 - y_theta2| on the shared probe input, for
    ``when`` in 'initial', 'noisy' (same state noise) or 'final' (after
    training)."""
    probe = src["probes/degeneracy"][f"output_{when}"].values
    return float(np.abs(probe[0] - probe[1]).max())


@metric
def degeneracy_visible_gap(src, theta1, theta2):
    """max |sigma_theta1 - sigma_theta2| over the visible overlaps at epoch 0."""
    a, b = src[f"overlaps/{theta1}"], src[f"overlaps/{theta2}"]
    vis = a["visible"].values
    return float(np.abs(a["sigma"].values[0] - b["sigma"].values[0])[vis].max())


def _return_report(src, experiment, back_phase):
    from . import memory, protocol

    ov = src[f"overlaps/{experiment}"]
    ends = memory.phase_end_epochs(ov["phase"].values)
    task = protocol.build_protocol(store.experiment_config(ov))[0].task.without_noise()
    return memory.return_report(ov, task, ends[0], ends[back_phase])


@metric
def aba_visible_return(src, experiment, back_phase=2):
    """Largest change of the solution's identifiable coordinates (sigma_zm,
    sigma_vu, sigma_zu sigma_vm) between the end of the first phase and the end
    of ``back_phase``, in units of the tolerance the two visits' losses allow
    (<= 1: returned)."""
    rep = _return_report(src, experiment, back_phase)
    return max(rep["coordinate_change"].values()) / rep["tolerance"]


@metric
def aba_invisible_shift(src, experiment, back_phase=2):
    """Largest invisible-overlap change between the same two visits, in units
    of the return tolerance."""
    return float(_return_report(src, experiment, back_phase)["invisible_ratio"])


def _drift_per_movement(ov, phases):
    keep = np.isin(ov["phase"].values, phases)
    idx = np.flatnonzero(keep)
    inv = ov["invariant"].values
    sigma = ov["sigma"].values
    step_drift = np.abs(np.diff(inv))[idx[:-1]]
    step_move = np.linalg.norm(np.diff(sigma, axis=0), axis=1)[idx[:-1]]
    return float(step_drift.sum() / step_move.sum())


@metric
def invariant_drift_per_movement(src, experiment, phases):
    """sum |d(zz + vv - mm - uu)| / sum |d sigma| over the epochs of ``phases``:
    the invariant's drift per unit of learning. Gradient descent drifts by
    O(lr^2) per epoch while the overlaps move by O(lr), so this is O(lr);
    for Adam it is O(1)."""
    return _drift_per_movement(src[f"overlaps/{experiment}"], phases)


@metric
def invariant_drift_ratio(src, adam, gd, adam_phases, gd_phases):
    """Adam's drift per unit of learning divided by gradient descent's."""
    return _drift_per_movement(src[f"overlaps/{adam}"], adam_phases) / (
        _drift_per_movement(src[f"overlaps/{gd}"], gd_phases)
    )


@metric
def invariant_drift_in_phases(src, experiment, phases):
    """max |invariant - its value at the start of ``phases``| over those phases."""
    ov = src[f"overlaps/{experiment}"]
    idx = np.flatnonzero(np.isin(ov["phase"].values, phases))
    inv = ov["invariant"].values[idx]
    return float(np.abs(inv - inv[0]).max())


@metric
def decoding_accuracy(src, stage, features, noise="without"):
    """Mean cross-validated accuracy of decoding the twins' history (E6) from
    a feature set ('visible', 'invisible', or 'both' for the larger of the
    two) at a stage ('start', 'after_ab', 'after_c')."""
    acc = src["twins/decoding"]["accuracy_mean"].sel(stage=stage, noise=noise)
    if features == "both":
        return float(acc.max())
    return float(acc.sel(features=features))


# ------------------------------------------------------------------ the audit


def load_claims(path) -> list[dict]:
    """Read and check the claims file.

    Raises:
        ClaimError: naming the claim and the bad field.
    """
    with open(path) as fh:
        claims = yaml.safe_load(fh)["claims"]
    seen = set()
    required = (
        "id",
        "statement",
        "figure",
        "files",
        "metric",
        "compare",
        "threshold",
        "justification",
        "expected",
    )
    for i, c in enumerate(claims):
        missing = [k for k in required if k not in c]
        if missing:
            raise ClaimError(f"claims[{i}] ({c.get('id', '?')}) lacks {missing}")
        if c["id"] in seen:
            raise ClaimError(f"claim id {c['id']!r} appears twice; ids must be unique")
        seen.add(c["id"])
        if c["metric"] not in METRICS:
            raise ClaimError(
                f"claim {c['id']}: metric {c['metric']!r} is unknown; known: "
                f"{sorted(METRICS)}"
            )
        if c["compare"] not in COMPARISONS:
            raise ClaimError(
                f"claim {c['id']}: compare {c['compare']!r} must be one of "
                f"{list(COMPARISONS)}"
            )
        if c["expected"] not in ("pass", "fail"):
            raise ClaimError(
                f"claim {c['id']}: expected must be 'pass' or 'fail', got "
                f"{c['expected']!r}"
            )
        if c["expected"] == "fail" and not c.get("reason"):
            raise ClaimError(f"claim {c['id']}: expected 'fail' needs a 'reason'")
    return claims


def claim_files(claims: list[dict]) -> list[str]:
    """Every stage output the claims read, as paths."""
    return sorted({stage_path(key) for c in claims for key in c["files"]})


def evaluate(claims: list[dict], root=".") -> list[dict]:
    """Measure every claim and compare with its threshold and expectation."""
    rows = []
    for c in claims:
        src = Sources({key: str(Path(root) / stage_path(key)) for key in c["files"]})
        note = ""
        try:
            value = float(METRICS[c["metric"]](src, **c.get("args", {})))
        except (ValueError, ArithmeticError) as err:
            # e.g. a tiny test run that never reached the regime a metric needs
            value, note = math.nan, f"not measurable: {err}"
        if math.isnan(value):
            verdict = "error"
        else:
            holds = bool(COMPARISONS[c["compare"]](value, c["threshold"]))
            verdict = "pass" if holds else "fail"
        rows.append(
            {
                "id": c["id"],
                "statement": " ".join(str(c["statement"]).split()),
                "figure": c["figure"],
                "metric": c["metric"],
                "measured": value,
                "compare": c["compare"],
                "threshold": c["threshold"],
                "justification": " ".join(str(c["justification"]).split()),
                "verdict": verdict,
                "expected": c["expected"],
                "as_expected": verdict == c["expected"],
                "reason": " ".join(str(c.get("reason", "")).split()),
                "note": note,
            }
        )
    return rows


COLUMNS = ("id", "claim", "measured", "threshold", "verdict", "expected", "figure")
"""Columns of the claims table, in the markdown and the HTML version alike."""


def _cells(r: dict) -> list[str]:
    """One claim's row as text, in ``COLUMNS`` order."""
    return [
        r["id"],
        r["statement"],
        f"{r['measured']:.4g}",
        f"{r['compare']} {r['threshold']:g}",
        r["verdict"],
        r["expected"],
        r["figure"],
    ]


def markdown_table(rows: list[dict]) -> str:
    """The claims table: claim, measured value, threshold, verdict, figure."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|---|---|---:|---|---|---|---|"]
    for r in rows:
        cells = _cells(r)
        if not r["as_expected"]:
            cells[4] += " **UNEXPECTED**"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _write_text(path, text: str):
    """Write a text file atomically (temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def write_reports(rows: list[dict], json_path, md_path):
    """Write claims.json and claims.md atomically."""
    _write_text(json_path, json.dumps(rows, indent=2, default=float) + "\n")
    _write_text(md_path, markdown_table(rows))


def unexpected(rows: list[dict]) -> list[dict]:
    return [r for r in rows if not r["as_expected"]]


def write_html(rows: list[dict], path):
    """The claims table as a small standalone HTML page (for the report)."""
    head = "".join(f"<th>{h}</th>" for h in COLUMNS)
    body = []
    for r in rows:
        color = "#e6f4ea" if r["as_expected"] else "#fce8e6"
        cells = _cells(r)
        cells[1] += f"<br><small>{r['justification']}</small>"
        tds = "".join(f"<td>{c}</td>" for c in cells)
        body.append(f"<tr style='background:{color}'>{tds}</tr>")
    text = (
        "<html><body><table border='1' cellpadding='4' style='border-collapse:"
        f"collapse;font-family:sans-serif;font-size:12px'><tr>{head}</tr>"
        + "".join(body)
        + "</table></body></html>\n"
    )
    _write_text(path, text)
