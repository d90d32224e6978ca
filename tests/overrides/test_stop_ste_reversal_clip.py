"""stop_gradient in expressions, the straight-through estimator, gradient reversal, clip hooks."""
import numpy as np
import pytest

import minigrad as mg

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def f64(a, rg=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), dtype=mg.float64, requires_grad=rg)


def test_stop_gradient_cuts_one_use_only():
    x = f64([1.5, -2.0])
    (x * mg.stop_gradient(x)).sum().backward()  # d/dx of x * c, c = x held constant
    np.testing.assert_allclose(x.grad.numpy(), [1.5, -2.0])
    s = mg.stop_gradient(x)
    assert s.is_leaf and not s.requires_grad and s.array is x.array
    with pytest.raises(TypeError, match="stop_gradient: expected a Tensor"):
        mg.stop_gradient([1.0])


def test_detach_trick_value_of_one_gradient_of_another():
    x = f64([0.2, 0.7])
    y = x + mg.stop_gradient(mg.sin(x) - x)  # value sin(x), gradient 1
    np.testing.assert_allclose(y.detach().numpy(), np.sin([0.2, 0.7]), rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_straight_through_round():
    xa = np.array([0.4, 1.6, -2.7, 3.5])
    w = np.array([1.0, 2.0, 3.0, 4.0])
    x = f64(xa)
    y = mg.straight_through_round(x)
    np.testing.assert_array_equal(y.detach().numpy(), np.round(xa))
    (y * f64(w, rg=False)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), w)  # identity backward
    x2 = f64(xa)
    (mg.round(x2) * f64(w, rg=False)).sum().backward()
    np.testing.assert_array_equal(x2.grad.numpy(), np.zeros(4))  # what STE fixes
    x3 = f64(xa)
    y3 = x3 + mg.stop_gradient(mg.round(x3) - x3)  # the same estimator with detach
    (y3 * f64(w, rg=False)).sum().backward()
    np.testing.assert_array_equal(y3.detach().numpy(), y.detach().numpy())
    np.testing.assert_array_equal(x3.grad.numpy(), x.grad.numpy())


@pytest.mark.parametrize("lambd", [1.0, 0.25])
def test_gradient_reversal_flips_only_its_branch(lambd):
    xa = np.array([0.3, -0.8])
    x = f64(xa)
    h = x * 2
    r = mg.grad_reverse(h, lambd)
    np.testing.assert_array_equal(r.detach().numpy(), h.detach().numpy())
    assert r.grad_fn.fn is mg.GradientReversal and h.grad_fn.fn is not mg.GradientReversal
    (mg.sin(r).sum() + (h * h).sum()).backward()  # adversarial branch + ordinary branch
    want = 2 * (-lambd * np.cos(2 * xa) + 2 * (2 * xa))
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-14)


def test_gradient_reversal_on_a_leaf_keeps_it_a_leaf():
    x = f64([1.0, 2.0])
    y = mg.grad_reverse(x)
    assert x.is_leaf and y is not x
    (3 * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-3.0, -3.0])


def test_clip_grad_norm_hook_is_per_tensor():
    a, b = f64([1.0, 1.0]), f64([1.0, 1.0])
    a.register_hook(mg.clip_grad_hook(max_norm=1.0))
    (a * f64([3.0, 4.0], rg=False) + b * f64([3.0, 4.0], rg=False)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.6, 0.8], rtol=1e-15)  # norm 5 -> 1
    np.testing.assert_allclose(b.grad.numpy(), [3.0, 4.0])  # no hook, untouched
    c = f64([1.0, 1.0])
    c.register_hook(mg.clip_grad_hook(max_norm=10.0))
    (c * f64([3.0, 4.0], rg=False)).sum().backward()
    np.testing.assert_allclose(c.grad.numpy(), [3.0, 4.0])  # small enough: kept


def test_clip_grad_value_hook_on_an_intermediate():
    x = f64([1.0, 1.0, 1.0])
    h = x * 1
    h.register_hook(mg.clip_grad_hook(max_value=0.5))
    (h * f64([2.0, -0.1, -3.0], rg=False)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, -0.1, -0.5])


def test_clip_grad_hook_arguments():
    with pytest.raises(ValueError, match="exactly one"):
        mg.clip_grad_hook()
    with pytest.raises(ValueError, match="exactly one"):
        mg.clip_grad_hook(1.0, max_value=1.0)
    with pytest.raises(ValueError, match="positive"):
        mg.clip_grad_hook(max_norm=0.0)
