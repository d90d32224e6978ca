"""cross_entropy's common case (2-D logits, class indices, no weights, nothing ignored) runs as
log_softmax followed by one NLLRows node; every other case keeps the masked path. Both give the
same values and gradients."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

pytestmark = [pytest.mark.ex3_2]


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _logits(seed=0, n=5, c=4):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c)), rng.integers(0, c, n)


def test_the_common_case_is_log_softmax_then_one_nll_node():
    z, t = _logits()
    loss = F.cross_entropy(mg.tensor(z, requires_grad=True), mg.tensor(t))
    assert loss.grad_fn.name == "NLLRowsBackward"
    assert loss.grad_fn.parents[0].name == "LogSoftmaxBackward"


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_values_and_gradients_match_softmax_minus_onehot(reduction):
    z, t = _logits(1)
    x = mg.tensor(z, requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor(t), reduction=reduction)
    logp = np.log(_softmax(z))
    per = -logp[np.arange(len(t)), t]
    want = {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]
    np.testing.assert_allclose(loss.detach().numpy(), want, rtol=1e-12)
    (loss.sum() if reduction == "none" else loss).backward()
    grad = _softmax(z) - np.eye(z.shape[1])[t]
    np.testing.assert_allclose(x.grad.numpy(), grad / (len(t) if reduction == "mean" else 1),
                               rtol=1e-10, atol=1e-14)


def test_minus_inf_logits_of_other_classes_stay_finite():
    z, t = _logits(2)
    z[np.arange(len(t)), (t + 1) % z.shape[1]] = -np.inf  # a masked-out class in every row
    x = mg.tensor(z, requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor(t))
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), (_softmax(z) - np.eye(z.shape[1])[t]) / len(t),
                               atol=1e-14)


def test_an_ignore_index_that_is_a_class_takes_the_masked_path():
    z, _ = _logits(3, n=4, c=3)
    t = np.array([0, 2, 1, 2])
    x = mg.tensor(z, requires_grad=True)
    loss = F.cross_entropy(x, mg.tensor(t), ignore_index=2)  # rows 1 and 3 do not count
    assert loss.grad_fn.name != "NLLRowsBackward"
    logp = np.log(_softmax(z))
    np.testing.assert_allclose(loss.item(), -(logp[0, 0] + logp[2, 1]) / 2, rtol=1e-12)


def test_nll_loss_uses_the_same_op_and_checks_targets_first():
    z, t = _logits(4)
    logp = mg.tensor(z, requires_grad=True).log_softmax(1)
    assert F.nll_loss(logp, mg.tensor(t)).grad_fn.name == "NLLRowsBackward"
    with pytest.raises(IndexError, match="out of range"):
        F.nll_loss(logp, mg.tensor(np.array([0, 1, 2, 9, 0])))


def test_nll_rows_refuses_other_shapes_and_reductions():
    lp = mg.tensor(np.zeros((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match="reduction"):
        mg.nll_rows(lp, mg.tensor(np.array([0, 1])), "avg")
    with pytest.raises(ValueError, match=r"logp \(N, C\)"):
        mg.nll_rows(lp, mg.tensor(np.array([0.0, 1.0])))
    for bad in (-1, 3):  # a negative target would silently pick from the end of the row
        with pytest.raises(IndexError, match=rf"nll_rows: target {bad} is out of range for 3"):
            mg.nll_rows(lp, mg.tensor(np.array([0, bad])))
