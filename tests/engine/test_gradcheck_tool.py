"""``minigrad.testing.gradcheck`` / ``gradgradcheck`` catch wrong rules and report them."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import GradcheckError, gradcheck, gradgradcheck

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_3]


def f64(a, rg=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=rg)


class WrongSin(mg.Function):
    """sin with a deliberately wrong derivative (sin instead of cos)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sin()


class FirstOrderCube(mg.Function):
    """x**3 whose backward is right but built from a constant: no second derivative."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * mg.tensor(3 * x.detach().numpy() ** 2)  # detached: d/dx of this is lost


def test_a_wrong_backward_fails_with_a_report():
    x = f64([0.3, -1.2, 2.0])
    y = f64([0.5, 0.5, 0.5])
    with pytest.raises(GradcheckError) as err:
        gradcheck(lambda a, b: WrongSin.apply(a) * b, (x, y))
    msg = str(err.value)
    assert "input 0 (shape (3,))" in msg and "element (0,)" in msg
    assert f"numeric {0.5 * np.cos(0.3):.6f}"[:14] in msg and "analytic" in msg
    assert "worst relative error" in msg
    assert "WrongSinBackward" in msg  # user Functions are listed as the usual suspects
    assert gradcheck(lambda a: WrongSin.apply(a), (x,), raise_exception=False) is False


def test_correct_rules_pass_and_second_order_is_checked_separately():
    x = f64([0.3, -1.2, 2.0])
    assert gradcheck(lambda a: FirstOrderCube.apply(a), (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(lambda a: FirstOrderCube.apply(a), (x,))
    assert gradgradcheck(lambda a: a * a * a, (x,))


def test_float64_is_required():
    with pytest.raises(TypeError, match=r"float64.*\.double\(\)"):
        gradcheck(lambda a: a * 2, (mg.tensor([1.0], requires_grad=True),))


def test_multiple_outputs_and_non_tensor_arguments():
    x = f64(np.linspace(-1, 1, 6).reshape(2, 3))
    assert gradcheck(lambda a, k: a.max(dim=k), (x, 1))  # values checked, indices ignored
    assert gradgradcheck(lambda a, b: (a @ b, a.sum()), (x, f64(np.ones((3, 2)))))
