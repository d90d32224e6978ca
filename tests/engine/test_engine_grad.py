"""``minigrad.grad``: its contract, and higher-order gradients with create_graph=True."""
import numpy as np
import pytest

import minigrad as mg

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def f64(a, rg=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=rg)


class Boom(mg.Function):
    """Identity whose backward must never run (to see which nodes the engine visits)."""

    @staticmethod
    def forward(ctx, x):
        return x * 1.0

    @staticmethod
    def backward(ctx, g):
        raise AssertionError("BoomBackward was visited")


def test_returns_a_tuple_and_writes_no_grad():
    x = f64([1.0, 2.0])
    h = x * 3.0
    h.retain_grad()
    out = mg.grad((h * h).sum(), x)
    assert isinstance(out, tuple) and len(out) == 1
    np.testing.assert_allclose(out[0].numpy(), 18 * np.array([1.0, 2.0]))
    assert x.grad is None and h.grad is None
    assert not out[0].requires_grad


def test_several_outputs_and_grad_outputs():
    x = f64([1.0, 2.0])
    a, b = x * 2.0, x * x
    gx, = mg.grad([a, b], [x], grad_outputs=[f64([1.0, 1.0], False), f64([0.5, 2.0], False)])
    np.testing.assert_allclose(gx.numpy(), [2.0 + 1.0, 2.0 + 8.0])
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2,\)"):
        mg.grad(a, x, grad_outputs=f64([1.0, 1.0, 1.0], False))


def test_non_leaf_inputs():
    x = f64([1.0, 2.0])
    h = x.exp()
    gh, gx = mg.grad((h * h).sum(), (h, x))
    np.testing.assert_allclose(gh.numpy(), 2 * np.exp([1.0, 2.0]))
    np.testing.assert_allclose(gx.numpy(), 2 * np.exp([2.0, 4.0]))


def test_unreached_input_raises_naming_it_or_gives_none():
    x, w = f64([1.0]), f64([2.0])
    w.name = "w"
    y = (x * 2).sum()
    with pytest.raises(RuntimeError) as err:
        mg.grad(y, [x, w], retain_graph=True)
    assert "input 1" in str(err.value) and "(1,)" in str(err.value) and "'w'" in str(err.value)
    assert "allow_unused=True" in str(err.value)
    gx, gw = mg.grad(y, [x, w], allow_unused=True)
    assert gw is None and gx.item() == 2.0


def test_only_nodes_on_a_path_to_the_inputs_are_visited():
    x, w = f64([1.0, 2.0]), f64([3.0])
    side = Boom.apply(w)  # feeds the loss, but no path from it leads to x
    up = Boom.apply(x)  # upstream of the input z: nothing there is needed
    z = up * 2.0
    L = (z * x).sum() + side.sum()
    gz, = mg.grad(L, z, retain_graph=True)
    np.testing.assert_allclose(gz.numpy(), [1.0, 2.0])
    with pytest.raises(AssertionError, match="visited"):
        mg.grad(L, w)


def test_input_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match="input 0"):
        mg.grad((f64([1.0]) * 2).sum(), f64([1.0], rg=False))


def test_second_derivative_of_a_quartic():
    x = f64(2.0)
    (g,) = mg.grad(x ** 4 - 2 * x ** 2, x, create_graph=True)
    assert g.requires_grad and g.item() == pytest.approx(4 * 8 - 4 * 2)
    (h,) = mg.grad(g, x, create_graph=True)
    assert h.item() == pytest.approx(44.0, rel=1e-12)
    (t,) = mg.grad(h, x)
    assert t.item() == pytest.approx(48.0, rel=1e-12)


def test_second_derivative_through_backward_accumulates_into_grad():
    x = f64(2.0)
    y = x ** 4 - 2 * x ** 2
    y.backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.backward()
    assert x.grad.item() == pytest.approx(44.0, rel=1e-12)


def test_hessian_vector_product_matches_closed_form():
    rng = np.random.default_rng(0)
    a, x0, v = rng.standard_normal(5), rng.standard_normal(5), rng.standard_normal(5)
    x, at = f64(x0), f64(a, rg=False)
    f = (x ** 3).sum() + (at * x).sum() ** 2 + (x.tanh() * at).sum()
    (g,) = mg.grad(f, x, create_graph=True)
    (hv,) = mg.grad(g, x, grad_outputs=f64(v, rg=False), retain_graph=True)
    t = np.tanh(x0)
    want = 6 * x0 * v + 2 * a * (a @ v) + a * (-2 * t * (1 - t ** 2)) * v
    np.testing.assert_allclose(hv.numpy(), want, rtol=1e-12)
    (hv2,) = mg.grad((g * f64(v, rg=False)).sum(), x)  # the same product another way
    np.testing.assert_allclose(hv2.numpy(), want, rtol=1e-12)


def test_grad_of_grad_with_broadcasting_and_matmul():
    rng = np.random.default_rng(1)
    W, b = f64(rng.standard_normal((3, 2))), f64(rng.standard_normal(2))
    x = f64(rng.standard_normal((4, 3)), rg=False)
    loss = ((x @ W + b).tanh() ** 2).mean()
    gW, gb = mg.grad(loss, [W, b], create_graph=True)
    penalty = (gW ** 2).sum() + (gb ** 2).sum()  # gradient penalty: needs second order
    dW, db = mg.grad(penalty, [W, b])
    from minigrad.testing import gradcheck

    def pen(W_, b_):
        l_ = ((x @ W_ + b_).tanh() ** 2).mean()
        gW_, gb_ = mg.grad(l_, [W_, b_], create_graph=True)
        return (gW_ ** 2).sum() + (gb_ ** 2).sum()

    assert gradcheck(pen, (W, b))
    assert dW.shape == (3, 2) and db.shape == (2,)
