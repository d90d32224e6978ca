"""Bugs found by differential fuzzing against PyTorch (issue 13, item 3), one test each, written
as PyTorch behaves. (They were strict xfails until the fixes landed; the differences minigrad
keeps on purpose are in docs/PYTORCH-DIFFERENCES.md.)"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2]

pytestmark = [*(pytestmark if isinstance(pytestmark, list) else [pytestmark]), pytest.mark.ex3_1,
              pytest.mark.ex3_2]


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
def test_pow_zero_has_zero_gradient_at_zero():
    x = mg.tensor([0.0, 1.0, -2.0], requires_grad=True)
    (x ** 0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("k, want", [(1, [1.0, 0.0]), (2, [0.0, 2.0, 0.0]),
                                     (3, [0.0, 0.0, 6.0, 0.0])])
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
def test_out_of_range_dims_raise_index_error(call):
    with pytest.raises(IndexError, match=r"(?i)dim"):
        call(mg.randn(2, 3))


def test_flatten_with_start_after_end_raises():
    with pytest.raises((IndexError, RuntimeError, ValueError), match=r"flatten.*start_dim"):
        mg.randn(2, 3).flatten(1, 0)


def test_repeated_reduction_dims_raise():
    with pytest.raises((IndexError, RuntimeError, ValueError), match=r"sum.*appears|sum.*repeat"
                                                                    r"|sum.*twice"):
        mg.randn(2, 3).sum(dim=(0, 0))


def test_expand_minus_one_on_a_new_dim_raises():
    with pytest.raises((IndexError, RuntimeError, ValueError), match=r"expand.*-1"):
        mg.randn(2, 3).expand(-1, 2, 3)


def test_permute_out_of_range_raises_index_error():
    with pytest.raises(IndexError, match="permute"):
        mg.randn(2, 3).permute(0, 2)


def test_permute_with_a_repeated_dim_raises_naming_permute():
    with pytest.raises((ValueError, RuntimeError), match=r"permute: \(0, 0\) is not a "
                                                         "permutation"):
        mg.randn(2, 3).permute(0, 0)


# ----------------------------------------------------------------------------- empty dims
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_over_a_size_zero_dim(op):
    x = mg.randn(2, 0, requires_grad=True)
    y = getattr(x, op)(dim=1)
    assert y.shape == (2, 0)
    y.sum().backward()
    assert x.grad.shape == (2, 0)


def test_logsumexp_over_a_size_zero_dim_is_minus_inf():
    x = mg.randn(2, 0, requires_grad=True)
    y = x.logsumexp(dim=1)
    assert y.tolist() == [-np.inf, -np.inf]
    y.sum().backward()
    assert x.grad.shape == (2, 0)


def test_linear_with_zero_input_features():
    x = mg.randn(3, 0, requires_grad=True)
    w = mg.randn(4, 0, requires_grad=True)
    b = mg.randn(4, requires_grad=True)
    y = F.linear(x, w, b)
    assert y.shape == (3, 4)
    y.sum().backward()
    assert x.grad.shape == (3, 0) and w.grad.shape == (4, 0) and b.grad.tolist() == [3.0] * 4


@pytest.mark.parametrize("shape, dim", [((0,), None), ((2, 0), 1)])
def test_var_of_an_empty_reduction_is_nan(shape, dim):
    with np.errstate(all="ignore"):
        v = mg.zeros(*shape).var() if dim is None else mg.zeros(*shape).var(dim=dim)
    assert np.isnan(v.numpy()).all()


# ----------------------------------------------------------------------------- messages
def test_to_an_unknown_device_names_it_and_the_fix():
    with pytest.raises((ValueError, TypeError, RuntimeError)) as err:
        mg.ones(2).to("gpu")
    msg = str(err.value)
    assert "'gpu'" in msg and "cuda" in msg and "data type" not in msg


# ----------------------------------------------------------------------------- indexing
def test_advanced_index_separated_by_a_slice_follows_torch():
    x = mg.arange(24).reshape(2, 3, 4)
    assert x[0, :, [1, 2]].shape == (3, 2)
    assert x[0, :, [1, 2]].tolist() == [[1, 2], [5, 6], [9, 10]]
