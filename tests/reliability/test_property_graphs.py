"""Property tests of whole graphs (hypothesis), filling what tests/engine/test_oracle_autograd.py
leaves out. That file checks random expression graphs (broadcasting, fan-out) against HIPS
autograd, first and second order; here:

* the same random programs against float64 central differences (``gradcheck``), so the two
  oracles are independent of each other;
* random programs that also change values in place (``+=``, ``*=``, ``-=``, ``x[idx] = v``) match
  HIPS autograd on the out-of-place program they stand for, and finite differences.
"""
import importlib.util
from pathlib import Path

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import gradcheck

# The random programs use softmax and log-softmax (exercises 3.1, 3.2).
pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex3_1,
              pytest.mark.ex3_2]

# The programs live in a helper module (not a test file), so every student copy holds them.
_spec = importlib.util.spec_from_file_location(
    "_oracle_programs", Path(__file__).parents[1] / "engine" / "oracle_programs.py")
oracle = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(oracle)


@settings(max_examples=30)
@given(program=oracle.programs())
def test_oracle_programs_match_finite_differences(program):
    shapes, _, _, seed = program
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(s) for s in shapes] + [rng.standard_normal((4, 4)) * 0.5]
    ts = [mg.tensor(v, requires_grad=True) for v in values]
    assert gradcheck(lambda *xs: oracle.run(program, xs[:-1], xs[-1], 0), ts,
                     atol=1e-6, rtol=1e-5)


# ----------------------------------------------------------------------------- in place
SHAPES = [(3, 4), (3, 1), (1, 4), (4,), ()]
UNARY = {  # exp_tanh and sigmoid save their *output*, sin and square their input
    "tanh": (lambda x: x.tanh(), anp.tanh),
    "exp_tanh": (lambda x: x.tanh().exp(), lambda x: anp.exp(anp.tanh(x))),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: 1 / (1 + anp.exp(-x))),
    "sin": (lambda x: x.sin(), anp.sin),
    "square": (lambda x: x.square(), anp.square),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / (1.0 + b * b), lambda a, b: a / (1.0 + b * b)),
}
INPLACE = ["+=", "-=", "*=", "setitem"]


def _bshape(a, b):
    return np.broadcast_shapes(a, b)


@st.composite
def inplace_programs(draw):
    """Steps over a pool of values; an in-place step changes a value nothing has used yet (so no
    node saved it: the change must succeed and later steps see the new value)."""
    shapes = [draw(st.sampled_from(SHAPES)) for _ in range(draw(st.integers(1, 3)))]
    pool, used, steps = list(shapes), [True] * len(shapes), []  # leaves: never in place
    for _ in range(draw(st.integers(2, 10))):
        n = len(pool)
        fresh = [k for k in range(n) if not used[k]]
        kind = draw(st.sampled_from(["unary", "binary", "inplace", "inplace"]))
        if kind == "inplace" and fresh:
            i = draw(st.sampled_from(fresh))
            j = draw(st.integers(0, n - 1).filter(lambda k: k != i))
            op = draw(st.sampled_from(INPLACE))
            whole = _bshape(pool[i], pool[j]) == pool[i] and op != "setitem"
            steps.append(("inplace", op, i, j, whole))
            used[j] = True
        elif kind == "binary":
            i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
            steps.append(("binary", draw(st.sampled_from(sorted(BINARY))), i, j))
            pool.append(_bshape(pool[i], pool[j]))
            used[i] = used[j] = True
            used.append(False)
        else:
            i = draw(st.integers(0, n - 1))
            steps.append(("unary", draw(st.sampled_from(sorted(UNARY))), i))
            pool.append(pool[i])
            used[i] = True
            used.append(False)
    return shapes, steps, draw(st.integers(0, 2**32 - 1))


def _region(shape):
    """The index a setitem step writes: a slice of the last axis, or everything for 0-d."""
    return (Ellipsis, slice(1, 3)) if shape and shape[-1] >= 3 else Ellipsis


def run_inplace(program, leaves, lib):
    """minigrad (lib=0), changing values in place; or autograd (lib=1), out of place."""
    _, steps, _ = program
    pool = list(leaves)
    for step in steps:
        if step[0] == "unary":
            pool.append(UNARY[step[1]][lib](pool[step[2]]))
        elif step[0] == "binary":
            pool.append(BINARY[step[1]][lib](pool[step[2]], pool[step[3]]))
        else:
            _, op, i, j, whole = step
            src = pool[j] if whole else pool[j].sum()  # 0-d: fits any target
            t = pool[i]
            if op == "setitem":
                region = _region(np.shape(t))
                if lib == 0:
                    t[region] = src.tanh()
                else:
                    mask = np.zeros(np.shape(t), dtype=bool)
                    mask[region] = True
                    pool[i] = anp.where(mask, anp.tanh(src) + 0.0 * t, t)
                continue
            if lib == 0:
                if op == "+=":
                    t += src
                elif op == "-=":
                    t -= src
                else:
                    t *= src
            else:
                pool[i] = t + src if op == "+=" else t - src if op == "-=" else t * src
    total = 0.0
    for k, v in enumerate(pool[len(leaves):], 1):
        total = total + k * (v.sum() if lib == 0 else anp.sum(v))
    return total


@settings(max_examples=60)
@given(program=inplace_programs())
def test_in_place_programs_match_autograd_and_finite_differences(program):
    shapes, steps, seed = program
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(s) for s in shapes]
    want = autograd.grad(lambda xs: run_inplace(program, xs, 1))(values)
    ts = [mg.tensor(v, requires_grad=True) for v in values]
    out = run_inplace(program, ts, 0)
    if not isinstance(out, mg.Tensor) or not out.requires_grad:
        return  # no step used a leaf
    want_value = run_inplace(program, values, 1)
    np.testing.assert_allclose(out.item(), want_value, rtol=1e-12, atol=1e-12)
    out.backward()
    for t, w in zip(ts, want):
        got = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(got, w, rtol=1e-9, atol=1e-11)
    assert gradcheck(lambda *xs: run_inplace(program, xs, 0), ts, atol=1e-6, rtol=1e-5)
