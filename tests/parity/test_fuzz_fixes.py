"""The decisions behind the fuzzing fixes (issue 13 item 3), beyond test_fuzz_bugs.py: writes
through recorded views, PyTorch's 0-d promotion, ints-first advanced indexing (values and
gradients), and minigrad's messages for bad dtype/device arguments."""
import itertools

import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import gradcheck

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


@pytest.mark.parametrize("write", [
    pytest.param(lambda y: y[0].add_(1.0), id="y[0].add_"),
    pytest.param(lambda y: y.T.__iadd__(1.0), id="y.T+="),
    pytest.param(lambda y: y.reshape(6).zero_(), id="reshape.zero_"),
    pytest.param(lambda y: y[0].__setitem__(0, 5.0), id="y[0][0]="),
])
def test_writing_through_a_recorded_view_raises_naming_the_fix(write):
    x = mg.ones(2, 3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"is a view, made by \w+Backward, of a tensor that is "
                                           r"part of the graph.*v = v.clone\(\)"):
        write(y)
    assert y.tolist() == [[2.0] * 3] * 2  # nothing was written


def test_writes_through_views_of_plain_tensors_reach_the_base():
    z = mg.zeros(2, 3)
    z[0].add_(1.0)
    z.T[0] += 5.0
    assert z.tolist() == [[6.0, 1.0, 1.0], [5.0, 0.0, 0.0]]
    w = mg.ones(2, requires_grad=True)
    with mg.no_grad():
        w[0].mul_(3.0)
    assert w.tolist() == [3.0, 1.0]


def test_a_clone_of_a_view_can_be_changed_and_differentiated():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    v = (x * x)[0:1].clone()
    v += 1.0
    v.sum().backward()
    assert x.grad.tolist() == [2.0, 0.0]


INTS = ["uint8", "int8", "int16", "int32", "int64"]


@pytest.mark.parametrize("da, db", [*itertools.product(INTS, repeat=2),
                                    *itertools.product(["float32", "float64"], repeat=2)])
def test_promotion_with_a_zero_d_tensor_follows_torch(da, db):
    torch = pytest.importorskip("torch")
    got = (mg.tensor(np.ones(2, dtype=da)) + mg.tensor(np.ones((), dtype=db))).dtype
    want = (torch.ones(2, dtype=getattr(torch, da)) + torch.ones((), dtype=getattr(torch, db)))
    assert got.name == str(want.dtype).replace("torch.", "")


def test_zero_d_promotion_closed_form():
    assert (mg.tensor(np.ones(2, dtype=np.int8)) + mg.tensor(5)).dtype == np.dtype("int8")
    y = mg.ones(3) * mg.tensor(2.0, dtype=mg.float64)
    assert y.dtype == mg.float32 and y.tolist() == [2.0] * 3
    with pytest.raises(TypeError, match="float32 and float64"):  # both dimensioned: refused
        mg.ones(3) + mg.ones(3, dtype=mg.float64)


@pytest.mark.parametrize("index", [(0, slice(None), [1, 2]), ([0, 1], slice(None), 0),
                                   (Ellipsis, 0, [1, 2]), (0, None, slice(None), [2, 0]),
                                   (1, slice(0, 2), [[0, 1], [1, 2]])])
def test_ints_first_advanced_indexing_values_and_gradients(index):
    a = np.arange(2 * 3 * 4, dtype=np.float64).reshape(2, 3, 4)
    x = mg.tensor(a, requires_grad=True)
    first = tuple(slice(None) if isinstance(p, list) else p for p in index)
    rest = tuple(p if isinstance(p, list) or p is Ellipsis else slice(None) for p in index
                 if not isinstance(p, int))
    np.testing.assert_array_equal(x[index].detach().numpy(), a[first][rest])
    assert gradcheck(lambda t: t[index] * t[index], (x,))


def test_ints_first_indexing_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(120).reshape(2, 3, 4, 5)
    for idx in [(0, slice(None), [1, 2]), ([1, 0], 1, [0, 2], 3), (0, [1, 2], [0, 1]),
                (1, slice(0, 2), [[0, 1], [1, 2]])]:
        np.testing.assert_array_equal(mg.tensor(a)[idx].numpy(), torch.tensor(a)[idx].numpy())


@pytest.mark.parametrize("call, match", [
    (lambda: mg.ones(2).to("float33"), r"to: unknown device 'float33'.*nor is it a dtype"),
    (lambda: mg.ones(2).to(3), r"to: 3 is not a dtype minigrad knows"),
    (lambda: mg.ones(2).to(device="cuda:x"), r"to: unknown device 'cuda:x'"),
    (lambda: mg.ones(2).to(dtype="complex64"), r"to: 'complex64' is not a dtype"),
    (lambda: mg.zeros(2, dtype="float33"), r"zeros: 'float33' is not a dtype"),
    (lambda: mg.ones(2, device="gpu"), r"ones: unknown device 'gpu' \(minigrad calls a GPU "
                                       r"'cuda'\)"),
    (lambda: mg.tensor([1.0], dtype="nope"), r"tensor: 'nope' is not a dtype"),
    (lambda: mg.randn(2, 3).transpose(0, 2), r"transpose: Dimension out of range"),
    (lambda: mg.stack([mg.ones(2)], dim=3), r"stack: Dimension out of range"),
])
def test_bad_dtype_and_device_arguments_get_minigrad_messages(call, match):
    with pytest.raises((TypeError, ValueError, IndexError), match=match):
        call()
