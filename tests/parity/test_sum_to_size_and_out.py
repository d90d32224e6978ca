"""``Tensor.sum_to_size`` (PyTorch's name for DeZero's ``sum_to``) and ``out=None`` on
``sum``/``mean``/``max``/``min`` (so NumPy's ``np.sum(t)``/``np.max(t)``, which pass ``out=``,
work on a Tensor); an ``out`` that is not None is refused by name."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import gradcheck


@pytest.mark.parametrize("size", [(3, 1), (1, 4), (2, 3, 4), (1, 3, 4), (4,), (1,), (2, 1, 1)])
def test_sum_to_size_values_match_numpy_sum_over_broadcast_dims(size):
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    got = mg.tensor(a).sum_to_size(*size)
    lead = 3 - len(size)
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1
                                      and a.shape[lead + i] != 1)
    want = a.sum(axis=dims, keepdims=True).reshape(size)
    assert got.shape == size
    np.testing.assert_allclose(got.numpy(), want, atol=1e-12)
    assert mg.tensor(a).sum_to_size(size).shape == size   # a tuple works too


@pytest.mark.ex2_1
def test_sum_to_size_gradient_is_the_broadcast():
    x = mg.randn(2, 3, 4, dtype=mg.float64, requires_grad=True)
    assert gradcheck(lambda x: x.sum_to_size(3, 1) * mg.tensor([[1.0], [2.0], [3.0]],
                                                               dtype=mg.float64), [x])


def test_sum_to_size_refuses_a_size_that_does_not_broadcast():
    with pytest.raises(RuntimeError, match=r"sum_to_size: size \(2, 4\) is not expandable to "
                                           r"the tensor's shape \(2, 3, 4\)"):
        mg.zeros(2, 3, 4).sum_to_size(2, 4)
    with pytest.raises(RuntimeError, match="not expandable"):
        mg.zeros(3).sum_to_size(2, 3)


def test_sum_to_size_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal((2, 3, 4))
    for size in [(3, 1), (1, 4), (4,), (2, 1, 4)]:
        np.testing.assert_allclose(mg.tensor(a).sum_to_size(size).numpy(),
                                   torch.tensor(a).sum_to_size(size).numpy(), atol=1e-12)


def test_numpy_reductions_pass_out_none_and_work():
    a = np.arange(6.0).reshape(2, 3)
    x = mg.tensor(a)
    assert np.sum(x).item() == 15.0 and np.sum(x, axis=0).tolist() == [3.0, 5.0, 7.0]
    assert np.max(x).item() == 5.0 and np.min(x).item() == 0.0
    assert x.sum(0, out=None).tolist() == [3.0, 5.0, 7.0]
    assert x.mean(out=None).item() == 2.5


@pytest.mark.parametrize("op", ["sum", "mean", "max", "min"])
def test_an_out_tensor_is_refused_naming_the_op(op):
    x = mg.randn(2, 3)
    with pytest.raises(TypeError, match=rf"{op}: minigrad has no out= \(got Tensor\); use the "
                                        rf"returned tensor"):
        getattr(x, op)(out=mg.zeros(3))
    with pytest.raises(TypeError, match=rf"{op}: minigrad has no out="):
        getattr(x, op)(1, out=mg.zeros(2))
