"""The Tensor object: construction and dtype inference, promotion rules, conversions, Python
protocols (hash, bool, len), and the .to(...) family."""
import numpy as np
import pytest

import minigrad as mg

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def test_tensor_always_copies():
    src = np.array([1.0, 2.0])
    t = mg.tensor(src)
    src[0] = 100.0
    assert t.tolist() == [1.0, 2.0]
    u = mg.tensor(t)
    u.array[1] = -1.0
    assert t.tolist() == [1.0, 2.0] and not np.shares_memory(t.array, u.array)
    v = mg.tensor(t.array, dtype=mg.float64)
    assert not np.shares_memory(t.array, v.array)


@pytest.mark.parametrize("data, dtype", [
    (1.5, mg.float32), ([1.0, 2.0], mg.float32), (3, mg.int64), ([1, 2], mg.int64),
    (True, mg.bool_), ([True, False], mg.bool_), (np.zeros(2, np.float64), mg.float64),
    (np.zeros(2, np.float32), mg.float32), (np.zeros(2, np.int32), mg.int32),
    (np.float64(2.0), mg.float64),
])
def test_dtype_inference(data, dtype):
    assert mg.tensor(data).dtype == dtype


def test_dtype_arguments_accept_numpy_dtypes_and_strings():
    assert mg.tensor([1, 2], dtype="float64").dtype == mg.float64
    assert mg.tensor([1, 2], dtype=np.float32).dtype == mg.float32
    assert mg.zeros(2, dtype="int64").dtype == mg.int64
    assert mg.float32 == np.dtype("float32") and mg.bool_ == np.dtype(bool)


def test_only_float_tensors_require_grad():
    with pytest.raises(TypeError, match="int64"):
        mg.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError):
        mg.tensor([1, 2]).requires_grad_()


# ----------------------------------------------------------------------------- promotion
def test_float_tensor_with_scalars_keeps_its_dtype():
    x = mg.tensor([1.0, 2.0])
    for y in (x + 1.5, 2 * x, x / np.float64(3.0), x ** 2, 1.0 - x, x * np.int64(2)):
        assert y.dtype == mg.float32
    d = mg.tensor([1.0], dtype=mg.float64)
    assert (d + 1.5).dtype == mg.float64


def test_float_tensor_with_int_or_bool_tensor_gives_the_float_dtype():
    x, i, b = mg.tensor([1.5], dtype=mg.float64), mg.tensor([2]), mg.tensor([True])
    assert (x * i).dtype == mg.float64 and (i * x).dtype == mg.float64
    assert (x + b).dtype == mg.float64
    assert (i + b).dtype == mg.int64


def test_int_tensor_with_python_float_gives_float32():
    i = mg.tensor([1, 2])
    assert (i * 1.5).dtype == mg.float32 and (1.5 + i).dtype == mg.float32
    np.testing.assert_allclose((i * 1.5).numpy(), [1.5, 3.0])
    assert (i * 2).dtype == mg.int64


def test_mixing_float32_and_float64_raises_naming_both():
    a, b = mg.tensor([1.0]), mg.tensor([1.0], dtype=mg.float64)
    for op in (lambda: a + b, lambda: b * a, lambda: a @ b, lambda: mg.maximum(a, b)):
        with pytest.raises(TypeError) as err:
            op()
        msg = str(err.value)
        assert "float32" in msg and "float64" in msg and ".to(" in msg


def test_numpy_arrays_are_operands_by_the_dtype_rules():
    # (issue 13: a NumPy array is a constant operand of its own dtype; float64 meets float32 as
    # two tensors would; tests/parity/test_numpy_operands.py has the rest)
    x = mg.tensor([1.0, 2.0])
    for op in (lambda: x + np.ones(2), lambda: np.ones(2) + x, lambda: x @ np.ones(2),
               lambda: np.ones(2) * x, lambda: mg.where(x > 0, np.ones(2), x)):
        with pytest.raises(TypeError, match="float(32|64) and float(64|32)"):
            op()
    one = np.ones(2, dtype=np.float32)
    assert (x @ one).item() == 3.0 and mg.where(x > 1, one, x).tolist() == [1.0, 1.0]


# ----------------------------------------------------------------------------- protocols
def test_hash_is_identity_while_eq_is_elementwise():
    a, b = mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0])
    assert hash(a) != hash(b) or a is b
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b" and len({a, b, a}) == 2
    assert (a == b).dtype == mg.bool_ and (a == b).tolist() == [True, True]


def test_bool_of_many_elements_raises():
    with pytest.raises(RuntimeError, match=r"\(2,\).*ambiguous"):
        bool(mg.tensor([1.0, 2.0]))
    assert bool(mg.tensor([3.0])) and not bool(mg.tensor(0.0))
    with pytest.raises(RuntimeError):
        if mg.tensor([1.0, 2.0]) > 0:
            pass


def test_item_tolist_numpy_len_iter():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.sum().item() == 10.0 and isinstance(x.sum().item(), float)
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        x.item()
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    n = x.detach().numpy()
    assert isinstance(n, np.ndarray) and n.dtype == np.float32
    assert len(x) == 2 and [r.tolist() for r in x] == [[1.0, 2.0], [3.0, 4.0]]
    assert x.shape == (2, 2) and x.ndim == 2 and x.numel() == 4 and x.device == "cpu"
    assert mg.tensor(7).item() == 7 and isinstance(mg.tensor(7).item(), int)


def test_leaf_and_detach():
    x = mg.tensor([1.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf and y.grad_fn.name == "MulBackward"
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


# ----------------------------------------------------------------------------- conversions
def test_to_float_double_long_are_differentiable_casts():
    x = mg.tensor([1.5, -2.5], requires_grad=True)
    assert x.double().dtype == mg.float64 and x.float() is x
    assert x.to(mg.float64).dtype == mg.float64 and x.to("float64").dtype == mg.float64
    assert x.long().dtype == mg.int64 and x.long().tolist() == [1, -2]
    assert x.to(mg.tensor([1], dtype=mg.int64)).dtype == mg.int64
    (x.double() * mg.tensor([2.0, 3.0], dtype=mg.float64)).sum().backward()
    assert x.grad.dtype == mg.float32 and x.grad.tolist() == [2.0, 3.0]


def test_to_device_is_differentiable():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    y = x.to("strict")
    assert y.device == "strict" and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.device == "cpu" and x.grad.tolist() == [2.0, 4.0]
    assert y.cpu().device == "cpu" and x.to("cpu") is x


def test_mixing_devices_raises_naming_both():
    a = mg.tensor([1.0], dtype=mg.float64)
    b = a.to("strict")
    with pytest.raises(RuntimeError) as err:
        a + b
    assert "cpu" in str(err.value) and "strict" in str(err.value)


def test_unknown_device_and_cuda_availability():
    with pytest.raises(ValueError, match="cuda:N"):
        mg.tensor([1.0], device="tpu")
    assert isinstance(mg.cuda.is_available(), bool)


def test_factories():
    mg.manual_seed(3)
    a = mg.randn(2, 3)
    mg.manual_seed(3)
    b = mg.randn((2, 3))
    assert a.tolist() == b.tolist() and a.dtype == mg.float32
    assert mg.zeros(2, 3).shape == (2, 3) and mg.ones(2).tolist() == [1.0, 1.0]
    assert mg.full((2,), 7).dtype == mg.int64 and mg.full((2,), 0.5).dtype == mg.float32
    assert mg.arange(3).tolist() == [0, 1, 2] and mg.arange(0, 1, 0.5).dtype == mg.float32
    assert mg.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    like = mg.zeros_like(mg.tensor([1], dtype=mg.float64))
    assert like.dtype == mg.float64 and like.shape == (1,)
    r = mg.rand(100)
    assert 0 <= r.numpy().min() and r.numpy().max() < 1
    assert mg.randn(2, requires_grad=True).requires_grad


def test_clone_copies_and_is_differentiable():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert not np.shares_memory(c.array, x.array) and c.grad_fn is not None
    (c * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    plain = mg.tensor([1.0]).clone()
    assert not plain.requires_grad


def test_float_functions_and_true_division_of_ints_give_float32():
    i = mg.tensor([1, 4])
    for y in (i / 2, 2 / i, i / i, i.exp(), mg.sqrt(i), i.sigmoid(), i.softmax(), i.logsumexp(),
              mg.log(i), i.tanh(), i.norm()):
        assert y.dtype == mg.float32
    assert (i / 2).tolist() == [0.5, 2.0] and mg.sqrt(i).tolist() == [1.0, 2.0]
    for y in (i.relu(), i.abs(), i.square(), i.sum(), -i, i * 2):
        assert y.dtype == mg.int64
    with pytest.raises(TypeError, match="exp: expected a Tensor"):
        mg.exp(2.0)


def test_tensor_from_a_list_of_tensors_and_bad_data():
    t = mg.tensor([mg.tensor(1.0), mg.tensor(2.0)])
    assert t.tolist() == [1.0, 2.0] and t.dtype == mg.float32
    with pytest.raises(TypeError, match="numeric"):
        mg.tensor(["a", "b"])


# ----------------------------------------------------------------------------- .data, as PyTorch's
def test_data_is_a_tensor_sharing_memory_outside_autograd():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    d = p.data
    assert isinstance(d, mg.Tensor) and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.array, p.array)
    p.data -= 0.5 * p.grad  # the classic hand-written SGD step, as in PyTorch
    np.testing.assert_allclose(p.detach().numpy(), [0.0, 0.0])
    assert p._version == 0  # untracked: the escape hatch
    assert abs(mg.tensor([3.0, 4.0]).data.norm().item() - 5.0) < 1e-6  # blitz tutorial


def test_assigning_data_swaps_the_array_and_refuses_raw_arrays():
    t = mg.tensor([1.0, 2.0])
    t.data = mg.tensor([5.0, 6.0, 7.0])
    assert t.shape == (3,) and t.tolist() == [5.0, 6.0, 7.0]
    with pytest.raises(TypeError, match="takes a Tensor"):
        t.data = np.zeros(3)
    assert isinstance(t.array, np.ndarray)  # the backend array itself
