"""DualProj, ConFIG, GradVac, NashMTL, FairGrad, Krum, TrimmedMean, GradDrop, ExcessMTL,
Random/RLW and IMTL-L against closed forms, their defining equations and references computed
here by independent code (numpy pinv, sorting, the published update rules)."""
import math
import warnings

import numpy as np
import pytest
from jacobian_families import cases

import minigrad as mg
import minigrad.multitask as mt

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex3_4, pytest.mark.ex4_2]

J_REF = np.array([[-4.0, 1.0, 1.0], [6.0, 1.0, 1.0]])  # torchjd's test_values.py matrix
TORCHJD = {"DualProj": [0.5563, 1.1109, 1.1109], "ConFIG": [0.1588, 2.0706, 2.0706]}


def _J(a):
    return mg.tensor(np.asarray(a, dtype=np.float64), dtype=mg.float64)


def test_dualproj_by_hand_on_the_reference_matrix():
    # mean (1, 1, 1) conflicts with g1 (g1 . mean = -2): d = mean + (2 / 18) g1
    d = mt.DualProj()(_J(J_REF)).numpy()
    np.testing.assert_allclose(d, [5 / 9, 10 / 9, 10 / 9], atol=1e-14)
    np.testing.assert_allclose(d, TORCHJD["DualProj"], atol=1e-3)
    J = np.array([[1.0, 0.0], [-1.0, 1.0]])  # the mean (0, .5) conflicts with no task
    np.testing.assert_allclose(mt.DualProj()(_J(J)).numpy(), J.mean(0), atol=1e-15)


def test_config_matches_pinv_of_the_unit_rows():
    rng = np.random.default_rng(0)
    for J in [J_REF, rng.standard_normal((3, 5)), rng.standard_normal((4, 6))]:
        U = J / np.linalg.norm(J, axis=1, keepdims=True)
        du = np.linalg.pinv(U) @ np.ones(len(J))
        du /= np.linalg.norm(du)
        ref = (J @ du).sum() * du
        d = mt.ConFIG()(_J(J)).numpy()
        np.testing.assert_allclose(d, ref, atol=1e-11)
        cos = J @ d / np.linalg.norm(J, axis=1) / np.linalg.norm(d)
        np.testing.assert_allclose(cos, cos[0], rtol=1e-10)  # equal angle with every task
    np.testing.assert_allclose(mt.ConFIG()(_J(J_REF)).numpy(), TORCHJD["ConFIG"], atol=1e-3)


def test_gradvac_first_step_is_pcgrad_then_it_hits_the_ema_target():
    rng = np.random.default_rng(1)
    J = rng.standard_normal((3, 6))
    gv = mt.GradVac(beta=0.5, seed=3)
    np.testing.assert_allclose(gv(_J(J)).numpy(), mt.PCGrad(seed=3)(_J(J)).numpy(),
                               atol=1e-13)
    # two tasks with a conflict: after one step the target is beta * cos(g1, g2) > cos
    J = np.array([[1.0, 0.0], [-0.6, 0.8]])
    gv = mt.GradVac(beta=0.5, seed=0)
    gv(_J(J))
    phi = J[0] @ J[1]  # unit rows: cos = -0.6
    np.testing.assert_allclose(gv.targets, [[0, 0.5 * phi], [0.5 * phi, 0]], atol=1e-15)
    target = 0.5 * phi
    d = gv(_J(J)).numpy()
    # the published rule, by hand, for each task i against the other j
    expect = np.zeros(2)
    for i, j in [(0, 1), (1, 0)]:
        gi, gj = J[i], J[j]
        w = (np.linalg.norm(gi) * (target * math.sqrt(1 - phi ** 2) - phi
                                   * math.sqrt(1 - target ** 2))
             / (np.linalg.norm(gj) * math.sqrt(1 - target ** 2)))
        new = gi + w * gj
        cos = new @ gj / np.linalg.norm(new) / np.linalg.norm(gj)
        assert abs(cos - target) < 1e-12  # the correction sets the cosine to the target
        expect += new
    np.testing.assert_allclose(d, expect, atol=1e-13)


def test_nash_mtl_solves_the_bargaining_equations():
    rng = np.random.default_rng(2)
    for m, n in [(2, 4), (3, 5), (5, 8)]:
        J = rng.standard_normal((m, n))
        W = mt.NashMTL()
        w = W.weights_for(_J(J)).numpy()
        G = J @ J.T
        np.testing.assert_allclose(w * (G @ w), 1.0, rtol=1e-10)  # g_i . d = 1 / w_i
        assert w.min() > 0 and W.kkt_residual <= 1e-10
        np.testing.assert_allclose(np.linalg.norm(w @ J) ** 2, m, rtol=1e-10)
        np.testing.assert_allclose(mt.NashMTL()(_J(7.0 * J)).numpy(), w @ J, rtol=1e-10)
    J = rng.standard_normal((2, 4))
    n1, n2 = np.linalg.norm(J, axis=1)
    cos = J[0] @ J[1] / (n1 * n2)
    np.testing.assert_allclose(mt.NashMTL().weights_for(_J(J)).numpy(),
                               [1 / (n1 * math.sqrt(1 + cos)), 1 / (n2 * math.sqrt(1 + cos))],
                               rtol=1e-12)
    d = mt.NashMTL(max_norm=0.5)(_J(J)).numpy()
    np.testing.assert_allclose(np.linalg.norm(d), 0.5, rtol=1e-12)
    opposite = np.array([[1.0, 2.0], [-2.0, -4.0]])  # Pareto-stationary: no solution, w = 0
    assert np.all(mt.NashMTL()(_J(opposite)).numpy() == 0)


def test_fairgrad_alpha_fair_equations_and_nash_at_alpha_1():
    rng = np.random.default_rng(3)
    J = rng.standard_normal((3, 5))
    G = J @ J.T
    for alpha in (0.5, 1.0, 2.0, 5.0):
        w = mt.FairGrad(alpha).weights_for(_J(J)).numpy()
        np.testing.assert_allclose(G @ w, w ** (-1 / alpha), rtol=1e-10)
    np.testing.assert_allclose(mt.FairGrad(1.0).weights_for(_J(J)).numpy(),
                               mt.NashMTL().weights_for(_J(J)).numpy(), rtol=1e-12)
    # orthogonal rows, G = diag(a): a w = w^(-1/alpha) so w = a^(-alpha / (1 + alpha))
    a = np.array([4.0, 1.0, 0.25])
    Jd = np.diag(np.sqrt(a))
    np.testing.assert_allclose(mt.FairGrad(2.0).weights_for(_J(Jd)).numpy(),
                               a ** (-2 / 3), rtol=1e-12)
    with pytest.raises(ValueError, match="alpha must be > 0"):
        mt.FairGrad(0.0)


def test_krum_by_hand():
    J = np.array([[0.0], [1.5], [2.0], [10.0]])
    # m - f - 2 = 1 nearest neighbour: scores 2.25, 0.25, 0.25, 64
    np.testing.assert_array_equal(mt.Krum(1).weights_for(_J(J)).numpy(), [0, 1, 0, 0])
    np.testing.assert_array_equal(mt.Krum(1, n_selected=2).weights_for(_J(J)).numpy(),
                                  [0, 0.5, 0.5, 0])
    with pytest.raises(ValueError, match="n_byzantine \\+ 3"):
        mt.Krum(2)(_J(J))


def test_trimmed_mean_matches_sorting_with_ties():
    rng = np.random.default_rng(4)
    for J in [rng.standard_normal((5, 7)), rng.integers(-2, 3, (6, 9)).astype(float)]:
        for t in (0, 1, 2):
            ref = np.sort(J, axis=0)[t:len(J) - t].mean(0)
            np.testing.assert_allclose(mt.TrimmedMean(t)(_J(J)).numpy(), ref, atol=1e-15)
    with pytest.raises(ValueError, match="m > 2 \\* trim_number"):
        mt.TrimmedMean(3)(_J(np.ones((6, 2))))


def test_graddrop_against_the_rule_with_the_same_draws():
    rng = np.random.default_rng(5)
    J = rng.standard_normal((3, 40))
    J[:, 0] = 0.0  # a coordinate no task touches
    mg.manual_seed(7)
    U = mg.rand(40, dtype=mg.float64).numpy()
    mg.manual_seed(7)
    d = mt.GradDrop()(_J(J)).numpy()
    P = 0.5 * (1 + J.sum(0) / np.where(np.abs(J).sum(0) > 0, np.abs(J).sum(0), 1))
    mask = ((P > U) & (J > 0)) | ((P < U) & (J < 0))
    np.testing.assert_array_equal(d, (J * mask).sum(0))
    assert d[0] == 0
    same_sign = np.abs(rng.standard_normal((3, 10))) * [[1], [2], [3]]
    np.testing.assert_allclose(mt.GradDrop()(_J(same_sign)).numpy(), same_sign.sum(0))


def test_excess_mtl_follows_libmtls_update_over_three_steps():
    rng = np.random.default_rng(6)
    Js = [rng.standard_normal((2, 5)) for _ in range(3)]
    ex = mt.ExcessMTL(2, step_size=0.5)
    S, w, r0 = np.zeros((2, 5)), np.ones(2), None
    for J in Js:
        d = ex(_J(J)).numpy()
        S = S + J ** 2
        risk = (J ** 2 / np.sqrt(S + 1e-7)).sum(1)
        if r0 is None:
            r0 = risk
        else:
            w = w * np.exp(0.5 * risk / r0)
            w = 2 * w / w.sum()
        np.testing.assert_allclose(ex.weights, w, rtol=1e-13)
        np.testing.assert_allclose(d, w @ J, rtol=1e-13)
    assert ex.weights != [1.0, 1.0]


def test_random_weighting_and_rlw_draw_softmax_of_normals():
    J = np.eye(3)
    z = np.random.default_rng(9).standard_normal(3)
    expect = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(mt.Random(seed=9).weights_for(_J(J)).numpy(), expect, rtol=1e-14)
    x = mg.tensor(1.0, dtype=mg.float64, requires_grad=True)
    rlw = mt.RLW(3, seed=9)
    total = rlw([x * 1.0, x * 2.0, x * 3.0])
    np.testing.assert_allclose(rlw.weights, expect, rtol=1e-14)
    np.testing.assert_allclose(total.item(), expect @ [1, 2, 3], rtol=1e-14)
    rlw([x, x, x])
    assert not np.allclose(rlw.weights, expect)  # a fresh draw every step
    mg.manual_seed(4)
    a = mt.Random().weights_for(_J(J)).numpy()
    mg.manual_seed(4)
    np.testing.assert_array_equal(mt.Random().weights_for(_J(J)).numpy(), a)


def test_imtl_l_value_gradient_and_optimum():
    x = mg.tensor(1.0, dtype=mg.float64, requires_grad=True)
    imtl = mt.IMTLL(2, init=0.3, dtype=mg.float64)
    L = [x * 2.0, x * 0.5]
    total = imtl(L)
    np.testing.assert_allclose(total.item(), math.exp(0.3) * 2.5 - 0.6, rtol=1e-14)
    (gs,) = mg.grad(total, imtl.log_scales)
    np.testing.assert_allclose(gs.numpy(), math.exp(0.3) * np.array([2.0, 0.5]) - 1)
    opt = mg.optim.SGD(imtl.parameters(), lr=0.2)
    for _ in range(300):
        opt.zero_grad()
        imtl([x * 2.0, x * 0.5]).backward()
        opt.step()
    np.testing.assert_allclose(imtl.log_scales.detach().numpy(), [-math.log(2.0), -math.log(0.5)],
                               atol=1e-9)  # every scaled loss exp(s) L = 1
    np.testing.assert_allclose(imtl.weights, [0.5, 2.0], rtol=1e-8)


NEW_CASES = cases(count_per_family=6, seed=1)


@pytest.mark.parametrize("label,J", NEW_CASES, ids=[c[0] for c in NEW_CASES])
def test_new_weightings_on_the_degenerate_families(label, J):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        G = J @ J.T
        d = mt.DualProj().from_gramian(G) @ J
        assert np.all(J @ d >= -1e-10 * max(1, (J * J).sum()))  # DualProj never conflicts
        W = mt.NashMTL()
        w = W.from_gramian(G)
        stationary = label.startswith(("zero_row", "opposite"))
        if stationary:
            assert np.all(w == 0)
        elif np.linalg.matrix_rank(G) == len(J):
            np.testing.assert_allclose(w * (G @ w), 1.0, rtol=1e-8)
        for M in (mt.ConFIG(), mt.GradVac(seed=0), mt.FairGrad(2.0), mt.Random(seed=0)):
            assert np.all(np.isfinite(M.from_gramian(G)))
        for A in (mt.TrimmedMean(0), mt.GradDrop(), mt.ExcessMTL(len(J))):
            assert np.all(np.isfinite(A(_J(J)).numpy()))


def test_aggregate_accepts_the_coordinate_wise_aggregators():
    from mt_toy import two_heads
    (W, A, B), losses = two_heads()
    agg = mt.aggregate(losses(), [W], [A, B], mt.TrimmedMean(0))
    np.testing.assert_allclose(W.grad.numpy().ravel(), agg.jacobian.numpy().mean(0),
                               rtol=1e-12)
