"""Assignment 3: softmax and log-softmax backward, cross-entropy, and the SGD and Adam steps.

The engine (assignments 1 and 2) is solved in this copy, so the rules are checked through it:
``gradcheck`` compares them with float64 finite differences. The optimizer steps are checked
against the update rules written out in NumPy.
"""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.optim import SGD, Adam, AdamW
from minigrad.testing import gradcheck

RNG = np.random.default_rng(3)


def _t(a, grad=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


@pytest.mark.ex3_1
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_backward_passes_gradcheck(dim):
    x, w = _t(RNG.normal(size=(3, 4))), _t(RNG.normal(size=(3, 4)), grad=False)
    assert gradcheck(lambda x: (mg.softmax(x, dim) * w).sum(), [x])
    assert gradcheck(lambda x: mg.softmax(x, dim), [x])


@pytest.mark.ex3_2
@pytest.mark.parametrize("dim", [0, -1])
def test_log_softmax_backward_passes_gradcheck(dim):
    x = _t(RNG.normal(size=(3, 4)))
    assert gradcheck(lambda x: mg.log_softmax(x, dim), [x])


@pytest.mark.ex3_2
def test_log_softmax_gradient_is_finite_for_huge_logits():
    x = _t([[1000.0, -1000.0, 0.0]])
    (g,) = mg.grad(mg.log_softmax(x, -1)[0, 0], x)
    np.testing.assert_allclose(g.numpy(), [[0.0, 0.0, 0.0]], atol=1e-12)
    (g,) = mg.grad(mg.log_softmax(x, -1)[0, 2], x)
    np.testing.assert_allclose(g.numpy(), [[-1.0, 0.0, 1.0]], atol=1e-12)


def _np_log_softmax(x, axis):
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


@pytest.mark.ex3_3
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_probability_targets(reduction):
    x, p = RNG.normal(size=(5, 4)), RNG.dirichlet(np.ones(4), size=5)
    want = -(p * _np_log_softmax(x, 1)).sum(1)
    want = {"mean": want.mean(), "sum": want.sum(), "none": want}[reduction]
    got = F.cross_entropy(_t(x, False), _t(p, False), reduction=reduction)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


@pytest.mark.ex3_3
def test_cross_entropy_one_hot_probabilities_equal_class_indices_and_weights_apply():
    x = RNG.normal(size=(6, 3))
    y = np.array([0, 2, 1, 1, 0, 2])
    onehot = np.eye(3)[y]
    idx = F.cross_entropy(_t(x, False), mg.tensor(y), reduction="sum")
    prob = F.cross_entropy(_t(x, False), _t(onehot, False), reduction="sum")
    np.testing.assert_allclose(prob.numpy(), idx.numpy(), rtol=1e-12)
    w = np.array([1.0, 2.0, 0.5])
    weighted = F.cross_entropy(_t(x, False), _t(onehot, False), weight=_t(w, False),
                               reduction="sum")
    np.testing.assert_allclose(weighted.numpy(), -(w[y] * _np_log_softmax(x, 1)[
        np.arange(6), y]).sum(), rtol=1e-12)
    big = F.cross_entropy(_t([[1000.0, -1000.0]], False), _t([[0.0, 1.0]], False))
    np.testing.assert_allclose(big.numpy(), 2000.0)


@pytest.mark.ex3_2
@pytest.mark.ex3_3
def test_cross_entropy_gradient_is_softmax_minus_target():
    x, p = RNG.normal(size=(5, 4)), RNG.dirichlet(np.ones(4), size=5)
    xt = _t(x)
    (g,) = mg.grad(F.cross_entropy(xt, _t(p, False)), xt)
    sm = np.exp(_np_log_softmax(x, 1))
    np.testing.assert_allclose(g.numpy(), (sm - p) / 5, rtol=1e-10, atol=1e-14)


def _steps(opt_cls, grads, **kw):
    p = _t([1.0, -2.0, 3.0])
    opt = opt_cls([p], **kw)
    for g in grads:
        p.grad = mg.tensor(np.asarray(g, dtype=np.float64))
        opt.step()
    return p.detach().numpy()


GRADS = [[0.5, -1.0, 2.0], [0.1, 0.2, -0.3], [-1.0, 0.0, 1.0]]


def _decayed_sum(gs, rate, first=1.0, rest=1.0):
    """sum_k w_k * rate**(t-k) * gs[k] over the history (w = first for k = 1, else rest): the
    moving averages written out over all past gradients instead of updated step by step."""
    t = len(gs)
    return sum((first if k == 0 else rest) * rate ** (t - 1 - k) * g for k, g in enumerate(gs))


def _np_sgd(grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
            maximize=False):
    p, seen = np.array([1.0, -2.0, 3.0]), []
    for g in map(np.array, grads):
        seen.append((-g if maximize else g) + weight_decay * p)
        if not momentum:
            d = seen[-1]
        else:  # the buffer: the first gradient, then decayed by mu and damped
            buf = _decayed_sum(seen, momentum, 1.0, 1 - dampening)
            d = seen[-1] + momentum * buf if nesterov else buf
        p = p - lr * d
    return p


@pytest.mark.ex3_4
@pytest.mark.parametrize("kw", [
    {}, {"weight_decay": 0.1}, {"momentum": 0.9}, {"momentum": 0.9, "dampening": 0.5},
    {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}, {"maximize": True},
])
def test_sgd_steps_follow_the_update_rule(kw):
    np.testing.assert_allclose(_steps(SGD, GRADS, lr=0.1, **kw), _np_sgd(GRADS, 0.1, **kw),
                               rtol=1e-12)


def _np_adam(grads, lr, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False,
             decoupled=False):
    p, seen, second = np.array([1.0, -2.0, 3.0]), [], []
    for t, g in enumerate(map(np.array, grads), start=1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        seen.append(g)
        # the moments as bias-corrected weighted means of the whole history
        m = (1 - b1) * _decayed_sum(seen, b1) / (1 - b1 ** t)
        second.append((1 - b2) * _decayed_sum([x * x for x in seen], b2) / (1 - b2 ** t))
        s = second[-1]
        if amsgrad:  # the largest raw second moment so far, corrected for this step
            s = np.max([x * (1 - b2 ** k) for k, x in enumerate(second, start=1)],
                       axis=0) / (1 - b2 ** t)
        p = p - lr * m / (np.sqrt(s) + eps)
    return p


@pytest.mark.ex3_5
@pytest.mark.parametrize("kw", [{}, {"weight_decay": 0.1}, {"amsgrad": True},
                                {"betas": (0.5, 0.9), "eps": 1e-3}])
def test_adam_steps_follow_the_update_rule(kw):
    b1, b2 = kw.get("betas", (0.9, 0.999))
    want = _np_adam(GRADS, 0.01, b1, b2, kw.get("eps", 1e-8), kw.get("weight_decay", 0.0),
                    kw.get("amsgrad", False))
    np.testing.assert_allclose(_steps(Adam, GRADS, lr=0.01, **kw), want, rtol=1e-12)


@pytest.mark.ex3_5
def test_adamw_decouples_the_weight_decay():
    want = _np_adam(GRADS, 0.01, weight_decay=0.1, decoupled=True)
    np.testing.assert_allclose(_steps(AdamW, GRADS, lr=0.01, weight_decay=0.1), want,
                               rtol=1e-12)
