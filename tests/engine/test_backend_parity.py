"""The op suite on other array libraries, against minigrad on NumPy: forward values, gradients
and a second-order product (grad of <grad, w>) must agree normwise.

* ``strict``: array-api-strict arrays on a non-default device, a CPU stand-in that refuses
  NumPy calls and implicit host copies, so ops written against anything but the array API
  standard (and the backend's helpers) fail here as they would on CuPy;
* ``cuda``: CuPy, marked ``gpu`` (skipped unless ``cupy`` sees a device).
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opcases import CASES, to_tensors

import minigrad as mg

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex3_1,
              pytest.mark.ex3_2]

TOL = {mg.float32: 1e-5, mg.float64: 1e-10}


def _close(got, want, tol, what):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    err = np.linalg.norm(got - want)
    assert err <= tol * max(np.linalg.norm(want), 1.0), (what, err, np.linalg.norm(want))


def _run(case, form, arrays, params, dtype, device, v, w):
    """Forward, first gradients (seeded by v) and grad of <grads, w>, as host arrays."""
    xs = to_tensors(arrays, dtype=dtype, device=device)
    out = form(*xs, **params)
    assert out.device == mg.backend.normalize_device(device or "cpu") and out.dtype == dtype
    diff = [x for x in xs if x.requires_grad]
    gv = mg.tensor(v, dtype=dtype, device=device)
    grads = mg.grad(out, diff, grad_outputs=gv, create_graph=True, allow_unused=True)
    for g, x in zip(grads, diff):
        assert g is None or (g.device == x.device and g.dtype == x.dtype)
    dot = None
    for g, wi in zip(grads, w):
        if g is not None and g.requires_grad:
            term = (g * mg.tensor(wi, dtype=dtype, device=device)).sum()
            dot = term if dot is None else dot + term
    second = mg.grad(dot, diff, allow_unused=True) if dot is not None else [None] * len(diff)
    host = [None if g is None else g.detach().cpu().numpy() for g in (*grads, *second)]
    return out.detach().cpu().numpy(), host


def check_parity(case, data, dtype, device):
    arrays, params = data.draw(case.strategy)
    form = data.draw(st.sampled_from(case.forms))
    rng = np.random.default_rng(0)
    out_shape = form(*to_tensors(arrays), **params).shape
    v = rng.standard_normal(out_shape)
    w = [rng.standard_normal(a.shape) for a in arrays if a.dtype.kind == "f"]
    want_out, want = _run(case, form, arrays, params, dtype, None, v, w)
    got_out, got = _run(case, form, arrays, params, dtype, device, v, w)
    tol = TOL[dtype]
    _close(got_out, want_out, tol, "forward")
    for k, (g, wg) in enumerate(zip(got, want)):
        assert (g is None) == (wg is None), k
        if g is not None:
            _close(g, wg, tol, f"gradient {k}")


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("case", CASES, ids=repr)
@settings(max_examples=10)
@given(data=st.data())
def test_strict_stand_in_matches_numpy(case, dtype, data):
    check_parity(case, data, dtype, "strict")


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [mg.float32, mg.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("case", CASES, ids=repr)
@settings(max_examples=4)
@given(data=st.data())
def test_cupy_matches_numpy(case, dtype, data):
    check_parity(case, data, dtype, "cuda")


def _non_op_suite(device):
    """What the op table does not cover: comparisons, indices, factories, conversions."""
    X = np.array([[0.3, -1.2, 2.5], [1.7, 0.9, -0.4]])
    x = mg.tensor(X, device=device, requires_grad=True)
    device = mg.backend.normalize_device(device)  # "cuda" is "cuda:0"
    assert x.device == device
    for got, want in [(x > 0.5, X > 0.5), (x == x, X == X), (0.3 >= x, 0.3 >= X),
                      (x.argmax(dim=1), X.argmax(axis=1)), (x.argmin(), X.argmin()),
                      (x.max(dim=0).indices, X.argmax(axis=0)),
                      (x.min(dim=1, keepdim=True)[1], X.argmin(axis=1)[:, None])]:
        assert got.device == device and not got.requires_grad
        np.testing.assert_array_equal(got.cpu().numpy(), want)
    assert x.sum().item() == pytest.approx(X.sum()) and x.detach().tolist() == X.tolist()
    assert "device=" in repr(x)
    for t in (mg.zeros(2, 3, device=device), mg.ones(2, device=device), mg.eye(3, device=device),
              mg.arange(4, device=device), mg.full((2,), 1.5, device=device),
              mg.randn(3, device=device), mg.rand(3, device=device),
              mg.zeros_like(x), mg.tensor(x), x.double(), x.float().long()):
        assert t.device == device
    mg.manual_seed(5)
    a = mg.randn(4, device=device)
    mg.manual_seed(5)
    assert a.cpu().tolist() == mg.randn(4).tolist()  # one seed, the same numbers everywhere
    y = (x[x > 0] * 2.0).sum() + x.float().sum().double()  # mask index, differentiable casts
    y.backward()
    assert x.grad.device == device and x.grad.dtype == mg.float64
    np.testing.assert_array_equal(x.grad.cpu().numpy(), (X > 0) * 2.0 + 1.0)
    with mg.detect_anomaly(), np.errstate(all="ignore"):
        with pytest.raises(FloatingPointError, match="Log"):
            (x - 10.0).log()


def test_strict_stand_in_beyond_the_op_table():
    _non_op_suite("strict")


@pytest.mark.gpu
def test_cupy_beyond_the_op_table():
    _non_op_suite("cuda")
