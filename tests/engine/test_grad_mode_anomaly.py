"""no_grad / enable_grad / is_grad_enabled, and detect_anomaly's reports."""
import os

import numpy as np
import pytest

import minigrad as mg

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_3]


def f64(a, rg=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=rg)


def test_no_grad_and_enable_grad_as_context_managers():
    x = f64([1.0])
    assert mg.is_grad_enabled()
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = x * 2
        with mg.enable_grad():
            assert mg.is_grad_enabled()
            z = x * 2
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None


def test_as_decorators_and_restored_after_an_exception():
    @mg.no_grad()
    def f(x):
        """doc kept"""
        assert not mg.is_grad_enabled()
        return x * 2

    @mg.enable_grad()
    def g(x):
        return x * 2

    x = f64([1.0])
    assert not f(x).requires_grad and f.__doc__ == "doc kept"
    with mg.no_grad():
        assert g(x).requires_grad
    with pytest.raises(ZeroDivisionError):
        with mg.no_grad():
            1 / 0
    assert mg.is_grad_enabled()


def test_set_grad_enabled():
    mg.set_grad_enabled(False)
    try:
        assert not (f64([1.0]) * 2).requires_grad
    finally:
        mg.set_grad_enabled(True)
    assert mg.is_grad_enabled()


def _line_of(text):
    with open(__file__) as fh:
        for no, line in enumerate(fh, 1):
            if text in line and "_line_of" not in line:
                return no
    raise AssertionError(text)


def test_anomaly_in_forward_names_op_shapes_and_line():
    x = f64([[-1.0, 1.0]])
    with mg.detect_anomaly(), np.errstate(invalid="ignore"):
        with pytest.raises(FloatingPointError) as err:
            y = x.log()  # noqa: F841 anomaly-forward-line
    msg = str(err.value)
    assert "Log" in msg and "(1, 2)" in msg
    assert f"{os.path.basename(__file__)}:{_line_of('anomaly-forward-line')}" in msg
    assert "y = x.log()" in msg


def test_anomaly_in_backward_names_op_shapes_and_line():
    x = f64([0.0, 4.0])
    with mg.detect_anomaly(), np.errstate(divide="ignore"):
        s = x.sqrt()  # anomaly-backward-line
        loss = (s * 2.0).sum()
        with pytest.raises(FloatingPointError) as err:
            loss.backward()
    msg = str(err.value)
    assert "SqrtBackward" in msg and "(2,)" in msg
    assert f"{os.path.basename(__file__)}:{_line_of('anomaly-backward-line')}" in msg
    assert "s = x.sqrt()" in msg


def test_anomaly_mode_off_by_default_and_decorator():
    x = f64([-1.0])
    with np.errstate(invalid="ignore"):
        assert np.isnan(x.log().item())  # no check outside the block

    @mg.detect_anomaly()
    def f():
        with np.errstate(invalid="ignore"):
            return x.log()

    with pytest.raises(FloatingPointError):
        f()
