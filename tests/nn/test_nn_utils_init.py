"""nn.utils gradient clipping and nn.init schemes."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import init
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def with_grads(*grads):
    ps = []
    for g in grads:
        p = mg.zeros(len(g), requires_grad=True)
        p.grad = mg.tensor(g)
        ps.append(p)
    return ps


def test_clip_grad_norm_scales_jointly_and_returns_the_old_norm():
    ps = with_grads([3.0, 0.0], [0.0, 4.0])  # joint norm 5
    g0 = ps[0].grad
    total = clip_grad_norm_(ps, max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(np.concatenate([p.grad.numpy() for p in ps]),
                               [0.6, 0, 0, 0.8], rtol=1e-5)
    assert ps[0].grad is g0  # clipped in place


def test_clip_grad_norm_leaves_small_gradients_alone_and_skips_missing():
    ps = with_grads([0.3, 0.4])
    ps.append(mg.zeros(2, requires_grad=True))  # no grad
    assert clip_grad_norm_(ps, 1.0).item() == pytest.approx(0.5)
    np.testing.assert_allclose(ps[0].grad.numpy(), [0.3, 0.4])
    assert clip_grad_norm_([mg.zeros(1, requires_grad=True)], 1.0).item() == 0.0


def test_clip_grad_norm_other_norms_and_nonfinite():
    ps = with_grads([1.0, -7.0], [2.0])
    assert clip_grad_norm_(ps, 100.0, norm_type=math.inf).item() == 7.0
    assert clip_grad_norm_(ps, 100.0, norm_type=1).item() == pytest.approx(10.0)
    bad = with_grads([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="overflowed"):
        clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    (p,) = with_grads([-3.0, 0.5, 2.0])
    clip_grad_value_(p, 1.0)
    np.testing.assert_allclose(p.grad.numpy(), [-1.0, 0.5, 1.0])


def test_clip_in_a_training_step():
    model = nn.Linear(3, 1)
    (model(mg.full((4, 3), 100.0)) ** 2).sum().backward()
    before = clip_grad_norm_(model.parameters(), 2.0)
    assert before.item() > 2.0
    after = math.sqrt(sum((p.grad.numpy() ** 2).sum() for p in model.parameters()))
    assert after == pytest.approx(2.0, rel=1e-4)


def test_init_schemes_have_the_advertised_spread():
    mg.manual_seed(0)
    w = mg.zeros(500, 400)
    init.xavier_uniform_(w)
    a = math.sqrt(6 / 900)
    assert np.abs(w.numpy()).max() <= a and abs(w.numpy().std() - a / math.sqrt(3)) < 1e-3
    init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2 / 400)) < 1e-3
    init.kaiming_uniform_(w, a=math.sqrt(5))  # PyTorch's Linear default: bound 1/sqrt(fan_in)
    assert np.abs(w.numpy()).max() <= 1 / 20 and np.abs(w.numpy()).max() > 0.049
    init.normal_(w, 2.0, 0.5)
    assert abs(w.numpy().mean() - 2.0) < 0.01
    init.constant_(w, 3.0)
    assert (w.numpy() == 3.0).all()
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="at least 2 dims"):
        init.xavier_uniform_(mg.zeros(3))


def test_init_is_seeded_and_in_place():
    p = nn.Linear(4, 4).weight
    mg.manual_seed(1)
    init.uniform_(p, -1, 1)
    first = p.detach().numpy().copy()
    mg.manual_seed(1)
    assert init.uniform_(p, -1, 1) is p
    np.testing.assert_array_equal(p.detach().numpy(), first)
