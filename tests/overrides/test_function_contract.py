"""Level 1 of the overrides: a new op as a ``Function`` subclass, seen from a user's side."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import gradcheck, gradgradcheck

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def f64(a, rg=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), dtype=mg.float64, requires_grad=rg)


class Cube(mg.Function):
    """x**3, with a backward written in Tensor ops (so it has a second derivative)."""

    seen = {}

    @staticmethod
    def forward(ctx, x):
        Cube.seen = {"grad_enabled": mg.is_grad_enabled(), "type": type(x),
                     "needs": ctx.needs_input_grad}
        ctx.save_for_backward(x)
        y = x * x * x
        Cube.seen["inner_grad_fn"] = y.grad_fn
        return y

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        Cube.seen["backward_types"] = (type(g), type(x))
        return 3 * x * x * g


def test_forward_gets_tensors_with_recording_off():
    x = f64([1.0, -2.0])
    y = Cube.apply(x)
    assert Cube.seen["type"] is mg.Tensor
    assert Cube.seen["grad_enabled"] is False
    assert Cube.seen["inner_grad_fn"] is None  # ops inside forward recorded nothing
    assert Cube.seen["needs"] == (True,)  # needs_input_grad is readable in forward
    assert y.grad_fn.fn is Cube and y.grad_fn.name == "CubeBackward"
    y.sum().backward()
    assert Cube.seen["backward_types"] == (mg.Tensor, mg.Tensor)
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])


def test_saved_tensors_are_the_inputs_and_outputs_saved():
    class SaveBoth(mg.Function):
        @staticmethod
        def forward(ctx, x):
            y = mg.exp(x)
            ctx.save_for_backward(x, y)
            return y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            SaveBoth.got = (x, y)
            return g * y

    x = f64([0.5, 1.0])
    out = SaveBoth.apply(x)
    out.sum().backward()
    sx, sy = SaveBoth.got
    assert sx is x
    np.testing.assert_array_equal(sy.array, out.array)
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, 1.0]))
    assert gradcheck(SaveBoth.apply, (f64([0.3, -0.7]),))


def test_needs_input_grad_and_one_entry_per_forward_argument():
    class Scale(mg.Function):
        @staticmethod
        def forward(ctx, x, w, factor):
            Scale.needs = ctx.needs_input_grad
            ctx.save_for_backward(x, w)
            ctx.factor = factor
            return x * w * factor

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            gx = g * w * ctx.factor if ctx.needs_input_grad[0] else None
            gw = g * x * ctx.factor if ctx.needs_input_grad[1] else None
            return gx, gw, None  # one per argument, None for the float

    x, w = f64([1.0, 2.0]), f64([3.0, 4.0], rg=False)
    Scale.apply(x, w, 2.0).sum().backward()
    assert Scale.needs == (True, False, False)
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 8.0])
    assert w.grad is None
    with mg.no_grad():
        Scale.apply(x, w, 2.0)
    assert Scale.needs == (False, False, False)  # nothing records under no_grad


def test_mark_non_differentiable_output():
    class SortWithIndex(mg.Function):
        @staticmethod
        def forward(ctx, x):
            order = np.argsort(x.numpy() if not x.requires_grad else x.detach().numpy())
            idx = mg.tensor(order)
            ctx.order = order
            vals = x[idx]
            ctx.mark_non_differentiable(idx)
            return vals, idx

        @staticmethod
        def backward(ctx, g_vals, g_idx):
            SortWithIndex.g_idx = g_idx
            return mg.index_add(g_vals.shape, ctx.order, g_vals)

    x = f64([3.0, 1.0, 2.0])
    vals, idx = SortWithIndex.apply(x)
    assert not idx.requires_grad and idx.grad_fn is None
    assert vals.grad_fn is not None
    (vals * f64([1.0, 10.0, 100.0], rg=False)).sum().backward()
    assert SortWithIndex.g_idx is None  # the non-differentiable output gets no gradient
    np.testing.assert_allclose(x.grad.numpy(), [100.0, 1.0, 10.0])


def test_several_outputs_gradients_add():
    class SinCos(mg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return mg.sin(x), mg.cos(x)

        @staticmethod
        def backward(ctx, gs, gc):
            (x,) = ctx.saved_tensors
            return gs * mg.cos(x) - gc * mg.sin(x)

    x = f64([0.2, 1.1])
    s, c = SinCos.apply(x)
    (s * 2 + c * 3).sum().backward()
    xs = np.array([0.2, 1.1])
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(xs) - 3 * np.sin(xs))
    x2 = f64([0.2, 1.1])
    s2, _ = SinCos.apply(x2)  # the unused output's gradient arrives as zeros
    s2.sum().backward()
    np.testing.assert_allclose(x2.grad.numpy(), np.cos(xs))


def test_wrong_number_of_gradients_names_the_function():
    class TwoForOne(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    with pytest.raises(RuntimeError, match=r"TwoForOne.*returned 2 gradient\(s\).*1 argument"):
        TwoForOne.apply(f64([1.0])).sum().backward()


def test_wrong_gradient_shape_names_the_function():
    class BadShape(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return mg.ones(5, dtype=mg.float64) * g

    with pytest.raises(RuntimeError, match=r"BadShape.*shape \(5,\).*shape \(2, 3\)"):
        BadShape.apply(mg.zeros(2, 3, dtype=mg.float64, requires_grad=True)).backward()


def test_returning_an_input_as_is_keeps_the_input_a_leaf():
    class Ident(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return 5 * g

    x = f64([1.0, 2.0])
    y = Ident.apply(x)
    assert y is not x and x.is_leaf and x.grad_fn is None
    assert y.grad_fn.fn is Ident
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_user_function_second_derivative_and_gradcheck():
    x = f64([0.5, -1.5])
    (g,) = mg.grad(Cube.apply(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 3 * np.array([0.5, -1.5]) ** 2)
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * np.array([0.5, -1.5]))
    assert gradcheck(Cube.apply, (f64([0.4, 0.9, -1.2]),))
    assert gradgradcheck(Cube.apply, (f64([0.4, 0.9, -1.2]),))
