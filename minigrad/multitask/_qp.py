"""The small ``m x m`` problems behind the weightings, solved on the host in float64.

Whatever device the Jacobian lives on, only its Gramian ``G = J J^T`` (``m x m`` numbers)
comes to the host. Every solver works on ``G`` scaled to unit mean diagonal (all the
weightings here are invariant to that scaling) and reports the KKT residual of its answer,
which the tests hold to ``1e-10``.

* :func:`active_set_qp` - ``min 1/2 x^T G x + c^T x`` subject to ``x >= lb`` and optionally
  ``sum(x) = 1``: MGDA (the simplex), UPGrad (``v >= e_i``), and CAGrad's inner problem.
  A primal active-set method (Nocedal & Wright, *Numerical Optimization*, section 16.5): fix
  the coordinates at their bounds, solve the equality-constrained rest exactly, step towards
  it until a bound blocks, and free the bound whose multiplier is most negative. Least squares
  on the KKT system keeps it exact when ``G`` is singular (fewer parameters than tasks, or
  parallel gradients). Finite for the tiny ``m`` of multi-task learning.
* :func:`cagrad_weights` - CAGrad: the cone projection at Pareto-stationary points, else
  :func:`cagrad_inner`, the dual ``min_{w in simplex} b^T w + k sqrt(w^T G w)``.
"""
from __future__ import annotations

import math

from ..backend import host_xp as xp

KKT_TOL = 1e-10


def normalised(G):
    """``(G / mean(diag G), scale)`` as a symmetric float64 host array; ``scale = 0`` when
    every gradient is zero."""
    G = xp.array(G, dtype=xp.float64)
    if G.ndim != 2 or G.shape[0] != G.shape[1]:
        raise ValueError(f"a Gramian must be square (m x m), got shape {tuple(G.shape)}")
    if not xp.all(xp.isfinite(G)):
        raise ValueError("the task gradients contain NaN or inf (their Gramian is not finite); "
                         "look for a diverging loss")
    G = 0.5 * (G + G.T)
    scale = float(xp.trace(G)) / G.shape[0]
    return (G / scale if scale > 0 else G), scale


def _eqp(G, c, lb, free, simplex):
    """Minimise over the free coordinates, the others fixed at their bounds (exact, by least
    squares on the KKT system, so a singular ``G`` is fine). Returns ``(y, tilt)``: ``tilt`` is
    None, or (box problems only) a direction in the null space of the free block of ``G`` along
    which the objective still decreases linearly - the sub-problem then has no minimiser and
    the caller walks along ``tilt`` until a bound stops it."""
    F, A = xp.flatnonzero(free), xp.flatnonzero(~free)
    y = lb.copy()
    if F.size == 0:
        return y, None
    K = G[xp.ix_(F, F)]
    rhs = -(c[F] + G[xp.ix_(F, A)] @ lb[A])
    if simplex:
        n = F.size
        K = xp.block([[K, xp.ones((n, 1))], [xp.ones((1, n)), xp.zeros((1, 1))]])
        rhs = xp.append(rhs, 1.0 - lb[A].sum())
    sol = xp.linalg.lstsq(K, rhs, rcond=None)[0]
    res = rhs - K @ sol
    y[F] = sol[:F.size]
    size = xp.abs(K).max() * xp.abs(sol).max() + xp.abs(rhs).max()
    if not simplex and xp.abs(res).max() > 1e-12 * size:
        tilt = xp.zeros_like(y)
        tilt[F] = res  # K res ~ 0 and the slope along res is -|res|^2 < 0
        return y, tilt
    return y, None


def _multipliers(G, c, x, free, simplex):
    grad = G @ x + c
    nu = grad[free].mean() if (simplex and free.any()) else 0.0
    return grad - nu


def active_set_qp(G, c, lb, simplex: bool, x=None, free=None):
    """``argmin 1/2 x^T G x + c^T x`` s.t. ``x >= lb`` (and ``sum x = 1`` when ``simplex``).

    Start from a feasible ``x`` with its ``free`` mask (default: ``lb``, or the simplex vertex
    of smallest ``G_ii + c_i``). Returns ``(x, free)``.
    """
    m = len(c)
    if x is None:
        if simplex:
            k = int(xp.argmin(0.5 * xp.diag(G) + c))
            x = xp.zeros(m)
            x[k] = 1.0
            free = xp.zeros(m, dtype=bool)
            free[k] = True
        else:
            x, free = lb.copy(), xp.zeros(m, dtype=bool)
    x, free = x.copy(), free.copy()
    for _ in range(10 * m + 20):
        target, tilt = _eqp(G, c, lb, free, simplex)
        if tilt is not None:
            blocking = xp.flatnonzero(free & (tilt < 0))
            if blocking.size == 0:
                break  # unbounded along a rounding-noise tilt: nothing better to do
            t = (lb[blocking] - x[blocking]) / tilt[blocking]
            j = int(blocking[xp.argmin(t)])
            x = x + float(t.min()) * tilt
            x[j], free[j] = lb[j], False
            continue
        p = target - x
        if xp.max(xp.abs(p)) <= 1e-14 * (1.0 + xp.max(xp.abs(x))):
            lam = xp.where(free, xp.inf, _multipliers(G, c, x, free, simplex))
            negative = xp.flatnonzero(lam < -1e-13)
            if negative.size == 0:
                break
            free[negative[0]] = True  # Bland's rule (lowest index) against cycling
            continue
        step, block = 1.0, -1
        for i in xp.flatnonzero(free & (p < 0)):
            t = (lb[i] - x[i]) / p[i]
            if t < step:
                step, block = t, int(i)
        if block < 0:
            x = target
        else:
            x = x + step * p
            x[block] = lb[block]
            free[block] = False
    if not simplex and qp_residual(G, c, lb, x, False) > 1e-13:
        # degenerate cases (a singular block of G, cycling): finish by coordinate descent
        x = _coordinate_descent(G, c, lb, x)
        free = x > lb
    return x, free


def _coordinate_descent(G, c, lb, x, sweeps: int = 2000):
    """Exact minimisation along one coordinate at a time for ``x >= lb``; converges for any
    PSD ``G`` and stops once the KKT residual is below ``1e-13``."""
    x = x.copy()
    d = xp.diag(G)
    for _ in range(sweeps):
        for i in range(len(x)):
            if d[i] > 0:
                x[i] = max(lb[i], x[i] - (G[i] @ x + c[i]) / d[i])
        if qp_residual(G, c, lb, x, False) <= 1e-13:
            break
    return x


def qp_residual(G, c, lb, x, simplex: bool) -> float:
    """KKT residual of ``x`` for :func:`active_set_qp`'s problem: the largest of the bound
    violation, ``|sum x - 1|``, the negative part of the multipliers and the complementarity
    products ``lambda_i (x_i - lb_i)`` (for the simplex, ``nu = min_i grad_i``, so the last
    term is the Frank-Wolfe gap coordinate by coordinate)."""
    grad = G @ x + c
    slack = x - lb
    lam = grad - grad.min() if simplex else grad
    r = max(0.0, float(-slack.min()), float(-lam.min()), float(xp.max(xp.abs(lam * slack))))
    if simplex:
        r = max(r, abs(float(x.sum()) - 1.0))
    return r


def mgda_two(G):
    """Closed form for two tasks: ``gamma = clip((G22 - G12) / |g1 - g2|^2, 0, 1)``."""
    den = G[0, 0] + G[1, 1] - 2 * G[0, 1]
    gamma = 0.5 if den <= 0 else min(1.0, max(0.0, (G[1, 1] - G[0, 1]) / den))
    return xp.array([gamma, 1.0 - gamma])


def _support_root(G, b, k, w, lo, hi):
    """On the support of ``w``, the inner minimiser is affine in ``s``: ``w(s) = p + s r``;
    solve ``w(s)^T G w(s) = (k s)^2`` exactly and return ``t = k s`` in ``[lo, hi]``."""
    S = xp.flatnonzero(w > 0)
    n = S.size
    K = xp.block([[G[xp.ix_(S, S)], xp.ones((n, 1))], [xp.ones((1, n)), xp.zeros((1, 1))]])
    p = xp.linalg.lstsq(K, xp.append(xp.zeros(n), 1.0), rcond=None)[0][:n]
    r = xp.linalg.lstsq(K, xp.append(-b[S], 0.0), rcond=None)[0][:n]
    Gs = G[xp.ix_(S, S)]
    a2, a1, a0 = r @ Gs @ r - k * k, 2 * (p @ Gs @ r), p @ Gs @ p
    if abs(a2) < 1e-300:
        roots = [-a0 / a1] if a1 != 0 else []
    else:
        disc = a1 * a1 - 4 * a2 * a0
        roots = [] if disc < 0 else [(-a1 + sg * math.sqrt(disc)) / (2 * a2) for sg in (1, -1)]
    for s in roots:
        if s > 0 and lo <= k * s <= hi:
            full = xp.zeros(len(b))
            full[S] = p + s * r
            if full.min() >= 0:
                return k * s, full
    return None


def cagrad_weights(G, c: float):
    """CAGrad's weights ``w`` (``d = J^T w``) and the KKT residual of the solve.

    ``d`` maximises the worst-case progress ``min_i g_i . d`` over the ball
    ``|d - g_0| <= k``, ``k = c |g_0|``; of all such maximisers it is the one nearest ``g_0``
    (the maximiser is unique except at Pareto-stationary points).

    * At a Pareto-stationary point (0 in the convex hull of the gradients, so no direction
      improves every task) the best worst-case progress is at most 0. It *is* 0 when the ball
      meets the cone ``{d : J d >= 0}``; then ``d`` is the projection of ``g_0`` on that cone,
      ``d = g_0 + J^T lam`` with ``lam = argmin_{lam >= 0} 1/2 lam^T G lam + b^T lam``
      (``b = G 1/m = J g_0``): no task gets worse, and the dual's ``g_w = 0`` makes the usual
      formula undefined.
    * Otherwise :func:`cagrad_inner` solves the dual and ``w = 1/m + (k / |g_w*|) w*``.
    """
    m = len(G)
    w0 = xp.full(m, 1.0 / m)
    b = G.mean(axis=1)
    k = c * math.sqrt(max(float(b.mean()), 0.0))
    if k == 0.0:
        return w0, 0.0
    zeros = xp.zeros(m)
    w_mgda, _ = active_set_qp(G, zeros, zeros, True)
    if float(w_mgda @ G @ w_mgda) <= 1e-14:  # 0 is (numerically) in the hull
        lam, _ = active_set_qp(G, b, zeros, False)
        dist = math.sqrt(max(float(lam @ G @ lam), 0.0))
        if dist <= k * (1.0 + 1e-9):
            return w0 + lam, qp_residual(G, b, zeros, lam, False)
    w_star, q, k, res = cagrad_inner(G, c)
    return (w0 + (k / q) * w_star if q > 0 else w0), res


def cagrad_inner(G, c: float):
    """CAGrad's dual: ``w* = argmin_{w in simplex} b^T w + k |g_w|`` with ``b = G 1/m``,
    ``k = c |g_0|`` and ``|g_w| = sqrt(w^T G w)``. Returns ``(w*, |g_w*|, k, residual)``.

    Since ``sqrt(q) = min_t q / (2t) + t / 2``, ``w*`` is the minimiser of the *quadratic*
    ``1/2 w^T G w + s b^T w`` at the ``s = t/k`` where ``t = |g_w(s)|``; ``t - |g_w(t/k)|`` is
    nondecreasing, so bisection on ``t`` finds it and an exact solve on the final support
    polishes it. Meant for the case :func:`cagrad_weights` leaves to it, where the optimal
    ``g_w*`` is not 0.
    """
    m = len(G)
    b = G.mean(axis=1)
    k = c * math.sqrt(max(float(b.mean()), 0.0))
    zeros = xp.zeros(m)
    w, free = active_set_qp(G, zeros, zeros, True)
    if k == 0.0:
        return w, 0.0, k, 0.0
    lo, hi = 0.0, math.sqrt(float(xp.max(xp.diag(G)))) * (1 + 1e-12)
    best = None
    for _ in range(200):
        t = 0.5 * (lo + hi)
        w, free = active_set_qp(G, (t / k) * b, zeros, True, w, free)
        q = math.sqrt(max(float(w @ G @ w), 0.0))
        if t < q:
            lo = t
        else:
            hi = t
        polished = _support_root(G, b, k, w, lo, hi)
        if polished is not None:
            tp, wp = polished
            res = cagrad_residual(G, b, k, wp)
            if best is None or res < best[1]:
                best = (wp, res)
            if res <= 1e-13:
                break
        if hi - lo <= 1e-16 * hi:
            break
    res = cagrad_residual(G, b, k, w)
    if best is not None and best[1] < res:
        w, res = best
    return w, math.sqrt(max(float(w @ G @ w), 0.0)), k, res


def cagrad_residual(G, b, k, w) -> float:
    """Simplex KKT residual of ``F(w) = b^T w + k sqrt(w^T G w)``, gradient
    ``b + k G w / |g_w|``."""
    q = math.sqrt(max(float(w @ G @ w), 0.0))
    if q == 0.0:
        return float("inf")
    return qp_residual(xp.zeros_like(G), b + k * (G @ w) / q, xp.zeros(len(w)), w, True)
