"""update() takes values; aggregate accumulates into .grad in place; dtype errors name dtype=;
FAMO's logit step is minigrad.optim.Adam's (checked against the update rule by hand)."""
import math

import numpy as np
import pytest
from mt_toy import two_heads

import minigrad as mg
import minigrad.multitask as mt

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex3_1,
              pytest.mark.ex3_5, pytest.mark.ex4_1]


def test_dwa_update_takes_floats_and_no_grad_tensors():
    a, b = mt.DWA(2), mt.DWA(2)
    x = mg.tensor(1.0, dtype=mg.float64, requires_grad=True)
    for v1, v2 in [(3.0, 1.0), (1.0, 2.0)]:
        a.update([v1, v2])
        with mg.no_grad():
            b.update({"u": x * v1, "v": x * v2})
    a.end_epoch()
    b.end_epoch()
    assert a.history == b.history == [[2.0, 1.5]]
    with pytest.raises(ValueError, match="built for 2 losses"):
        a.update([1.0])
    with pytest.raises(ValueError, match="must be finite"):
        a.update([1.0, math.nan])
    with pytest.raises(TypeError, match="not a number"):
        a.update([1.0, "x"])


def test_famo_update_takes_values_computed_under_no_grad():
    (W, A, B), losses = two_heads()
    f1, f2 = mt.FAMO(2), mt.FAMO(2)
    for famo, as_floats in ((f1, True), (f2, False)):
        famo(losses())
        with mg.no_grad():
            new = {k: v * 0.5 for k, v in losses().items()}
        famo.update({k: v.item() for k, v in new.items()} if as_floats else new)
    np.testing.assert_array_equal(f1.xi, f2.xi)
    assert np.any(f1.xi != 0)


def _adam_reference(grads, lr, wd, b1=0.9, b2=0.999, eps=1e-8):
    """The FAMO logits after Adam steps with coupled L2 decay (torch.optim.Adam's rule)."""
    xi, m, v = np.zeros(2), np.zeros(2), np.zeros(2)
    out = []
    for t, g in enumerate(grads, start=1):
        g = g(xi) + wd * xi
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        xi = xi - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
        out.append(xi.copy())
    return out


def test_famo_logit_steps_match_adam_with_weight_decay_over_several_steps():
    famo = mt.FAMO(2, lr=0.05, weight_decay=0.01)
    assert mt.FAMO(2).weight_decay == 0.01  # the official code's default
    before = [(1.0, 2.0), (0.8, 1.9), (0.7, 1.5), (0.65, 1.2), (0.6, 1.1)]
    after = [(0.8, 1.9), (0.7, 1.85), (0.65, 1.2), (0.6, 1.15), (0.59, 1.0)]
    x = mg.tensor(1.0, dtype=mg.float64, requires_grad=True)
    got = []
    for pre, post in zip(before, after):
        famo([x * pre[0], x * pre[1]])
        famo.update(list(post))
        got.append(famo.xi)

    def vjp(pre, post):
        delta = np.log(pre) - np.log(post)

        def g(xi):
            z = np.exp(xi) / np.exp(xi).sum()
            return z * (delta - z @ delta)  # softmax's Jacobian (diag z - z z^T) times delta
        return g
    ref = _adam_reference([vjp(np.add(p, 1e-8), np.add(q, 1e-8)) for p, q in zip(before, after)],
                          lr=0.05, wd=0.01)
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-16)


def test_famo_has_no_hand_written_adam():
    import inspect

    from minigrad.multitask import dynamic
    src = inspect.getsource(dynamic)
    assert "b2 ** " not in src and "sqrt(v_hat)" not in src and "Adam(" in src


def test_aggregate_accumulates_into_grad_in_place():
    (W, A, B), losses = two_heads()
    aggs = []
    for _ in range(2):
        L = losses()
        aggs.append(mt.aggregate(L, [W], [A, B], mt.MGDA()))
    held_W, held_A = W.grad, A.grad
    d0 = aggs[0].direction.numpy().copy()
    L = losses()
    mt.aggregate(L, [W], [A, B], mt.MGDA())
    assert W.grad is held_W and A.grad is held_A  # the same tensors, now holding the sum
    np.testing.assert_allclose(held_W.numpy().ravel(), 3 * d0, rtol=1e-12)
    (ga,) = mg.grad(losses()["a"], A)
    np.testing.assert_allclose(held_A.numpy(), 3 * ga.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(aggs[0].direction.numpy(), d0)  # .grad is not a view of d


def test_aggregate_matches_backward_accumulation_semantics():
    (W, A, B), losses = two_heads()
    sum(losses().values()).backward()
    ref_W = W.grad.numpy().copy()
    held = W.grad
    mt.aggregate(losses(), [W], [A, B], lambda J: J.sum(0))  # the plain sum as a weighting
    assert W.grad is held
    np.testing.assert_allclose(held.numpy(), 2 * ref_W, rtol=1e-12)


@pytest.mark.parametrize("make", [lambda: mt.UncertaintyWeighting(2), lambda: mt.LearnedAlpha()])
def test_scalarizer_dtype_mismatch_names_dtype(make):
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    with pytest.raises(TypeError, match=r"float32 but loss 'losses\[0\]' is float64.*"
                                        r"dtype=minigrad.float64"):
        make()([x[0] * 1, x[1] * 1])
    s = type(make())(2, dtype=mg.float64) if isinstance(make(), mt.UncertaintyWeighting) \
        else mt.LearnedAlpha(dtype=mg.float64)
    assert s([x[0] * 1, x[1] * 1]).dtype == mg.float64


def test_gradnorm_dtype_mismatch_names_dtype():
    (W, A, B), losses = two_heads()
    with pytest.raises(TypeError, match="dtype=minigrad.float64"):
        mt.GradNorm([W])(losses())
    gn = mt.GradNorm([W], dtype=mg.float64)
    assert gn(losses()).dtype == mg.float64
    held = gn.w.grad
    gn(losses())
    assert gn.w.grad is held  # accumulated in place, like backward()


def test_weighting_weights_for_and_scalarizer_weights_are_distinct_names():
    J = mg.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=mg.float64)
    np.testing.assert_allclose(mt.MGDA().weights_for(J).numpy(), [0.5, 0.5])
    assert not hasattr(mt.Weighting, "weights")
    assert isinstance(mt.FixedWeights([0.3, 0.7]).weights, list)
