"""Each weighting's promise, on random Jacobians from the degenerate families (zero rows, exact
opposites, parallel, rank-deficient, aligned): MGDA and UPGrad never conflict, PCGrad removes
pairwise conflicts, IMTL-G projects equally, Aligned-MTL aligns, CAGrad's worst-case progress
is optimal (checked against independent certificates) and c = 0 is the mean. Any warning
(a KKT residual above 1e-10) fails the test."""
import itertools
import math
import warnings

import numpy as np
import pytest
from jacobian_families import FAMILIES, cases

import minigrad as mg
import minigrad.multitask as mt

pytestmark = [pytest.mark.ex4_2]

CASES = cases(count_per_family=10)


def _tol(J):
    return 1e-10 * max(1.0, float((J * J).sum()))


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _d(W, J):
    w = W.from_gramian(J @ J.T)
    assert np.all(np.isfinite(w)) and W.kkt_residual <= 1e-10
    return w, w @ J


@pytest.mark.parametrize("label,J", CASES, ids=[c[0] for c in CASES])
def test_mgda_is_the_min_norm_point_and_never_conflicts(label, J):
    w, d = _d(mt.MGDA(), J)
    assert w.min() >= -1e-15 and abs(w.sum() - 1) < 1e-12
    # optimality certificate of min |J^T w| on the simplex: g_i . d >= |d|^2 for every i
    assert np.all(J @ d >= d @ d - _tol(J))
    if label.startswith(("zero_row", "opposite")):
        assert np.linalg.norm(d) <= 1e-7 * np.linalg.norm(J)  # Pareto-stationary: d = 0


@pytest.mark.parametrize("label,J", CASES, ids=[c[0] for c in CASES])
def test_upgrad_never_conflicts(label, J):
    w, d = _d(mt.UPGrad(), J)
    m = len(J)
    assert np.all(J @ d >= -_tol(J))
    assert np.all(w >= 1.0 / m - 1e-12)  # a sum of v_i >= e_i / m


def _pcgrad_reference(J, orders):
    """Surgery in parameter space (not on G): for task i, project out conflicts with the
    original g_j in orders[i]; each projection leaves g_i^PC . g_j = 0."""
    total = np.zeros(J.shape[1])
    for i, order in enumerate(orders):
        g = J[i].copy()
        for j in order:
            if g @ J[j] < 0 and J[j] @ J[j] > 0:
                g = g - (g @ J[j]) / (J[j] @ J[j]) * J[j]
                assert abs(g @ J[j]) <= 1e-9 * (1 + np.abs(J).max() ** 2)
        total += g
    return total


@pytest.mark.parametrize("label,J", CASES, ids=[c[0] for c in CASES])
def test_pcgrad_removes_pairwise_conflicts(label, J):
    m = len(J)
    _, d = _d(mt.PCGrad(seed=len(label)), J)
    perms = [list(itertools.permutations([j for j in range(m) if j != i])) for i in range(m)]
    if m <= 3:  # d must be the surgery for one of the task orders
        refs = [_pcgrad_reference(J, o) for o in itertools.product(*perms)]
        assert min(np.abs(r - d).max() for r in refs) <= 1e-9 * (1 + np.abs(J).max())
    if m == 2:  # two tasks: the projected pair, summed, conflicts with neither
        assert np.all(J @ d >= -_tol(J))
    if np.all(J @ J.T >= 0):  # no conflict at all: the plain sum
        np.testing.assert_allclose(d, J.sum(axis=0), atol=1e-12 * (1 + np.abs(J).max()))


@pytest.mark.parametrize("label,J", CASES, ids=[c[0] for c in CASES])
def test_imtlg_equal_projections(label, J):
    w, d = _d(mt.IMTLG(), J)
    norms = np.linalg.norm(J, axis=1)
    G = J @ J.T
    full_rank = np.linalg.matrix_rank(G, tol=1e-9 * np.abs(G).max()) == len(J)
    two_dependent = len(J) == 2 and label.startswith(("opposite", "parallel"))
    if full_rank or two_dependent:
        # (two exactly opposite gradients of equal norm: d = 0, and w = 0 by torchjd's rule)
        assert abs(w.sum() - 1) < 1e-10 or (two_dependent and np.all(w == 0))
        proj = J @ d / norms
        np.testing.assert_allclose(proj, proj[0], atol=1e-8 * (1 + np.abs(proj).max()))
    else:
        assert abs(w.sum() - 1) < 1e-10 or np.all(w == 0)


@pytest.mark.parametrize("label,J", CASES, ids=[c[0] for c in CASES])
def test_aligned_mtl_aligns_on_the_range_of_G(label, J):
    G = J @ J.T
    m = len(J)
    B = np.stack([mt.AlignedMTL(pref=np.eye(m)[k]).from_gramian(G) for k in range(m)], axis=1)
    lam = np.linalg.eigvalsh(G)
    kept = lam[lam > 1e-12 * lam.max()]
    # the aligned rows B J are orthogonal with equal norms sqrt(lambda_min) on range(G)
    aligned = B @ G @ B
    np.testing.assert_allclose(np.linalg.eigvalsh(aligned)[-len(kept):], kept.min(),
                               rtol=1e-6, atol=1e-9 * lam.max())


# --- CAGrad ---------------------------------------------------------------------------------

def _project_on_cone(J, g0):
    """argmin |d - g0| s.t. J d >= 0, by trying every active set (independent of minigrad)."""
    m, best = len(J), None
    for r in range(m + 1):
        for S in itertools.combinations(range(m), r):
            S = list(S)
            d = g0.copy()
            if S:
                A = J[S]
                lam = np.linalg.lstsq(A @ A.T, -A @ g0, rcond=None)[0]
                if lam.min() < -1e-10:
                    continue
                d = g0 + A.T @ lam
            if np.all(J @ d >= -1e-10 * (1 + np.abs(J).max() ** 2)):
                if best is None or np.linalg.norm(d - g0) < np.linalg.norm(best - g0):
                    best = d
    return best


def _dual_upper_bound(J, k, iters=4000):
    """min_{w in simplex} F(w) = g_w . g0 + k |g_w| by exponentiated gradient: an upper bound
    on the best worst-case progress (weak duality), within about 1e-3 of it."""
    m = len(J)
    G, b = J @ J.T, J @ J.mean(axis=0)
    w, best = np.full(m, 1.0 / m), np.inf
    scale = np.abs(G).max() + 1e-300
    for t in range(iters):
        q = math.sqrt(max(w @ G @ w, 0.0))
        best = min(best, b @ w + k * q)
        grad = b + (k * G @ w / q if q > 0 else 0.0)
        w = w * np.exp(-(2.0 / math.sqrt(t + 1)) * grad / scale)
        w /= w.sum()
    return best


@pytest.mark.parametrize("c", [0.2, 0.5, 0.9, 2.0])
@pytest.mark.parametrize("label,J", CASES[::2], ids=[c[0] for c in CASES[::2]])
def test_cagrad_worst_case_progress_is_optimal(label, J, c):
    w, d = _d(mt.CAGrad(c=c), J)
    g0 = J.mean(axis=0)
    k = c * np.linalg.norm(g0)
    tol = _tol(J)
    assert np.linalg.norm(d - g0) <= k * (1 + 1e-9) + 1e-12  # inside the ball
    v = (J @ d).min()
    # no feasible candidate does better: g0, the ball's points along each task, and the
    # projection of g0 on the cone {J d >= 0} (progress 0) when it lies in the ball
    cands = [g0] + [g0 + k * g / np.linalg.norm(g) for g in J if np.linalg.norm(g) > 0]
    p = _project_on_cone(J, g0)
    if p is not None and np.linalg.norm(p - g0) <= k:
        cands.append(p)
    rng = np.random.default_rng(len(label))
    for u in rng.standard_normal((200, J.shape[1])):
        cands.append(g0 + k * rng.uniform() ** (1 / J.shape[1]) * u / np.linalg.norm(u))
    assert all(v >= (J @ q).min() - tol for q in cands), label
    assert v >= _dual_upper_bound(J, k) - 2e-3 * float((J * J).sum())  # and duality closes


def test_cagrad_at_a_stationary_point_worsens_no_task():
    """The issue's repro: an exactly opposite pair plus a third task, c = 0.5."""
    J = np.array([[1.0, 0, 0], [-1.0, 0, 0], [0.3, 1.0, 0]])
    W = mt.CAGrad(c=0.5)
    d = W(mg.tensor(J, dtype=mg.float64)).numpy()
    np.testing.assert_allclose(d, [0.0, 1 / 3, 0.0], atol=1e-15)
    assert np.all(J @ d >= -1e-15) and W.kkt_residual <= 1e-10
    np.testing.assert_allclose(d, _project_on_cone(J, J.mean(axis=0)), atol=1e-15)


@pytest.mark.parametrize("c", [0.1, 0.5, 0.99])
def test_cagrad_zero_gradient_has_a_finite_residual_and_no_warning(c):
    rng = np.random.default_rng(11)
    for _ in range(15):
        J = rng.standard_normal((3, 4))
        J[rng.integers(3)] = 0.0
        W = mt.CAGrad(c=c)
        W.from_gramian(J @ J.T)
        assert W.kkt_residual <= 1e-10


@pytest.mark.parametrize("label,J", CASES, ids=[c[0] for c in CASES])
def test_cagrad_c0_is_the_mean(label, J):
    w, d = _d(mt.CAGrad(c=0.0), J)
    np.testing.assert_array_equal(w, np.full(len(J), 1.0 / len(J)))


def test_every_family_is_covered():
    assert {c[0].split("-")[0] for c in CASES} == set(FAMILIES)
