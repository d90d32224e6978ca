"""Bugs found by differential fuzzing against PyTorch (issue 13, item 3), one test each, written
as PyTorch behaves. They are ``xfail(strict=True)`` while the ops are being rewritten: when a
fix lands the test passes, strict xfail turns that into a failure, and the marker is removed.
(The behaviour that already matches PyTorch is tested plainly at the end.)"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2]


def bug(reason):
    return pytest.mark.xfail(strict=True, reason=reason)


def _derivatives(f, x0, order):
    """[f'(x0), f''(x0), ...] up to ``order`` by repeated minigrad.grad, float64."""
    x = mg.tensor(x0, dtype=mg.float64, requires_grad=True)
    out, got = f(x), []
    for k in range(order):
        (out,) = mg.grad(out, x, create_graph=k < order - 1, allow_unused=True)
        if out is None:  # a constant derivative: the next ones are 0
            got += [0.0] * (order - k)
            break
        got.append(out.item())
    return got


# ----------------------------------------------------------------------------- pow at 0
@bug("x ** 0 has a NaN gradient at 0: the rule b * a ** (b - 1) gives 0 * inf (torch: 0)")
def test_pow_zero_has_zero_gradient_at_zero():
    x = mg.tensor([0.0, 1.0, -2.0], requires_grad=True)
    (x ** 0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("k, want", [(1, [1.0, 0.0]), (2, [0.0, 2.0, 0.0]),
                                     (3, [0.0, 0.0, 6.0, 0.0])])
@bug("higher derivatives of x ** k at 0 are NaN once the exponent reaches 0 (0 * inf)")
def test_higher_derivatives_of_integer_powers_at_zero(k, want):
    assert _derivatives(lambda x: x ** k, 0.0, len(want)) == want


# ----------------------------------------------------------------------------- dims
@pytest.mark.parametrize("call", [
    pytest.param(lambda a: a.squeeze(5), id="squeeze(5)"),
    pytest.param(lambda a: a.squeeze(-3), id="squeeze(-3)"),
    pytest.param(lambda a: a.flatten(0, 5), id="flatten(0,5)"),
    pytest.param(lambda a: mg.cat([a, a], dim=2), id="cat(dim=2)"),
    pytest.param(lambda a: mg.cat([a, a], dim=-3), id="cat(dim=-3)"),
])
@bug("an out-of-range dim is wrapped silently (torch: IndexError 'Dimension out of range')")
def test_out_of_range_dims_raise_index_error(call):
    with pytest.raises(IndexError, match=r"(?i)dim"):
        call(mg.randn(2, 3))


@bug("flatten(1, 0) gives shape (2, 1, 3) (torch: start_dim after end_dim is an error)")
def test_flatten_with_start_after_end_raises():
    with pytest.raises((IndexError, RuntimeError, ValueError), match=r"flatten.*start_dim"):
        mg.randn(2, 3).flatten(1, 0)


@bug("sum(dim=(0, 0)) sums dim 0 once, silently (torch: 'dim 0 appears multiple times')")
def test_repeated_reduction_dims_raise():
    with pytest.raises((IndexError, RuntimeError, ValueError), match=r"sum.*appears|sum.*repeat"
                                                                    r"|sum.*twice"):
        mg.randn(2, 3).sum(dim=(0, 0))


@bug("expand(-1, 2, 3) on a (2, 3) tensor makes the new leading dim -1 -> 3 silently "
     "(torch: -1 isn't allowed in a new, leading dimension)")
def test_expand_minus_one_on_a_new_dim_raises():
    with pytest.raises((IndexError, RuntimeError, ValueError), match=r"expand.*-1"):
        mg.randn(2, 3).expand(-1, 2, 3)


@bug("permute with an out-of-range dim raises ValueError (torch: IndexError)")
def test_permute_out_of_range_raises_index_error():
    with pytest.raises(IndexError, match="permute"):
        mg.randn(2, 3).permute(0, 2)


def test_permute_with_a_repeated_dim_raises_naming_permute():
    with pytest.raises((ValueError, RuntimeError), match=r"permute: \(0, 0\) is not a "
                                                         "permutation"):
        mg.randn(2, 3).permute(0, 0)


# ----------------------------------------------------------------------------- empty dims
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@bug("softmax/log_softmax over a size-0 dim crash inside NumPy's max (torch: an empty result)")
def test_softmax_over_a_size_zero_dim(op):
    x = mg.randn(2, 0, requires_grad=True)
    y = getattr(x, op)(dim=1)
    assert y.shape == (2, 0)
    y.sum().backward()
    assert x.grad.shape == (2, 0)


@bug("logsumexp over a size-0 dim crashes inside NumPy's max (torch: -inf)")
def test_logsumexp_over_a_size_zero_dim_is_minus_inf():
    x = mg.randn(2, 0, requires_grad=True)
    y = x.logsumexp(dim=1)
    assert y.tolist() == [-np.inf, -np.inf]
    y.sum().backward()
    assert x.grad.shape == (2, 0)


@bug("linear with 0 input features crashes in backward (cannot reshape size 0) (torch: the "
     "output is the bias; grads of x and weight are empty)")
def test_linear_with_zero_input_features():
    x = mg.randn(3, 0, requires_grad=True)
    w = mg.randn(4, 0, requires_grad=True)
    b = mg.randn(4, requires_grad=True)
    y = F.linear(x, w, b)
    assert y.shape == (3, 4)
    y.sum().backward()
    assert x.grad.shape == (3, 0) and w.grad.shape == (4, 0) and b.grad.tolist() == [3.0] * 4


@pytest.mark.parametrize("shape, dim", [((0,), None), ((2, 0), 1)])
@bug("var of an empty reduction gives -0.0 (torch: NaN)")
def test_var_of_an_empty_reduction_is_nan(shape, dim):
    with np.errstate(all="ignore"):
        v = mg.zeros(*shape).var() if dim is None else mg.zeros(*shape).var(dim=dim)
    assert np.isnan(v.numpy()).all()


# ----------------------------------------------------------------------------- messages
@bug("x.to('gpu') gives NumPy's \"data type 'gpu' not understood\" (no op, no fix named)")
def test_to_an_unknown_device_names_it_and_the_fix():
    with pytest.raises((ValueError, TypeError, RuntimeError)) as err:
        mg.ones(2).to("gpu")
    msg = str(err.value)
    assert "'gpu'" in msg and "cuda" in msg and "data type" not in msg


# ----------------------------------------------------------------------------- indexing
@bug("x[0, :, [1, 2]] has NumPy's shape (2, 3); torch gives (3, 2). The lead picks one: if "
     "NumPy's stays, delete this test and document the difference instead")
def test_advanced_index_separated_by_a_slice_follows_torch():
    x = mg.arange(24).reshape(2, 3, 4)
    assert x[0, :, [1, 2]].shape == (3, 2)
    assert x[0, :, [1, 2]].tolist() == [[1, 2], [5, 6], [9, 10]]
