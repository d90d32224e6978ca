"""Level 2: ``@minigrad.custom_gradient`` around a composite function."""
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import gradcheck, gradgradcheck

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def f64(a, rg=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), dtype=mg.float64, requires_grad=rg)


@mg.custom_gradient
def square_with_3x(x):
    """Forward x*x, backward 3*x*g instead of the true 2*x*g."""
    def backward_fn(g):
        return 3 * x * g
    return x * x, backward_fn


def test_the_custom_rule_replaces_the_composite_gradient():
    x = f64([1.0, -2.0])
    y = square_with_3x(x)
    np.testing.assert_allclose(y.detach().numpy(), [1.0, 4.0])
    # one node for the whole function, linked straight to the input
    assert y.grad_fn.parents == (x,)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, -6.0])


def test_wrapped_function_runs_without_recording():
    seen = {}

    @mg.custom_gradient
    def f(x):
        seen["enabled"] = mg.is_grad_enabled()
        z = mg.exp(x)
        seen["inner_grad_fn"] = z.grad_fn
        return z, lambda g: g * z

    f(f64([0.0])).sum().backward()
    assert seen == {"enabled": False, "inner_grad_fn": None}


@mg.custom_gradient
def prod_and_sum(x, y):
    """(x*y, x+y) with the exact gradients written by hand."""
    def backward_fn(g_prod, g_sum):
        return g_prod * y + g_sum, g_prod * x + g_sum
    return (x * y, x + y), backward_fn


def test_several_inputs_and_outputs_match_autodiff():
    xa, ya = [0.5, -1.0, 2.0], [1.5, 0.3, -0.7]
    x, y = f64(xa), f64(ya)
    p, s = prod_and_sum(x, y)
    (2 * p + 3 * s).sum().backward()
    x2, y2 = f64(xa), f64(ya)
    (2 * (x2 * y2) + 3 * (x2 + y2)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=0, atol=1e-15)
    np.testing.assert_allclose(y.grad.numpy(), y2.grad.numpy(), rtol=0, atol=1e-15)
    assert gradcheck(prod_and_sum, (f64(xa), f64(ya)))


def test_unused_output_gets_zero_gradient():
    x, y = f64([1.0, 2.0]), f64([3.0, 4.0])
    p, _ = prod_and_sum(x, y)
    p.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])  # only g_prod * y


def test_non_tensor_keyword_and_positional_arguments():
    @mg.custom_gradient
    def scaled(x, power, *, scale=1.0):
        def backward_fn(g):
            return power * scale * x ** (power - 1) * g
        return scale * x ** power, backward_fn

    x = f64([1.0, 2.0])
    scaled(x, 3, scale=0.5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.5, 6.0])
    assert gradcheck(lambda t: scaled(t, 2, scale=4.0), (f64([0.3, -1.1]),))


def test_tensor_keyword_that_requires_grad_is_refused():
    @mg.custom_gradient
    def mul(x, *, w):
        return x * w, lambda g: g * w

    with pytest.raises(TypeError, match=r"mul.*w=.*shape \(2,\).*positionally"):
        mul(f64([1.0, 2.0]), w=f64([3.0, 4.0]))


def test_create_graph_records_the_backward_fn():
    @mg.custom_gradient
    def cube(x):
        return x * x * x, lambda g: 3 * x * x * g  # Tensor ops on the argument

    xa = np.array([0.5, -1.5])
    x = f64(xa)
    (g,) = mg.grad(cube(x).sum(), x, create_graph=True)
    assert g.requires_grad
    np.testing.assert_allclose(g.detach().numpy(), 3 * xa ** 2)
    (gg,) = mg.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * xa)
    assert gradgradcheck(cube, (f64([0.4, -0.8, 1.3]),))


def test_closure_trap_captured_tensor_gets_no_gradient():
    w = f64([2.0, 3.0])

    @mg.custom_gradient
    def times_w(x):  # uses w from the closure: the trap
        return x * w, lambda g: g * w

    x = f64([1.0, 1.0])
    with pytest.warns(UserWarning, match=r"times_w.*'w'.*receive none"):
        out = times_w(x)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 3.0])
    assert w.grad is None  # silently no gradient for w

    @mg.custom_gradient
    def times(x, w):  # the fix: pass it positionally and return its gradient
        return x * w, lambda g: (g * w, g * x)

    x = f64([1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        times(x, w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 1.0])


def test_backward_fn_wrong_count_and_shape_name_the_function():
    @mg.custom_gradient
    def two_grads(x):
        return x * 2, lambda g: (g, g)

    with pytest.raises(RuntimeError, match=r"two_grads returned 2 gradient\(s\).*1 positional"):
        two_grads(f64([1.0])).sum().backward()

    @mg.custom_gradient
    def bad_shape(x):
        return x.sum(), lambda g: mg.ones(3, dtype=mg.float64)

    with pytest.raises(RuntimeError, match=r"bad_shape.*shape \(3,\).*shape \(2,\)"):
        bad_shape(f64([1.0, 2.0])).backward()


def test_must_return_output_and_backward_fn():
    @mg.custom_gradient
    def no_pair(x):
        return x * 2

    with pytest.raises(TypeError, match=r"no_pair must return \(output, backward_fn\)"):
        no_pair(f64([1.0]))


def test_node_is_marked_custom_for_gradcheck_reports():
    y = square_with_3x(f64([1.0]))
    assert y.grad_fn.name == "square_with_3xBackward"
    assert "custom_gradient" in y.grad_fn.fn.custom and "square_with_3x" in y.grad_fn.fn.custom
    assert square_with_3x.__doc__.startswith("Forward x*x")  # functools.wraps kept the doc


def test_returning_an_argument_unchanged_keeps_it_a_leaf():
    @mg.custom_gradient
    def flip(x):
        return x, lambda g: -g  # identity forward, reversed gradient

    x = f64([1.0, 2.0])
    y = flip(x)
    assert y is not x and x.is_leaf
    (y * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-3.0, -3.0])
