"""Level 3: ``Tensor.register_hook`` as a way to rewrite the gradient reaching one tensor."""
import numpy as np
import pytest

import minigrad as mg

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def f64(a, rg=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), dtype=mg.float64, requires_grad=rg)


def test_leaf_hook_sees_the_total_gradient_once():
    x = f64([1.0, 2.0])
    calls = []
    x.register_hook(lambda g: calls.append(g.numpy().copy()))
    (x * 3 + x * x).sum().backward()  # two uses of x: 3 + 2x
    assert len(calls) == 1
    np.testing.assert_allclose(calls[0], [5.0, 7.0])


def test_intermediate_hook_sees_the_total_gradient_once():
    x = f64([1.0, 2.0])
    h = x * 2
    calls = []
    h.register_hook(lambda g: calls.append(g.numpy().copy()))
    (h * h + 4 * h).sum().backward()  # d/dh = 2h + 4
    assert len(calls) == 1
    np.testing.assert_allclose(calls[0], [8.0, 12.0])


def test_once_per_backward_pass():
    x = f64([1.0])
    y = (x * x).sum()
    count = []
    x.register_hook(lambda g: count.append(1))
    y.backward(retain_graph=True)
    y.backward()
    assert len(count) == 2
    np.testing.assert_allclose(x.grad.numpy(), [4.0])  # accumulated over both passes


def test_replacement_on_a_leaf_changes_what_accumulates():
    x = f64([1.0, 2.0])
    x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 40.0])


def test_replacement_on_an_intermediate_flows_on_upstream():
    x = f64([1.0, 2.0])
    h = mg.exp(x)
    h.register_hook(lambda g: mg.ones_like(g) * 7)  # pretend dL/dh = 7
    (h * h).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 7 * np.exp([1.0, 2.0]))  # 7 * dh/dx


def test_returning_none_keeps_the_gradient():
    x = f64([1.0, 2.0])
    x.register_hook(lambda g: None)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_several_hooks_run_in_registration_order():
    x = f64([1.0])
    order = []

    def times2(g):
        order.append(("times2", g.item()))
        return g * 2

    def plus1(g):
        order.append(("plus1", g.item()))
        return g + 1

    x.register_hook(times2)
    x.register_hook(plus1)
    (x * 3).sum().backward()
    assert order == [("times2", 3.0), ("plus1", 6.0)]  # the second sees the first's output
    np.testing.assert_allclose(x.grad.numpy(), [7.0])


def test_handles_remove_their_hook_only():
    x = f64([1.0])
    h1 = x.register_hook(lambda g: g * 2)
    x.register_hook(lambda g: g + 1)
    h1.remove()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0])  # only + 1 left
    y = f64([1.0]) * 1
    hy = y.register_hook(lambda g: g * 100)
    hy.remove()
    hy.remove()  # removing twice is harmless
    z = f64([2.0])
    w = z * 1
    w.register_hook(lambda g: g * 100).remove()
    (w * 3).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), [3.0])


def test_hooks_apply_in_grad_too():
    x = f64([1.0, 2.0])
    x.register_hook(lambda g: -g)
    (gx,) = mg.grad((x * x).sum(), x)
    np.testing.assert_allclose(gx.numpy(), [-2.0, -4.0])
    assert x.grad is None


def test_hook_in_create_graph_is_differentiable():
    x = f64([1.0, 3.0])
    seen = []

    def hook(g):
        seen.append(g.requires_grad)
        return g * 2

    x.register_hook(hook)
    (g,) = mg.grad((x * x * x).sum(), x, create_graph=True)
    assert seen == [True]
    np.testing.assert_allclose(g.detach().numpy(), 2 * 3 * np.array([1.0, 9.0]))
    (gg,) = mg.grad(g.sum(), x)  # the hook runs again in this pass: 2 * d(6x^2)/dx
    np.testing.assert_allclose(gg.numpy(), 2 * 12 * np.array([1.0, 3.0]))


def test_hook_on_a_tensor_without_grad_is_refused():
    with pytest.raises(RuntimeError, match=r"does not require grad.*shape \(2,\)"):
        f64([1.0, 2.0], rg=False).register_hook(lambda g: g)
