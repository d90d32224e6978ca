"""In-place ops: values, version counter, the leaf rule, gradients through rebased tensors, and
the saved-tensor check that makes ``L1.backward(retain_graph=True); opt.step(); L2.backward()``
fail loudly."""
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.testing import gradcheck, gradgradcheck

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex3_4,
              pytest.mark.ex3_5]

X0 = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], dtype=np.float32)
Y0 = np.array([2.0, 0.5, -4.0], dtype=np.float32)


def _x():
    return mg.tensor(X0.copy())


def _iadd(x):
    x += mg.tensor(Y0)


def _isub(x):
    x -= 1.5


def _imul(x):
    x *= mg.tensor(Y0)


def _idiv(x):
    x /= 2.0


def _set_row(x):
    x[1] = mg.tensor(Y0)


def _set_mask(x):
    x[x > 0] = 0.0


def _set_fancy(x):
    x[[0, 1], [2, 0]] = mg.tensor([7.0, 8.0])


# name: (in-place form, the NumPy value it must produce)
CASES = {
    "+=": (_iadd, lambda a: a + Y0),
    "-=": (_isub, lambda a: a - 1.5),
    "*=": (_imul, lambda a: a * Y0),
    "/=": (_idiv, lambda a: a / 2.0),
    "add_": (lambda x: x.add_(mg.tensor(Y0)), lambda a: a + Y0),
    "add_ alpha": (lambda x: x.add_(mg.tensor(Y0), alpha=-2.0), lambda a: a - 2.0 * Y0),
    "sub_": (lambda x: x.sub_(1.0, alpha=3.0), lambda a: a - 3.0),
    "mul_": (lambda x: x.mul_(-1.0), lambda a: -a),
    "div_": (lambda x: x.div_(mg.tensor(Y0)), lambda a: a / Y0),
    "x[i] = v": (_set_row, lambda a: np.stack([a[0], Y0])),
    "x[mask] = 0": (_set_mask, lambda a: np.where(a > 0, 0.0, a).astype(np.float32)),
    "x[rows, cols] = v": (_set_fancy, lambda a: _np_fancy(a)),
    "zero_": (lambda x: x.zero_(), np.zeros_like),
    "fill_": (lambda x: x.fill_(2.5), lambda a: np.full_like(a, 2.5)),
    "copy_": (lambda x: x.copy_(mg.tensor(Y0)), lambda a: np.broadcast_to(Y0, a.shape)),
}


def _np_fancy(a):
    a = a.copy()
    a[[0, 1], [2, 0]] = [7.0, 8.0]
    return a


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_version_and_the_same_array(name):
    form, want = CASES[name]
    x = _x()
    arr, alias = x.array, x[0]  # x[0] (nothing records) is a NumPy view of x's array
    form(x)
    np.testing.assert_allclose(x.numpy(), want(X0), rtol=1e-6)
    assert x._version == 1
    assert x.array is arr  # a leaf is changed in its own array ...
    np.testing.assert_allclose(alias.numpy(), want(X0)[0], rtol=1e-6)  # ... so views see it
    assert x.dtype == mg.float32 and x.shape == (2, 3)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_leaf_that_requires_grad_refuses_outside_no_grad(name):
    form, want = CASES[name]
    w = mg.tensor(X0.copy(), requires_grad=True)
    with pytest.raises(RuntimeError) as exc:
        form(w)
    msg = str(exc.value)
    assert "leaf tensor that requires grad" in msg and "shape (2, 3)" in msg
    assert "with minigrad.no_grad():" in msg and ".array" in msg
    assert w._version == 0
    np.testing.assert_array_equal(w.detach().numpy(), X0)  # nothing changed
    with mg.no_grad():
        form(w)
    np.testing.assert_allclose(w.detach().numpy(), want(X0), rtol=1e-6)
    assert w._version == 1 and w.is_leaf and w.requires_grad


def test_the_error_names_the_op():
    w = mg.ones(4, requires_grad=True)
    for form, op in [(lambda: w.add_(1), "add_"), (lambda: w.zero_(), "zero_"),
                     (lambda: w.copy_(mg.zeros(4)), "copy_"), (lambda: w.fill_(1.0), "fill_"),
                     (lambda: w.__setitem__(0, 1.0), "x[index] = value"),
                     (lambda: w.mul_(2.0), "mul_")]:
        with pytest.raises(RuntimeError, match=re.escape(op)):
            form()


def test_in_place_on_graph_tensors_has_out_of_place_gradients():
    """``y += ...``, ``y *= ...`` and ``y[i] = ...`` on intermediates: gradients match finite
    differences (first and second order), and the rebased tensor's value is the new one."""

    def f(a, b):
        y = a * 2.0
        y += b ** 2           # rebased: y now comes from AddBackward
        y[0] = a[1] * b[2]    # a value that requires grad, written into a graph tensor
        y *= a                # the old y is saved by MulBackward (by value: no false alarm)
        z = mg.zeros(3, dtype=mg.float64)
        z[1:] = b[:2].exp()   # a plain leaf becomes part of the graph
        z.add_(y, alpha=0.5)
        return (z * y).sum()

    rng = np.random.default_rng(0)
    a = mg.tensor(rng.standard_normal(3), requires_grad=True)
    b = mg.tensor(rng.standard_normal(3), requires_grad=True)
    assert gradcheck(f, (a, b))
    assert gradgradcheck(f, (a, b))


def test_copy_and_fill_pass_gradients_to_the_source():
    src = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64, requires_grad=True)
    s = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
    buf = mg.zeros(2, 3, dtype=mg.float64)
    buf.copy_(src)                    # broadcast over the rows: the gradient sums them
    (buf * mg.tensor([[1.0], [10.0]], dtype=mg.float64)).sum().backward()
    np.testing.assert_allclose(src.grad.numpy(), [11.0, 11.0, 11.0])
    other = mg.zeros(4, dtype=mg.float64).fill_(s)
    (other * 3.0).sum().backward()
    assert s.grad.item() == pytest.approx(12.0)
    assert gradcheck(lambda v: mg.zeros(2, 3, dtype=mg.float64).copy_(v).square().sum(), (src,))


def test_rebasing_keeps_the_old_node_correct_and_retain_grad_follows():
    x = mg.tensor([0.5, 1.0, 2.0], dtype=mg.float64, requires_grad=True)
    y = x.exp()            # ExpBackward saves its output: it must keep the *old* value
    y.retain_grad()
    old_array = y.array
    y += 1.0
    assert y.array is not old_array and y.grad_fn.name == "AddBackward" and y._version == 1
    (y * y).sum().backward()
    e = np.exp([0.5, 1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), 2 * (e + 1) * e)
    np.testing.assert_allclose(y.grad.numpy(), 2 * (e + 1))  # d/dy of the new y


def test_changing_a_tensor_a_node_saved_raises_with_both_versions():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1.0
    c = b * b                      # MulBackward saves b (version 0)
    b += 1
    with pytest.raises(RuntimeError) as exc:
        c.sum().backward()
    msg = str(exc.value)
    assert "MulBackward" in msg and "shape (2,)" in msg
    assert "version 1" in msg and "saved version 0" in msg


def test_changing_a_constant_a_node_saved_raises():
    w = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = mg.tensor([1.0, 0.0, 1.0])   # no grad: in-place is allowed ...
    loss = (w * mask).sum()
    mask.fill_(0.5)                     # ... and MulBackward sees it
    with pytest.raises(RuntimeError, match=r"MulBackward.*shape \(3,\).*version 1.*version 0"):
        loss.backward()


def test_no_grad_update_of_a_graph_tensor_gives_it_a_new_array():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    y = x.exp()
    old = y.array
    with mg.no_grad():
        y.mul_(0.0)
    assert y.array is not old and old[0] == pytest.approx(np.e)  # ExpBackward's value is intact
    assert y.grad_fn.name == "ExpBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]))


def _two_heads(seed=0):
    mg.manual_seed(seed)
    trunk, h1, h2 = nn.Linear(4, 8), nn.Linear(8, 2), nn.Linear(8, 1)
    params = [*trunk.parameters(), *h1.parameters(), *h2.parameters()]
    x = mg.randn(5, 4, requires_grad=True)  # (so the trunk's node saves its weight for dx)
    z = trunk(x).relu()
    return trunk, params, h1(z).square().mean(), h2(z).square().mean()


@pytest.mark.parametrize("opt_cls", [optim.SGD, optim.Adam, optim.RMSprop])
def test_backward_after_an_optimizer_step_through_a_retained_graph_fails_loudly(opt_cls):
    trunk, params, l1, l2 = _two_heads()
    opt = opt_cls(params, lr=0.1)
    l1.backward(retain_graph=True)
    before = trunk.weight._version
    opt.step()
    assert trunk.weight._version == before + 1
    with pytest.raises(RuntimeError) as exc:
        l2.backward()
    msg = str(exc.value)
    assert re.match(r"(MatMul|Linear)Backward: ", msg) and "modified in place" in msg
    assert "(8, 4)" in msg  # the trunk's weight (or its transpose w.T, a view of it)
    assert f"version {before + 1}" in msg and f"saved version {before}" in msg
    assert "opt.step()" in msg


def test_both_backwards_before_the_step_is_fine_and_equals_the_summed_loss():
    _, params, l1, l2 = _two_heads()
    opt = optim.SGD(params, lr=0.1)
    l1.backward(retain_graph=True)
    l2.backward()
    separate = [p.grad.numpy().copy() for p in params]
    opt.step()
    _, params2, m1, m2 = _two_heads()
    (m1 + m2).backward()
    for g, p in zip(separate, params2):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-6)


def test_step_bumps_only_the_parameters_it_updates():
    a, b = mg.ones(3, requires_grad=True), mg.ones(3, requires_grad=True)
    opt = optim.SGD([a, b], lr=0.1)
    (a * 2).sum().backward()
    opt.step()
    assert (a._version, b._version) == (1, 0)
    opt.zero_grad()
    assert (a._version, b._version) == (1, 0)


def test_writing_to_data_is_the_unchecked_escape_hatch():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.array -= 1.0                      # no version bump, no error: the documented escape hatch
    assert w._version == 0
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), [0.0, 2.0])  # computed from the *new* values


@pytest.mark.parametrize("form, exc, match", [
    (lambda: mg.arange(3).__iadd__(0.5), TypeError, r"add_: .*float32.*int64.*shape \(3,\)"),
    (lambda: mg.arange(3).__itruediv__(2), TypeError, r"div_: .*float32.*int64"),
    (lambda: mg.arange(3).__setitem__(0, 1.5), TypeError, r"x\[index\] = value.*Python float"),
    (lambda: mg.ones(3).__iadd__(mg.ones(3, dtype=mg.float64)), TypeError,
     r"add_: operands have dtypes float32 and float64"),
    (lambda: mg.ones(3).copy_(mg.ones(3, dtype=mg.float64)), TypeError,
     r"copy_: operands have dtypes float32 and float64"),
    (lambda: mg.ones(3).__iadd__(mg.ones(2, 3)), ValueError,
     r"add_: .*\(2, 3\).*\(3,\).*can't grow"),
    (lambda: mg.ones(3).__imul__(mg.ones(4)), ValueError, r"mul_: shapes \(3,\) and \(4,\)"),
    (lambda: mg.ones(3).__setitem__(slice(0, 2), mg.ones(3)), ValueError,
     r"value of shape \(3,\) can't fill a region of shape \(2,\)"),
    (lambda: mg.ones(3).fill_(mg.ones(2)), ValueError, r"fill_: .*0-d.*\(2,\)"),
    (lambda: mg.ones(3).copy_([1.0, 2.0, 3.0]), TypeError, r"copy_: src must be a Tensor"),
    (lambda: mg.ones(3).__iadd__(np.ones(3)), TypeError, r"add_: operands have dtypes float32 "
     r"and float64"),
    (lambda: mg.ones(3).expand(2, 3).add_(1.0), RuntimeError, r"add_: .*read-only.*clone"),
])
def test_in_place_errors(form, exc, match):
    with pytest.raises(exc, match=match):
        form()


def test_bool_and_int_tensors_keep_their_dtype():
    m = mg.zeros(4, dtype=mg.bool_)
    m[1] = True
    m[mg.tensor([2])] = mg.tensor([True])
    assert m.tolist() == [False, True, True, False] and m.dtype == mg.bool_
    i = mg.arange(4)
    i += 1
    i *= mg.tensor([1, 2, 3, 4])
    i.zero_()
    assert i.tolist() == [0, 0, 0, 0] and i.dtype == mg.int64 and i._version == 3


def test_mixed_devices_are_refused_in_place():
    pytest.importorskip("array_api_strict")
    s = mg.ones(3, device="strict")
    with pytest.raises(RuntimeError, match=r"x\[index\] = value\): the value is on cpu .*strict"):
        s[0:2] = mg.ones(2)
    with pytest.raises(RuntimeError, match=r"Add: expected all tensors on one device"):
        s += mg.ones(3)


def test_in_place_on_the_strict_stand_in():
    pytest.importorskip("array_api_strict")
    s = mg.tensor(X0.copy(), device="strict")
    s[0] = 1.0
    s[mg.tensor([1], device="strict"), 2] = 9.0   # through the host on the stand-in
    s += 1.0
    want = X0.copy()
    want[0] = 1.0
    want[1, 2] = 9.0
    np.testing.assert_allclose(s.numpy(), want + 1.0)
    assert s._version == 3 and s.device == "strict"


def test_a_saved_view_of_a_leaf_is_checked_through_the_leaf():
    """``x @ w.T`` saves ``w.T`` (a view made by permute); changing ``w`` changes it."""
    w = mg.ones(3, 2, requires_grad=True)
    for view in (lambda t: t.T.T, lambda t: t.reshape(6).reshape(3, 2), lambda t: t[:, 0:1],
                 lambda t: t.unsqueeze(0).expand(4, 3, 2)[1]):
        loss = (mg.ones(5, 3, requires_grad=True) @ view(w)).sum()  # (saves the view for da)
        with mg.no_grad():
            w.mul_(1.0)
        with pytest.raises(RuntimeError, match=r"MatMulBackward: a tensor of shape \(\d, \d\) "
                                               r"\(a view of a tensor of shape \(3, 2\)\)"):
            loss.backward()


def test_detach_shares_the_version_counter_so_in_place_through_it_is_caught():
    w = mg.randn(3, dtype=mg.float64, requires_grad=True)
    y = (w * w).sum()  # Mul saved w
    d = w.detach()
    d.add_(1.0)  # changes w's data through the detached view
    assert w._version == d._version == 1
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_a_saved_output_changed_through_detach_is_caught():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # ExpBackward keeps its output's array
    y.detach().add_(1.0)
    with pytest.raises(RuntimeError, match="ExpBackward: an output of shape"):
        y.sum().backward()


def test_a_saved_view_rebased_in_place_is_caught():
    w = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with mg.no_grad():
        w.add_(1.0)  # w (and its views) at version 1
    x = mg.tensor([[1.0, 1.0]], requires_grad=True)
    v = w.T
    y = x @ v  # MatMul saved the view v
    # v is a recorded view of w: writing through it is refused at once (issue 13: the write
    # would not reach w), so the saved view can't go stale
    with pytest.raises(RuntimeError, match=r"add_: .* is a view, made by PermuteBackward"):
        v += 100
    y.sum().backward()
    assert x.grad.tolist() == [[6.0, 8.0]]  # dy/dx = rows of w.T summed: w + 1 = [[2, 3], [4, 5]]


def test_advanced_indexing_copies_so_changing_the_source_is_fine():
    w = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = mg.tensor([1.0, 1.0], requires_grad=True)
    y = (w[[0, 1]] * x).sum()  # a copy, not a view of w
    with mg.no_grad():
        w.add_(1.0)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 2.0])
    w2 = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y2 = (w2[0:2] * x).sum()  # a basic slice is a view: changing w2 is caught
    with mg.no_grad():
        w2.add_(1.0)
    with pytest.raises(RuntimeError, match=r"a view of a tensor of shape \(3,\)"):
        y2.backward()


def test_a_view_shares_its_base_version_counter():
    a = mg.tensor([1.0, 2.0, 3.0])
    v = a[0:2]
    a[0] = 100.0
    assert v._version == a._version == 1
