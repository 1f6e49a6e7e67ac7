"""Functionally equivalent rank-1 networks (STUDY.md experiment E2).

Two linear rank-1 networks with the same loss-visible overlaps (zm, zu, vm, vu)
produce the same output on every input, whatever their invisible overlaps
(mu, zv, mm, uu, vv, zz). ``equivalent_network`` builds such a twin: it keeps
m and z, moves u to prescribed invisible overlaps uu and mu, and re-solves v so
that every visible overlap keeps its value to round-off.

All overlaps are sigma_ab = a.b / N. Write a~ = a / sqrt(N), so that
sigma_ab = a~ . b~ is a plain dot product; the construction works with the
scaled vectors and rescales at the end (m and z are copied, not rescaled, so
they are bitwise unchanged).

Construction (old vectors m, u, v, z; targets uu*, mu*):

1. New u. Let B = [m~, z~, v~] = Q R (thin QR, Q orthonormal N x 3). The
   constraints B^T u~' = c with c = (mu*, sigma_zu, sigma_vu) fix the part of
   u~' in span(B): Q^T u~' = y = R^{-T} c. The rest is w, orthogonal to B:

       u~' = Q y + w,   |w|^2 = uu* - |y|^2,   w = old u~'s part orthogonal
                                                    to B, rescaled.

2. New v. Let C = [m~, u~'] = Q2 R2. The constraints C^T v~' =
   (sigma_vm, sigma_vu) fix Q2^T v~' = R2^{-T} (sigma_vm, sigma_vu); the part
   of the old v~ orthogonal to span(C) is kept as it is:

       v~' = Q2 R2^{-T} (sigma_vm, sigma_vu) + (I - Q2 Q2^T) v~.

   Because step 1 already gave u~'.v~ = sigma_vu, the old v~ meets these
   constraints, so v~' = v~ to round-off: the study's twin differs from the
   original only in mu and uu. ``keep_old_vu=False`` drops v~ from B (u' is
   fixed by u'.m and u'.z only); then step 2 does move v, and vv and zv
   change too.

Feasible set. With y(mu*) = y0 + mu* r1 (r1 = R^{-T} e_1,
y0 = R^{-T} (0, sigma_zu, sigma_vu); drop the last entry and v~ from B
without ``keep_old_vu``) the targets are feasible if and only if

- m, z, v are linearly independent (R invertible);
- uu* >= |y(mu*)|^2 = ``min_feasible_uu``: the norm left for w is not
  negative. For fixed uu* this is a quadratic inequality in mu*, so mu* must
  lie in an interval (``feasible_mu_range``), which is empty when
  uu* < min over mu* of |y|^2 = |y0|^2 - (r1.y0)^2 / |r1|^2;
- uu* sigma_mm - mu*^2 > 0: the new u is not parallel to m (Gram of
  {u', m} invertible), otherwise v.u and v.m cannot be set independently.
  Given the previous condition this fails only on the boundary uu* =
  |y(mu*)|^2 with y(mu*) along m, i.e. when (mu*, sigma_zu, sigma_vu) is
  proportional to (sigma_mm, sigma_zm, sigma_vm) (without ``keep_old_vu``:
  (mu*, sigma_zu) proportional to (sigma_mm, sigma_zm));
- if uu* > |y(mu*)|^2, the old u must have a part orthogonal to
  span{m, z, v} to supply the direction of w (no randomness is used).

Only linear networks are equivalent: for erf the {m, u} block (mu, mm, uu)
is loss-visible too, so changing mu and uu changes the output.
"""

from __future__ import annotations

import math

import numpy as np
from jaxtyping import Array, Float

from .overlaps import gram, sigma_from_gram, visible

# A vector counts as lying in the span of others when the sine of its angle
# to that span is below this value; solving for coefficients would then
# amplify round-off by more than 1 / _DEPENDENCE_TOL.
_DEPENDENCE_TOL = 1e-8

# Slack below min_feasible_uu still accepted as the boundary (round-off in a
# target computed by the caller from min_feasible_uu itself).
_BOUNDARY_RTOL = 1e-12

_RANK = 1


def _as_rank1(X: Float[Array, "N 4"] | Float[np.ndarray, "N 4"]) -> np.ndarray:
    """X as a float64 numpy array, checked to be a finite rank-1 stack."""
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(
            f"X must have shape (N, 4) with columns m, u, v, z (rank 1), got "
            f"shape {arr.shape}; only rank-1 networks are supported"
        )
    if arr.shape[0] < 4:
        raise ValueError(
            f"X must have N >= 4 rows so that m, z, v and a new u can be "
            f"independent, got N = {arr.shape[0]}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("X contains non-finite entries; pass finite vectors")
    return arr


def _check_target(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


def _orthonormal_basis(
    B: Float[np.ndarray, "N k"], names: str
) -> tuple[np.ndarray, np.ndarray]:
    """Thin QR of B, B = Q R, after checking the columns are independent.

    Raises:
        ValueError: if a column lies (to ``_DEPENDENCE_TOL``) in the span of
            the columns before it.
    """
    Q, R = np.linalg.qr(B)
    sines = np.abs(np.diag(R)) / np.linalg.norm(B, axis=0)
    if np.any(~(sines > _DEPENDENCE_TOL)):
        raise ValueError(
            f"the vectors {names} are linearly dependent (sine of the angle of "
            f"each to the span of the ones before it: {np.round(sines, 12)}); "
            "the construction needs them independent, e.g. start from "
            "network.init_vectors"
        )
    return Q, R


def _orthogonal_part(x: Float[np.ndarray, " N"], Q: Float[np.ndarray, "N k"]):
    """(I - Q Q^T) x, projected twice so it is orthogonal to working precision."""
    for _ in range(2):
        x = x - Q @ (Q.T @ x)
    return x


def _u_constraints(Xs: Float[np.ndarray, "N 4"], keep_old_vu: bool):
    """Q, y0, r1 such that Q^T u~' = y0 + mu* r1 meets the step-1 constraints.

    Q spans [m~, z~, v~] (or [m~, z~] without ``keep_old_vu``).
    """
    m, u, v, z = Xs.T
    if keep_old_vu:
        basis, names, fixed = [m, z, v], "m, z, v", [z @ u, v @ u]
    else:
        basis, names, fixed = [m, z], "m, z", [z @ u]
    Q, R = _orthonormal_basis(np.column_stack(basis), names)
    e1 = np.zeros(len(basis))
    e1[0] = 1.0
    r1 = np.linalg.solve(R.T, e1)
    y0 = np.linalg.solve(R.T, np.array([0.0, *fixed]))
    return Q, y0, r1


def _mu_interval(y0, r1, uu_target: float) -> tuple[float, float] | None:
    """Roots of |y0 + mu r1|^2 = uu_target, or None when none is real."""
    a = r1 @ r1
    b = r1 @ y0
    disc = b * b - a * (y0 @ y0 - uu_target)
    if disc < 0:
        return None
    root = math.sqrt(disc)
    return (-b - root) / a, (-b + root) / a


def _uu_floor(y0, r1) -> float:
    """min over mu of |y0 + mu r1|^2: no uu_target below it is feasible."""
    return float(y0 @ y0 - (r1 @ y0) ** 2 / (r1 @ r1))


def min_feasible_uu(
    X: Float[Array, "N 4"] | Float[np.ndarray, "N 4"],
    mu_target: float,
    keep_old_vu: bool = True,
) -> float:
    """Smallest uu_target that ``equivalent_network`` accepts for mu_target.

    uu_min(mu*) = |R^{-T} (mu*, sigma_zu, sigma_vu)|^2 with [m, z, v] / sqrt(N)
    = Q R: the squared norm of the part of u' fixed by u'.m, u'.z, u'.v
    (without ``keep_old_vu``: by u'.m and u'.z only, [m, z] / sqrt(N) = Q R).

    Args:
        X: vectors m, u, v, z as columns, (N, 4).
        mu_target: the wanted sigma_mu of the new u.
        keep_old_vu: as in ``equivalent_network``.

    Returns:
        uu_min as a float.

    Raises:
        ValueError: if X is not (N, 4), or m, z, v are linearly dependent.
    """
    mu_target = _check_target("mu_target", mu_target)
    arr = _as_rank1(X)
    Xs = arr / math.sqrt(arr.shape[0])
    _, y0, r1 = _u_constraints(Xs, keep_old_vu)
    y = y0 + mu_target * r1
    return float(y @ y)


def feasible_mu_range(
    X: Float[Array, "N 4"] | Float[np.ndarray, "N 4"],
    uu_target: float,
    keep_old_vu: bool = True,
) -> tuple[float, float]:
    """Interval of mu_target that ``equivalent_network`` accepts for uu_target.

    The roots of |y0 + mu r1|^2 = uu_target (see the module docstring); the
    endpoints are the boundary uu_target = min_feasible_uu(X, mu).

    Args:
        X: vectors m, u, v, z as columns, (N, 4).
        uu_target: the wanted sigma_uu of the new u.
        keep_old_vu: as in ``equivalent_network``.

    Returns:
        (mu_low, mu_high).

    Raises:
        ValueError: if the interval is empty (uu_target below the floor
            min over mu of min_feasible_uu), or X is malformed.
    """
    uu_target = _check_target("uu_target", uu_target)
    arr = _as_rank1(X)
    Xs = arr / math.sqrt(arr.shape[0])
    _, y0, r1 = _u_constraints(Xs, keep_old_vu)
    interval = _mu_interval(y0, r1, uu_target)
    if interval is None:
        raise ValueError(
            f"uu_target = {uu_target:.6g} is infeasible for every mu_target: "
            f"it must be >= {_uu_floor(y0, r1):.6g} for these vectors"
        )
    return interval


def _infeasible_uu_message(uu_target, mu_target, uu_min, y0, r1) -> str:
    interval = _mu_interval(y0, r1, uu_target)
    if interval is None:
        mu_part = (
            f"no mu_target is feasible with this uu_target (uu_target must be "
            f">= {_uu_floor(y0, r1):.6g} for any mu_target)"
        )
    else:
        mu_part = (
            f"keep uu_target and choose mu_target in "
            f"[{interval[0]:.6g}, {interval[1]:.6g}]"
        )
    return (
        f"uu_target = {uu_target:.6g} is infeasible for these vectors: it must "
        f"be >= {uu_min:.6g} given mu_target = {mu_target:.6g} (the norm the "
        f"new u needs for its fixed overlaps); raise uu_target to at least "
        f"{uu_min:.6g}, or {mu_part}"
    )


def equivalent_network(
    X: Float[Array, "N 4"] | Float[np.ndarray, "N 4"],
    uu_target: float,
    mu_target: float,
    keep_old_vu: bool = True,
) -> Float[np.ndarray, "N 4"]:
    """A rank-1 network with the same visible overlaps and new uu, mu.

    Keeps m and z (bitwise), builds u' with u'.u'/N = uu_target,
    m.u'/N = mu_target, z.u'/N = sigma_zu and v.u'/N = sigma_vu, then v' with
    v'.u'/N = sigma_vu and v'.m/N = sigma_vm (construction in the module
    docstring):

        u~' = Q y + w,                  y = R^{-T} (mu*, sigma_zu, sigma_vu)
        v~' = Q2 R2^{-T} (sigma_vm, sigma_vu) + (I - Q2 Q2^T) v~

    so zm, zu, vm, vu are unchanged to round-off, and mu, uu take the targets.
    For a linear network the output on any input is then identical. The
    direction of w is the old u's part orthogonal to span{m, z, v}, so the
    construction is deterministic.

    With ``keep_old_vu`` (the study's recipe) u' also satisfies
    u'.v = v.u for the *old* v; the old v's projection on span{u', m} then
    already has the required overlaps, so step 2 returns v unchanged (to
    round-off) and only mu and uu differ between the two networks. With
    ``keep_old_vu=False`` u' is fixed by u'.m and u'.z only (the v columns
    drop out of Q, R above), step 2 moves v, and vv and zv change as well.

    Args:
        X: vectors m, u, v, z as columns, (N, 4), numpy or JAX.
        uu_target: sigma_uu of the new network, >= min_feasible_uu(X, mu_target).
        mu_target: sigma_mu of the new network.
        keep_old_vu: also keep u'.v = sigma_vu for the old v (STUDY.md E2).

    Returns:
        X' of shape (N, 4), numpy float64, columns m, u', v', z.

    Raises:
        ValueError: if X is not a finite (N, 4) stack, m, z, v are linearly
            dependent, uu_target < min_feasible_uu(X, mu_target) (the message
            gives that bound and the feasible mu_target interval), the targets
            make u' parallel to m, or the old u has no part orthogonal to
            span{m, z, v} to carry the remaining norm.
    """
    uu_target = _check_target("uu_target", uu_target)
    mu_target = _check_target("mu_target", mu_target)
    X = _as_rank1(X)
    n = X.shape[0]
    Xs = X / math.sqrt(n)
    m, u, v, _ = Xs.T

    # Step 1: the part of u' fixed by its overlaps with m, z, v.
    Q, y0, r1 = _u_constraints(Xs, keep_old_vu)
    y = y0 + mu_target * r1
    uu_min = float(y @ y)
    slack = uu_target - uu_min
    if slack < -_BOUNDARY_RTOL * max(1.0, uu_min):
        raise ValueError(_infeasible_uu_message(uu_target, mu_target, uu_min, y0, r1))
    if abs(slack) <= _BOUNDARY_RTOL * max(1.0, uu_min):
        slack = 0.0

    # Step 1, rest: the remaining norm along the old u's orthogonal part.
    w = np.zeros_like(u)
    if slack > 0:
        w_old = _orthogonal_part(u, Q)
        w_norm = float(np.linalg.norm(w_old))
        if not w_norm > _DEPENDENCE_TOL * np.linalg.norm(u):
            raise ValueError(
                f"the old u lies in the span of m, z (and v) (its orthogonal part "
                f"has norm {w_norm:.3g} / sqrt(N)), so there is no direction for the "
                f"remaining norm uu_target - {uu_min:.6g} = {slack:.6g}; set "
                f"uu_target = {uu_min:.6g} or start from a u with an "
                "independent component"
            )
        w = w_old * (math.sqrt(slack) / w_norm)
    u_new = Q @ y + w

    # The new u must not be parallel to m, or v.u and v.m cannot both be set.
    Q2, R2 = np.linalg.qr(np.column_stack([m, u_new]))
    sine = abs(R2[1, 1]) / np.linalg.norm(u_new)
    if not sine > _DEPENDENCE_TOL:
        raise ValueError(
            f"uu_target = {uu_target:.6g} and mu_target = {mu_target:.6g} make "
            f"the new u parallel to m (sine of their angle {sine:.3g}; "
            f"uu_target * mm - mu_target^2 = {uu_target * (m @ m) - mu_target**2:.3g}"
            f"), so v.u and v.m cannot both be kept; choose uu_target > "
            f"{uu_min:.6g} or another mu_target"
        )

    # Step 2: v' keeps v.m and v.u, plus the old v's part orthogonal to them.
    coef = np.linalg.solve(R2.T, np.array([v @ m, v @ u]))
    v_new = Q2 @ coef + _orthogonal_part(v, Q2)

    scale = math.sqrt(n)
    return np.column_stack([X[:, 0], u_new * scale, v_new * scale, X[:, 3]])


def visible_overlap_deviation(
    X_a: Float[Array, "N P"] | Float[np.ndarray, "N P"],
    X_b: Float[Array, "N P"] | Float[np.ndarray, "N P"],
    rank: int = _RANK,
    activation: str = "linear",
) -> float:
    """Largest absolute difference of the loss-visible overlaps of two networks.

    max over visible (a, b) of |a_A . b_A - a_B . b_B| / N, computed in
    float64 numpy whatever the JAX precision setting.

    Args:
        X_a, X_b: the two networks' vectors, (N, 2R+2) each.
        rank: R.
        activation: "linear" or "erf" (sets which overlaps are visible).

    Returns:
        The maximum deviation, a float (0.0 for identical visible overlaps).

    Raises:
        ValueError: if the shapes differ or do not match ``rank``.
    """
    A = np.asarray(X_a, dtype=np.float64)
    B = np.asarray(X_b, dtype=np.float64)
    if A.shape != B.shape or A.ndim != 2 or A.shape[1] != 2 * rank + 2:
        raise ValueError(
            f"X_a and X_b must both have shape (N, {2 * rank + 2}) for rank "
            f"{rank}, got {A.shape} and {B.shape}"
        )
    if activation not in ("linear", "erf"):
        raise ValueError(f"activation must be 'linear' or 'erf', got {activation!r}")
    mask = visible(rank, activation)
    diff = sigma_from_gram(gram(A), rank) - sigma_from_gram(gram(B), rank)
    return float(np.max(np.abs(diff[mask])))
