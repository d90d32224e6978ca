"""Losses in nn.functional: values against NumPy formulas, options, stability, errors, and
float64 gradchecks."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.testing import gradcheck

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex3_1,
              pytest.mark.ex3_2, pytest.mark.ex3_3]


def np_log_softmax(x, axis=1):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


def logits(*shape, seed=0, requires_grad=True):
    rng = np.random.default_rng(seed)
    return mg.tensor(rng.normal(size=shape) * 2, dtype=mg.float64, requires_grad=requires_grad)


# ----------------------------------------------------------------------------- cross-entropy
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_class_targets(reduction):
    x, t = logits(5, 4), mg.tensor([0, 3, 1, 1, 2])
    per = -np_log_softmax(x.detach().numpy())[np.arange(5), t.numpy()]
    ref = {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]
    out = F.cross_entropy(x, t, reduction=reduction)
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-12)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    x, t = logits(3, 4), mg.tensor([2, 0, 3])
    F.cross_entropy(x, t).backward()
    p = np.exp(np_log_softmax(x.detach().numpy()))
    p[np.arange(3), t.numpy()] -= 1
    np.testing.assert_allclose(x.grad.numpy(), p / 3, rtol=1e-10)


def test_cross_entropy_is_stable_for_huge_logits():
    x = mg.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]], requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor([0, 0]), reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [0.0, 2000.0 + np.log(2)], rtol=1e-6)
    loss.sum().backward()
    g = x.grad.numpy()
    assert np.isfinite(g).all()
    np.testing.assert_allclose(g, [[0, 0, 0], [-1, 0.5, 0.5]], atol=1e-6)


def test_cross_entropy_probability_targets_and_weights():
    x = logits(4, 3)
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(3), size=4)
    w = np.array([1.0, 2.0, 0.5])
    lsm = np_log_softmax(x.detach().numpy())
    got = F.cross_entropy(x, mg.tensor(p), weight=mg.tensor(w))
    np.testing.assert_allclose(got.item(), (-(lsm * p * w).sum(1)).mean(), rtol=1e-12)
    # a one-hot probability target equals the class-index target
    t = np.array([2, 0, 1, 1])
    onehot = np.eye(3)[t]
    np.testing.assert_allclose(F.cross_entropy(x, mg.tensor(onehot)).item(),
                               F.cross_entropy(x, mg.tensor(t)).item(), rtol=1e-12)


def test_cross_entropy_class_weights_and_ignore_index():
    x, t = logits(6, 3), np.array([0, 2, -100, 1, 2, -100])
    w = np.array([0.2, 1.0, 3.0])
    lsm = np_log_softmax(x.detach().numpy())
    keep = t != -100
    per = -lsm[np.arange(6)[keep], t[keep]] * w[t[keep]]
    got = F.cross_entropy(x, mg.tensor(t), weight=mg.tensor(w))
    np.testing.assert_allclose(got.item(), per.sum() / w[t[keep]].sum(), rtol=1e-12)
    none = F.cross_entropy(x, mg.tensor(t), weight=mg.tensor(w), reduction="none").detach()
    assert none.shape == (6,) and none.numpy()[~keep].tolist() == [0.0, 0.0]
    x2 = logits(6, 3)
    F.cross_entropy(x2, mg.tensor(t)).backward()
    assert not x2.grad.numpy()[~keep].any()  # ignored rows get no gradient


def test_cross_entropy_label_smoothing():
    x, t = logits(5, 4), np.array([0, 3, 1, 1, 2])
    eps = 0.1
    lsm = np_log_softmax(x.detach().numpy())
    q = np.full((5, 4), eps / 4)
    q[np.arange(5), t] += 1 - eps
    got = F.cross_entropy(x, mg.tensor(t), label_smoothing=eps)
    np.testing.assert_allclose(got.item(), (-(lsm * q).sum(1)).mean(), rtol=1e-12)
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, mg.tensor(t), label_smoothing=1.5)


def test_cross_entropy_spatial_and_unbatched_inputs():
    x = logits(2, 3, 4)  # (N, C, d)
    t = np.array([[0, 1, 2, 2], [1, 1, 0, 2]])
    lsm = np_log_softmax(x.detach().numpy(), axis=1)
    ref = -np.take_along_axis(lsm, t[:, None], 1)[:, 0]
    np.testing.assert_allclose(
        F.cross_entropy(x, mg.tensor(t), reduction="none").detach().numpy(), ref, rtol=1e-12)
    v = logits(4)
    np.testing.assert_allclose(F.cross_entropy(v, mg.tensor(2)).item(),
                               -np_log_softmax(v.detach().numpy(), 0)[2], rtol=1e-12)


def test_cross_entropy_errors():
    x = logits(3, 4)
    with pytest.raises(IndexError, match=r"target 4 is out of range for 4 classes"):
        F.cross_entropy(x, mg.tensor([0, 4, 1]))
    with pytest.raises(ValueError, match=r"target of shape \(3, 1\).*need shape \(3,\)"):
        F.cross_entropy(x, mg.tensor([[0], [1], [2]]))
    with pytest.raises(ValueError, match="probability targets must have the input's shape"):
        F.cross_entropy(x, mg.zeros(3, 3, dtype=mg.float64))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, mg.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match=r"weight must be a Tensor of shape \(4,\)"):
        F.cross_entropy(x, mg.tensor([0, 1, 2]), weight=mg.ones(3))


def test_nll_loss_after_log_softmax_is_cross_entropy():
    x, t = logits(4, 5), mg.tensor([4, 0, 0, 2])
    np.testing.assert_allclose(F.nll_loss(F.log_softmax(x, 1), t).item(),
                               F.cross_entropy(x, t).item(), rtol=1e-12)
    with pytest.raises(TypeError, match="integer class indices"):
        F.nll_loss(x, mg.zeros(4))


# ----------------------------------------------------------------------------- regression
@pytest.mark.parametrize("fn,ref", [
    (F.mse_loss, lambda d: d ** 2), (F.l1_loss, np.abs)])
def test_mse_and_l1(fn, ref):
    a, b = logits(3, 2), logits(3, 2, seed=1)
    d = a.detach().numpy() - b.detach().numpy()
    np.testing.assert_allclose(fn(a, b).item(), ref(d).mean(), rtol=1e-12)
    np.testing.assert_allclose(fn(a, b, reduction="sum").item(), ref(d).sum(), rtol=1e-12)
    assert fn(a, b, reduction="none").shape == (3, 2)


@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss, F.binary_cross_entropy_with_logits,
                                F.binary_cross_entropy])
def test_pointwise_losses_refuse_different_shapes(fn):
    with pytest.raises(ValueError, match=r"input has shape \(64, 1\) but target has shape "
                                         r"\(64,\)"):
        fn(mg.rand(64, 1), mg.rand(64))


def test_pointwise_losses_want_float_targets():
    with pytest.raises(TypeError, match=r"\.float\(\)"):
        F.mse_loss(mg.rand(3), mg.tensor([1, 0, 1]))


# ----------------------------------------------------------------------------- binary
def test_bce_with_logits_values_pos_weight_and_stability():
    x, y = logits(6), mg.tensor(np.array([0, 1, 1, 0, 0.3, 1.0]))
    s = 1 / (1 + np.exp(-x.detach().numpy()))
    yn = y.numpy()
    ref = -(yn * np.log(s) + (1 - yn) * np.log(1 - s))
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, y).item(), ref.mean(),
                               rtol=1e-12)
    pw = 3.0
    ref_pw = -(pw * yn * np.log(s) + (1 - yn) * np.log(1 - s))
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(x, y, pos_weight=mg.tensor(pw, dtype=mg.float64)
                                           ).item(), ref_pw.mean(), rtol=1e-12)
    big = mg.tensor([1000.0, -1000.0, 1000.0, -1000.0], requires_grad=True)
    yy = mg.tensor([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(big, yy, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [0, 0, 1000, 1000])
    loss.sum().backward()
    np.testing.assert_allclose(big.grad.numpy(), [0, 0, 1, -1])


def test_bce_with_logits_gradient_at_zero_is_sigmoid_minus_target():
    x = mg.zeros(3, dtype=mg.float64, requires_grad=True)
    y = mg.tensor([0.0, 1.0, 0.25], dtype=mg.float64)
    F.binary_cross_entropy_with_logits(x, y, reduction="sum").backward()
    np.testing.assert_allclose(x.grad.numpy(), 0.5 - y.numpy(), rtol=1e-12)


def test_bce_on_probabilities_matches_logit_form():
    x, y = logits(5), mg.tensor(np.array([0, 1, 1, 0, 0.5]))
    np.testing.assert_allclose(F.binary_cross_entropy(F.sigmoid(x), y).item(),
                               F.binary_cross_entropy_with_logits(x, y).item(), rtol=1e-10)


# ----------------------------------------------------------------------------- modules
def test_loss_modules_forward_to_functional():
    x, t = logits(4, 3), mg.tensor([0, 1, 2, 1])
    w = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64)
    crit = nn.CrossEntropyLoss(weight=w, label_smoothing=0.05)
    assert crit(x, t).item() == F.cross_entropy(x, t, weight=w, label_smoothing=0.05).item()
    assert list(crit.state_dict()) == ["weight"]
    assert nn.MSELoss(reduction="sum")(x, x * 2).item() == F.mse_loss(x, x * 2, "sum").item()
    assert repr(nn.L1Loss(reduction="none")) == "L1Loss(reduction='none')"
    assert nn.NLLLoss()(F.log_softmax(x, 1), t).item() == F.cross_entropy(x, t).item()


def test_pca_loss_is_reexported():
    from minigrad.ops.pca import pca_loss

    assert F.pca_loss is pca_loss


# ----------------------------------------------------------------------------- gradchecks
T3 = mg.tensor([0, 2, 1])


@pytest.mark.parametrize("fn", [
    lambda x, y: F.cross_entropy(x, T3),
    lambda x, y: F.cross_entropy(x, T3, reduction="none"),
    lambda x, y: F.cross_entropy(x, mg.tensor([0, -100, 1]), weight=mg.tensor(
        [0.5, 1.0, 2.0], dtype=mg.float64), label_smoothing=0.2),
    lambda x, y: F.cross_entropy(x, F.softmax(y, 1)),  # probability target, differentiable too
    lambda x, y: F.nll_loss(F.log_softmax(x, 1), T3, reduction="sum"),
    lambda x, y: F.mse_loss(x, y),
    lambda x, y: F.l1_loss(x, y),
    lambda x, y: F.binary_cross_entropy_with_logits(x, F.sigmoid(y)),
    lambda x, y: F.binary_cross_entropy_with_logits(x, F.sigmoid(y), pos_weight=mg.tensor(
        [1.0, 2.0, 0.5], dtype=mg.float64), reduction="none"),
    lambda x, y: F.binary_cross_entropy(F.sigmoid(x), F.sigmoid(y)),
    lambda x, y: F.softmax(x, 0) * F.log_softmax(y, 1),
], ids=["ce", "ce_none", "ce_weight_ignore_smooth", "ce_prob", "nll", "mse", "l1", "bce_logits",
        "bce_logits_posw", "bce", "softmax_logsoftmax"])
def test_loss_gradcheck_float64(fn):
    x, y = logits(3, 3, seed=2), logits(3, 3, seed=3)
    assert gradcheck(fn, [x, y])


def test_binary_cross_entropy_saturated_probability_has_finite_gradient():
    z = mg.tensor([20.0, -1.0], requires_grad=True)  # sigmoid(20) is exactly 1 in float32
    loss = F.binary_cross_entropy(z.sigmoid(), mg.tensor([1.0, 0.0]))
    loss.backward()
    g = z.grad.numpy()
    assert np.all(np.isfinite(g)) and abs(g[0]) < 1e-6 and g[1] == pytest.approx(0.1345, abs=1e-4)
