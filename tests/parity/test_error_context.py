"""Bad arguments on the public API that used to surface a raw NumPy/Python error ("invalid
literal for int()", "index 5 is out of bounds for axis 0", "'>=' not supported between ...",
a ufunc loop error, an AttributeError on ``.array``) now get minigrad's message: the op, the
shapes/dtypes and the fix. One test per message; each also checks the success path still
works, so the check cannot be an unconditional raise."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader, TensorDataset


def _raises(exc, pattern, fn):
    with pytest.raises(exc, match=pattern) as info:
        fn()
    assert "invalid literal" not in str(info.value) and "out of bounds for axis" not in str(
        info.value)


def test_shape_sizes_that_are_not_ints():
    x = mg.randn(2, 3)
    _raises(TypeError, r"reshape: sizes must be ints, got 'a' \(of type str\)",
            lambda: x.reshape("a"))
    _raises(TypeError, r"reshape: sizes must be ints, got 2.5 \(of type float\) in \(2.5, 3\)",
            lambda: x.reshape(2.5, 3))
    _raises(TypeError, r"view: sizes must be ints|reshape: sizes must be ints",
            lambda: x.view((None, 3)))
    _raises(TypeError, r"expand: sizes must be ints, got 'a'", lambda: x.expand("a", 3))
    _raises(TypeError, r"repeat: sizes must be ints", lambda: x.repeat(2.0, 1))
    assert x.reshape(np.int64(3), 2).shape == (3, 2) and x.expand((2, 2, 3)).shape == (2, 2, 3)


@pytest.mark.parametrize("index, pattern", [
    (5, r"indexing: index 5 is out of range for dim 0 of size 2 \(tensor of shape \(2, 3\)\); "
        r"valid indices are -2\.\.1"),
    ((slice(None), 3), r"index 3 is out of range for dim 1 of size 3"),
    ((Ellipsis, -4), r"index -4 is out of range for dim 1 of size 3"),
    ([0, 7], r"index 7 is out of range for dim 0 of size 2"),
    ((0, 0, 0), r"indexing: too many indices for a tensor of shape \(2, 3\): 3 given for 2 "
                r"dims; give at most one index per dim"),
])
def test_getitem_out_of_range_names_dim_size_and_valid_range(index, pattern):
    x = mg.randn(2, 3)
    _raises(IndexError, pattern, lambda: x[index])
    assert x[1, -3].shape == () and x[[0, 1]].shape == (2, 3) and x[..., -1].shape == (2,)


def test_clip_bound_of_the_wrong_type():
    x = mg.randn(2, 3)
    _raises(TypeError, r"clip: min must be a number, a Tensor or None, got 'a' \(of type str\) "
                       r"for a tensor of shape \(2, 3\) and dtype float32", lambda: x.clip("a", 1))
    _raises(TypeError, r"clip: max must be a number", lambda: x.clamp(0.0, "b"))
    assert x.clip(-0.1, 0.1).abs().max().item() <= 0.1 + 1e-7


def test_softmax_dim_names_the_op_and_the_valid_range():
    x = mg.randn(2, 3)
    _raises(IndexError, r"softmax: dim 3 is out of range for a tensor of shape \(2, 3\) "
                        r"\(valid: -2\.\.1\)", lambda: F.softmax(x, dim=3))
    _raises(IndexError, r"log_softmax: dim -3 is out of range", lambda: x.log_softmax(-3))
    _raises(TypeError, r"softmax: dim must be an int, got 'a'", lambda: x.softmax("a"))
    assert F.softmax(x, dim=np.int64(0)).shape == (2, 3)


def test_reduction_dim_that_is_not_an_int():
    x = mg.randn(2, 3)
    _raises(TypeError, r"sum: dim must be an int or a tuple of ints, got 'a'",
            lambda: x.sum("a"))
    _raises(TypeError, r"mean: dim must be an int or a tuple of ints, got 1.0",
            lambda: x.mean(1.0))
    assert x.sum(np.int64(1)).shape == (2,) and x.sum((0, 1)).shape == ()


def test_linear_with_a_numpy_input():
    _raises(TypeError, r"linear: input must be a Tensor, got ndarray \(shape \(2, 3\)\); wrap it "
                       r"with minigrad.tensor", lambda: nn.Linear(3, 2)(np.zeros((2, 3))))
    _raises(TypeError, r"linear: weight must be a Tensor, got list",
            lambda: F.linear(mg.randn(2, 3), [[1.0, 2.0, 3.0]]))
    assert nn.Linear(3, 2)(mg.randn(2, 3)).shape == (2, 2)


@pytest.mark.parametrize("cls, kw, pattern", [
    (optim.SGD, dict(lr="a"), r"SGD: lr must be a number, got 'a' \(of type str\)"),
    (optim.SGD, dict(lr="0.1"), r"SGD: lr must be a number, got '0.1'"),
    (optim.Adam, dict(lr="x"), r"Adam: lr must be a number"),
    (optim.Adam, dict(betas=("a", 0.9)), r"Adam: betas must be numbers, got 'a' .* e\.g\. "
                                         r"betas=\(0\.9, 0\.999\)"),
    (optim.SGD, dict(lr=0.1, momentum=[0.9]),
     r"SGD: momentum must be a number, got \[0.9\] \(of type list\)"),
])
def test_optimizer_hyper_parameter_that_is_not_a_number(cls, kw, pattern):
    w = mg.randn(2, requires_grad=True)
    _raises(TypeError, pattern, lambda: cls([w], **kw))
    assert cls([w], lr=0.1).param_groups[0]["lr"] == 0.1


def test_dataloader_batch_size_and_dataset():
    ds = TensorDataset(mg.randn(4, 2))
    for bad in ("a", 1.5, 0, True):
        _raises(ValueError, rf"DataLoader: batch_size must be a positive integer, got {bad!r}",
                lambda: DataLoader(ds, batch_size=bad))
    _raises(TypeError, r"DataLoader: dataset must support len\(\) and indexing .* got int",
            lambda: DataLoader(5, batch_size=2))
    assert [b[0].shape for b in DataLoader(ds, batch_size=np.int64(3))] == [(3, 2), (1, 2)]


@pytest.mark.ex2_1
@pytest.mark.ex2_2
def test_clip_grad_norm_with_a_non_number():
    w = mg.randn(3, requires_grad=True)
    w.sum().backward()
    _raises(TypeError, r"clip_grad_norm_: max_norm and norm_type must be numbers, got "
                       r"max_norm='a'", lambda: nn.utils.clip_grad_norm_([w], "a"))
    assert nn.utils.clip_grad_norm_([w], 1.0).item() > 0


def test_setitem_out_of_range_index_names_the_op_and_dim():
    x = mg.zeros(2, 3)
    _raises(IndexError, r"setitem \(x\[index\] = value\): index 5 is out of range for dim 0 of "
                        r"size 2", lambda: x.__setitem__(5, 1.0))
    _raises(IndexError, r"setitem .*too many indices for a tensor of shape \(2, 3\)",
            lambda: x.__setitem__((0, 0, 0), 1.0))
    x[1, 2] = 4.0
    assert x.sum().item() == 4.0


@pytest.mark.parametrize("op, call", [
    ("flip", lambda x: x.flip("a")), ("transpose", lambda x: x.transpose("a", 1)),
    ("squeeze", lambda x: x.squeeze("a")), ("flatten", lambda x: x.flatten("a")),
    ("cat", lambda x: mg.cat([x, x], dim="a")), ("unsqueeze", lambda x: x.unsqueeze("a")),
])
def test_shape_ops_with_a_dim_that_is_not_an_int(op, call):
    x = mg.randn(2, 3)
    _raises(TypeError, rf"{op}: dim must be an int, got 'a'", lambda: call(x))
    assert x.transpose(np.int64(0), 1).shape == (3, 2)


def test_cat_and_stack_refuse_a_single_tensor_and_non_tensors():
    x = mg.randn(2, 3)
    _raises(TypeError, r"cat: expects a sequence of tensors, got one Tensor of shape \(2, 3\)",
            lambda: mg.cat(x))
    _raises(TypeError, r"stack: expected Tensor as element 0, got int", lambda: mg.stack([1, 2]))
    assert mg.stack([x, x]).shape == (2, 2, 3) and mg.cat((x, x), 1).shape == (2, 6)


def test_integer_to_a_negative_integer_power():
    _raises(ValueError, r"pow: integers to negative integer powers are not allowed \(base int64 "
                        r"of shape \(1,\)\); convert the base first, e.g. x.float\(\) \*\* -1",
            lambda: mg.tensor([2]) ** -1)
    _raises(ValueError, r"pow: integers to negative", lambda: mg.tensor([2]) ** mg.tensor([-1]))
    assert (mg.tensor([2]) ** 2).tolist() == [4] and (mg.tensor([2.0]) ** -1).tolist() == [0.5]


def test_dropout_p_that_is_not_a_number():
    _raises(ValueError, r"dropout: p must be a probability in \[0, 1\], got 'a'",
            lambda: F.dropout(mg.randn(3), "a"))
    assert F.dropout(mg.randn(3), 0.5, training=False).shape == (3,)


def test_max_with_a_tensor_as_dim_points_to_maximum():
    x = mg.randn(2, 3)
    _raises(TypeError, r"max: dim must be an int .* got a Tensor of shape \(2, 3\); for the "
                       r"elementwise maximum of two tensors use minigrad.maximum\(a, b\)",
            lambda: x.max(x))
    assert mg.maximum(x, x).shape == (2, 3) and x.max(mg.tensor(1)).values.shape == (2,)
