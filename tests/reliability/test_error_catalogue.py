"""The error catalogue: every mistake a student is likely to make, each asserted on its message
(which op, which shapes/dtypes/devices, and the fix). Also: the promotion rules row by row, and
NumPy's floating-point warnings outside anomaly mode."""
import re
import sys
import warnings

import numpy as np
import pytest

import minigrad as mg

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]

A, B = (2, 3), (4,)  # shapes that do not broadcast

BINARY = {  # name in the message: the call
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
    "maximum": mg.maximum,
    "minimum": mg.minimum,
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "where": lambda a, b: mg.where(a > 0, a, b),
}


# ----------------------------------------------------------------------------- shapes
@pytest.mark.parametrize("name", sorted(BINARY))
def test_shape_mismatch_in_every_binary_op(name):
    with pytest.raises(ValueError) as exc:
        BINARY[name](mg.ones(*A), mg.ones(*B))
    msg = str(exc.value)
    assert msg.startswith(f"{name}:")
    assert "(2, 3)" in msg and "(4,)" in msg
    assert "dimension -1 has size 3 vs 4" in msg and "Reshape or unsqueeze" in msg


@pytest.mark.parametrize("sa, sb, which", [
    ((2, 3), (4, 5), r"last dim of the first \(3\) must equal dim -2 of the second \(4\)"),
    ((3,), (4,), r"last dim of the first \(3\) must equal dim 0 of the second \(4\)"),
    ((3,), (4, 2), r"last dim of the first \(3\) must equal dim -2 of the second \(4\)"),
    ((5, 2, 3), (4,), r"last dim of the first \(3\) must equal dim 0 of the second \(4\)"),
    ((2, 2, 3), (3, 3, 5), r"batch dims \(all but the last two\) \(2,\) and \(3,\)"),
])
def test_matmul_names_the_dims_that_disagree(sa, sb, which):
    with pytest.raises(ValueError) as exc:
        mg.ones(*sa) @ mg.ones(*sb)
    msg = str(exc.value)
    assert msg.startswith("matmul:") and str(sa) in msg and str(sb) in msg
    assert re.search(which, msg), msg


def test_matmul_of_a_scalar_points_to_mul():
    with pytest.raises(ValueError, match=r"matmul: .*\(\) and \(3,\); use \* for scalars"):
        mg.tensor(2.0) @ mg.ones(3)


def test_bool_mask_of_the_wrong_shape():
    with pytest.raises(IndexError, match=r"indexing: a bool mask of shape \(3,\) does not fit a "
                                         r"tensor of shape \(2, 3\).*\(2,\)"):
        mg.ones(2, 3)[mg.tensor([True, False, True])]


def test_float_index_and_float_condition_are_refused():
    x = mg.ones(3)
    with pytest.raises(TypeError, match="indexing: index tensors must be integer or bool, got "
                                        "float32"):
        x[mg.tensor([0.0, 1.0])]
    with pytest.raises(TypeError, match=r"where: the condition must be a bool Tensor"):
        mg.where(x, x, x)


# ----------------------------------------------------------------------------- promotion
F32, F64 = mg.float32, mg.float64


def _t(dtype):
    if dtype == mg.bool_:
        return mg.tensor([True, False, True])
    return mg.tensor([1, 2, 3], dtype=dtype)


@pytest.mark.parametrize("left, right, want", [
    # float tensor with a Python or NumPy scalar: the tensor's dtype is kept
    (F32, 2.0, F32), (F32, 2, F32), (F32, True, F32), (F32, np.float64(2.0), F32),
    (F64, 2.0, F64), (F64, np.float32(2.0), F64),
    # float tensor with an int or bool tensor: the float dtype
    (F32, mg.int64, F32), (mg.int64, F32, F32), (F64, mg.int64, F64), (F32, mg.bool_, F32),
    (mg.bool_, F64, F64),
    # int tensor with a Python float: the default float; with an int: int64
    (mg.int64, 1.5, F32), (mg.int64, 2, mg.int64), (mg.int32, mg.int64, mg.int64),
    # bool masks: with bool stays bool, with an int becomes int64, with a float float32
    (mg.bool_, True, mg.bool_), (mg.bool_, 1, mg.int64), (mg.bool_, 1.5, F32),
    (mg.bool_, mg.int64, mg.int64), (mg.bool_, mg.bool_, mg.bool_),
])
def test_promotion_rules(left, right, want):
    a = _t(left)
    b = _t(right) if isinstance(right, np.dtype) else right
    ops = [lambda x, y: x + y, lambda x, y: x * y, lambda x, y: y - x]
    if want == mg.bool_:
        ops.pop()  # bool - bool is NumPy's TypeError (use ^ or logical_xor)
    for op in ops:
        assert op(a, b).dtype == want
    if isinstance(right, np.dtype):
        assert mg.maximum(a, b).dtype == want


def test_bool_minus_bool_is_refused_naming_the_op_and_shapes():
    a, b = mg.tensor([True, False]), mg.tensor([[True], [True]])
    for call in (lambda: a - b, lambda: mg.sub(a, b), lambda: a - True, lambda: True - a):
        with pytest.raises(TypeError) as exc:
            call()
        msg = str(exc.value)
        assert msg.startswith("sub: both operands are bool") and "minigrad.ne(a, b)" in msg
    assert "(2,) and (2, 1)" in str(pytest.raises(TypeError, lambda: a - b).value)


@pytest.mark.parametrize("op", ["add", "mul", "matmul", "where", "maximum"])
def test_float32_with_float64_raises_naming_both(op):
    a, b = mg.ones(3), mg.ones(3, dtype=F64)
    call = {"add": lambda: a + b, "mul": lambda: a * b, "matmul": lambda: a @ b,
            "where": lambda: mg.where(a > 0, a, b), "maximum": lambda: mg.maximum(a, b)}[op]
    with pytest.raises(TypeError) as exc:
        call()
    msg = str(exc.value)
    assert msg.startswith(f"{op}: operands have dtypes float32 and float64")
    assert "shapes (3,) and (3,)" in msg and "x.to(minigrad.float32)" in msg


def test_true_division_of_integers_is_float32_and_bool_masks_index():
    assert (mg.arange(4) / 2).dtype == F32
    assert (mg.arange(4) / mg.arange(1, 5)).dtype == F32
    x = mg.arange(4).float()
    np.testing.assert_array_equal(x[x > 1].numpy(), [2.0, 3.0])
    assert (x * (x > 1)).dtype == F32


def test_numpy_arrays_are_operands_of_their_own_dtype():
    # (issue 13: NumPy arrays are constant operands; float64 data meets float32 as tensors do)
    with pytest.raises(TypeError, match=r"add: operands have dtypes float32 and float64 .*"
                                        r"arr.astype\(numpy.float32\)"):
        mg.ones(3) + np.ones(3)


# ----------------------------------------------------------------------------- autodiff misuse
def test_backward_on_a_non_scalar():
    w = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"only for scalar outputs, but the output has shape "
                                           r"\(3,\); pass gradient=.*loss.sum\(\)"):
        (w * 2).backward()
    with pytest.raises(RuntimeError, match=r"gradient has shape \(2,\) but the output it belongs "
                                           r"to has shape \(3,\)"):
        (w * 2).backward(gradient=mg.ones(2))


@pytest.mark.parametrize("second", ["backward", "grad"])
def test_second_backward_through_a_released_graph(second):
    w = mg.ones(3, requires_grad=True)
    loss = (w.exp() * w).sum()
    loss.backward()
    with pytest.raises(RuntimeError) as exc:
        loss.backward() if second == "backward" else mg.grad(loss, w)
    msg = str(exc.value)
    assert "a second time" in msg and "Backward" in msg and "retain_graph=True" in msg


def test_gradient_of_a_tensor_that_does_not_require_grad():
    x = mg.ones(3)
    with pytest.raises(RuntimeError, match=r"tensor of shape \(\) does not require grad and has "
                                           r"no grad_fn.*no_grad"):
        (x * 2).sum().backward()
    w = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad\(\): input 1 \(shape \(3,\)\) does not require "
                                           r"grad.*requires_grad=True"):
        mg.grad((w * x).sum(), [w, x])
    with pytest.raises(RuntimeError, match=r"grad\(\): input 0 \(shape \(2,\)\) is not reached.*"
                                           r"allow_unused=True"):
        mg.grad((w * 2).sum(), mg.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError, match=r"hook on a tensor that does not require grad \(shape "
                                           r"\(3,\)\)"):
        x.register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match=r"retain_grad on a tensor that does not require grad "
                                           r"\(shape \(3,\)\)"):
        x.retain_grad()
    with mg.no_grad():
        y = (w * 2).sum()
    with pytest.raises(RuntimeError, match="computed under no_grad"):
        y.backward()


@pytest.mark.parametrize("make", [
    lambda: mg.tensor([1, 2], requires_grad=True),
    lambda: mg.zeros(3, dtype=mg.int64, requires_grad=True),
    lambda: mg.arange(3).requires_grad_(),
    lambda: mg.nn.Parameter(mg.arange(3)),
    lambda: mg.tensor([True], requires_grad=True),
])
def test_integer_and_bool_tensors_cannot_require_grad(make):
    with pytest.raises(TypeError) as exc:
        make()
    msg = str(exc.value)
    assert "only floating-point tensors can require gradients" in msg
    assert re.search(r"int64|bool", msg) and re.search(r"float32|\.float\(\)", msg)


def test_optimizers_refuse_integer_and_non_leaf_tensors():
    w = mg.ones(3, requires_grad=True)
    with pytest.raises(ValueError, match=r"SGD: can't optimize a non-leaf tensor.*MulBackward"):
        mg.optim.SGD([w * 2], lr=0.1)
    with pytest.raises(TypeError, match=r"SGD: can't optimize .*int64.*only floating"):
        mg.optim.SGD([mg.arange(3)], lr=0.1)


# ----------------------------------------------------------------------------- devices
@pytest.fixture
def strict():
    pytest.importorskip("array_api_strict")
    return mg.ones(3, device="strict")


@pytest.mark.parametrize("op, call", [
    ("Add", lambda s, c: s + c),
    ("Mul", lambda s, c: c * s),
    ("MatMul", lambda s, c: s @ c),
    ("Cat", lambda s, c: mg.cat([s, c])),
    ("Where", lambda s, c: mg.where(s > 0, s, c)),
])
def test_mixed_devices(strict, op, call):
    with pytest.raises(RuntimeError) as exc:
        call(strict, mg.ones(3))
    msg = str(exc.value)
    assert msg.startswith(f"{op}: expected all tensors on one device")
    assert "(3,) on strict" in msg and "(3,) on cpu" in msg and ".to(device)" in msg
    assert "never moves data between devices silently" in msg


def test_mixed_devices_in_indexing_and_gradients(strict):
    with pytest.raises(RuntimeError, match=r"indexing: the index \(shape \(1,\)\) is on strict but "
                                           r"the tensor \(shape \(3,\)\) is on cpu.*\.to\('cpu'\)"):
        mg.ones(3)[mg.tensor([0], device="strict")]
    w = mg.ones(3, requires_grad=True)
    with pytest.raises(TypeError, match=r"assigned grad is float32 on strict but the tensor is "
                                        r"float32 on cpu"):
        w.grad = strict


# ----------------------------------------------------------------------------- NaN / Inf
def test_anomaly_mode_names_the_forward_op_shapes_and_line():
    x = mg.zeros(2, 3, requires_grad=True)
    with mg.detect_anomaly(), pytest.raises(FloatingPointError) as exc:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mg.log(x)  # the line the message must point at
    line = sys._getframe().f_lineno - 1
    msg = str(exc.value)
    assert "Log.forward produced NaN or Inf" in msg and "(2, 3)" in msg
    assert f"{__file__}:{line}:" in msg and "mg.log(x)" in msg


def test_anomaly_mode_names_the_backward_op_shapes_and_forward_line():
    x = mg.ones(4, requires_grad=True)
    with mg.detect_anomaly():
        z = mg.sqrt(x - 1.0)  # finite forward, infinite gradient at 0
        line = sys._getframe().f_lineno - 1
        with pytest.raises(FloatingPointError) as exc, warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            z.sum().backward()
    msg = str(exc.value)
    assert "SqrtBackward returned NaN or Inf gradients" in msg and "(4,)" in msg
    assert f"{__file__}:{line}:" in msg and "mg.sqrt(x - 1.0)" in msg


def test_outside_anomaly_mode_numpy_warnings_are_not_suppressed():
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        y = mg.log(mg.zeros(3))
    assert np.isneginf(y.numpy()).all()
    with pytest.warns(RuntimeWarning, match="invalid value"):
        y = mg.sqrt(mg.tensor([-1.0]))
    assert np.isnan(y.numpy()).all()
    x = mg.zeros(2, requires_grad=True)
    with pytest.warns(RuntimeWarning):  # in backward too: d sqrt(x)/dx = 1 / (2 sqrt(0))
        mg.sqrt(x).sum().backward()
    assert np.isinf(x.grad.numpy()).all()
