"""NumPy arrays and NumPy scalars as constant operands (issue 13 item 2): ``Tensor + ndarray`` and
``ndarray * Tensor`` work as with a tensor of the array's dtype, by minigrad's promotion rules;
NumPy data never moves to another device silently."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2]


def test_tensor_op_ndarray_both_orders_match_numpy():
    a = np.array([[1.0, -2.0, 3.0]], dtype=np.float32)
    b = np.array([[0.5], [2.0]], dtype=np.float32)
    t = mg.tensor(a)
    for got, want in [(t + b, a + b), (b + t, b + a), (t - b, a - b), (b - t, b - a),
                      (t * b, a * b), (b * t, b * a), (t / b, a / b), (b / t, b / a),
                      (t ** 2, a ** 2), (t.T @ b.T, a.T @ b.T)]:
        assert got.dtype == mg.float32
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)
    np.testing.assert_array_equal((t > b).numpy(), a > b)
    np.testing.assert_array_equal((b > t).numpy(), b > a)


def test_gradient_flows_to_the_tensor_only():
    x = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64, requires_grad=True)
    c = np.array([4.0, 5.0, 6.0])
    (x * c + c / x - c).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), c - c / np.array([1.0, 4.0, 9.0]))


def test_the_array_is_copied_so_a_later_change_does_not_alter_the_gradient():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    c = np.array([3.0, 4.0])
    y = (x * c).sum()
    c[:] = 100.0
    y.backward()
    assert x.grad.tolist() == [3.0, 4.0]


def test_dtype_rules_are_minigrads():
    f32 = mg.ones(2)
    assert (f32 + np.ones(2, dtype=np.int64)).dtype == mg.float32  # float tensor, int array
    assert (mg.arange(2) + np.ones(2, dtype=np.float64)).dtype == mg.float64
    assert (mg.arange(2) + np.arange(2, dtype=np.int32)).dtype == mg.int64
    assert (f32 * np.float64(2.0)).dtype == mg.float32  # a NumPy scalar is a number
    assert (f32 * np.array(2.0)).dtype == mg.float32  # and so is a 0-d array
    with pytest.raises(TypeError, match=r"add: operands have dtypes float32 and float64.*"
                                        r"arr.astype\(numpy.float32\)"):
        f32 + np.ones(2)


def test_in_place_and_losses_take_arrays():
    x = mg.zeros(3)
    x += np.ones(3, dtype=np.float32)
    assert x.tolist() == [1.0, 1.0, 1.0]
    y = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    loss = F.mse_loss(y, np.array([0.0, 0.0]))
    assert loss.item() == pytest.approx(2.5)


def test_non_numeric_arrays_are_refused_naming_the_op():
    with pytest.raises(TypeError, match=r"mul: a NumPy array of dtype <U1"):
        mg.ones(2) * np.array(["a", "b"])


def test_a_numpy_array_on_another_device_raises_instead_of_moving_data():
    t = mg.ones(3, device="strict")
    with pytest.raises(RuntimeError, match=r"add: a NumPy array \(shape \(3,\), on the host\) "
                                           r"meets a tensor on strict.*device=.strict."):
        t + np.ones(3, dtype=np.float32)
    with pytest.raises(RuntimeError, match=r"mul: a NumPy array"):
        np.ones(3, dtype=np.float32) * t


@pytest.mark.skipif(not mg.cuda.is_available(), reason="needs CuPy and a GPU")
def test_a_numpy_array_on_a_cupy_tensor_raises():
    t = mg.ones(3, device="cuda")
    with pytest.raises(RuntimeError, match=r"a NumPy array .* meets a tensor on cuda:0"):
        t + np.ones(3, dtype=np.float32)


def test_as_in_torch_when_installed():
    torch = pytest.importorskip("torch")
    a = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    got = (mg.tensor([2.0, 3.0, 4.0]) * a + a).numpy()
    want = (torch.tensor([2.0, 3.0, 4.0]) * torch.from_numpy(a) + torch.from_numpy(a)).numpy()
    np.testing.assert_array_equal(got, want)


def test_np_asarray_of_a_tensor_gives_its_values_as_in_torch():
    t = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    a = np.asarray(t)
    assert type(a) is np.ndarray and a.dtype == np.float32 and a.tolist() == [[1, 2], [3, 4]]
    assert np.shares_memory(a, t.array) and not np.shares_memory(np.array(t), t.array)
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.array([mg.tensor(1.0), mg.tensor(2.0)]).tolist() == [1.0, 2.0]  # numbers, not objects
    with pytest.raises(RuntimeError, match=r"requires grad; use .detach\(\)"):
        np.asarray(mg.tensor([1.0], requires_grad=True))
    np.testing.assert_array_equal(np.asarray(t.detach()), a)


def test_np_asarray_matches_torch_when_installed():
    torch = pytest.importorskip("torch")
    got = np.asarray(mg.tensor([[1.5, -2.0]]))
    want = np.asarray(torch.tensor([[1.5, -2.0]]))
    assert got.dtype == want.dtype and got.tolist() == want.tolist()
    with pytest.raises(RuntimeError):
        np.asarray(torch.tensor([1.0], requires_grad=True))  # torch refuses too
