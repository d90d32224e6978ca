"""HIPS autograd as an independent oracle: random expression graphs, built by hypothesis from
the ops below with broadcasting and fan-out (any earlier value may be used again), give the same
gradients and Hessian-vector products in minigrad and in autograd (float64, rtol 1e-9)."""
import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from autograd.tracer import getval
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg

pytestmark = [pytest.mark.ex3_1, pytest.mark.ex3_2]

# Leaves broadcast together to (3, 4); W (4, 4) is only used through matmul.
LEAF_SHAPES = [(3, 4), (3, 1), (1, 4), (4,), ()]


def _ag_lse(x, axis):
    m = np.max(getval(x), axis=axis, keepdims=True)  # a constant shift (autograd's max has no
    # second derivative with keepdims)
    return m + anp.log(anp.sum(anp.exp(x - m), axis=axis, keepdims=True))


# name: (arity, minigrad rule, autograd rule); every result stays broadcastable to (3, 4)
UNARY = {
    "tanh": (lambda x: x.tanh(), anp.tanh),
    "sin": (lambda x: mg.sin(x), anp.sin),
    "exp_tanh": (lambda x: x.tanh().exp(), lambda x: anp.exp(anp.tanh(x))),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: 1 / (1 + anp.exp(-x))),
    "square": (lambda x: x.square(), anp.square),
    "cube": (lambda x: x ** 3, lambda x: x ** 3),
    "log1p_sq": (lambda x: (1.0 + x * x).log(), lambda x: anp.log(1.0 + x * x)),
    "sqrt1p_sq": (lambda x: mg.sqrt(x * x + 1.0), lambda x: anp.sqrt(x * x + 1.0)),
    "neg": (lambda x: -x, lambda x: -x),
}
REDUCE = {  # applied over one axis with keepdims, so shapes stay in the family
    "sum": (lambda x, a: x.sum(dim=a, keepdim=True), lambda x, a: anp.sum(x, a, keepdims=True)),
    "mean": (lambda x, a: x.mean(axis=a, keepdims=True),
             lambda x, a: anp.mean(x, a, keepdims=True)),
    "logsumexp": (lambda x, a: x.logsumexp(dim=a, keepdim=True), _ag_lse),
    "softmax": (lambda x, a: x.softmax(dim=a), lambda x, a: anp.exp(x - _ag_lse(x, a))),
    "log_softmax": (lambda x, a: mg.log_softmax(x, dim=a), lambda x, a: x - _ag_lse(x, a)),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / (1.0 + b * b), lambda a, b: a / (1.0 + b * b)),
    "maximum": (lambda a, b: mg.maximum(a, b), anp.maximum),
    # (autograd's where mishandles a broadcast operand in second order: broadcast b first there)
    "where": (lambda a, b: mg.where(a > b, a * b, b),
              lambda a, b: anp.where(a > b, a * b, b + 0.0 * a)),
}


@st.composite
def programs(draw):
    """Leaf shapes and a list of steps; a step reads earlier values by index (fan-out)."""
    n_leaves = draw(st.integers(1, 3))
    shapes = [draw(st.sampled_from(LEAF_SHAPES)) for _ in range(n_leaves)]
    ndims = [len(s) for s in shapes]
    steps = []
    for _ in range(draw(st.integers(1, 8))):
        n = len(ndims)
        kind = draw(st.sampled_from(["unary", "binary", "binary", "reduce", "matmul"]))
        i = draw(st.integers(0, n - 1))
        if kind == "unary":
            steps.append(("unary", draw(st.sampled_from(sorted(UNARY))), i))
            ndims.append(ndims[i])
        elif kind == "binary":
            j = draw(st.integers(0, n - 1))
            steps.append(("binary", draw(st.sampled_from(sorted(BINARY))), i, j))
            ndims.append(max(ndims[i], ndims[j]))
        elif kind == "reduce" and ndims[i] >= 1:
            axis = draw(st.integers(-ndims[i], ndims[i] - 1))
            steps.append(("reduce", draw(st.sampled_from(sorted(REDUCE))), i, axis))
            ndims.append(ndims[i])
        elif kind == "matmul" and ndims[i] >= 1:
            steps.append(("matmul", i))  # x @ W: shapes (.., 4) stay (.., 4); (3, 1) is tiled
            ndims.append(max(ndims[i], 1))
    outs = draw(st.lists(st.integers(0, len(ndims) - 1), min_size=1, max_size=3))
    return shapes, steps, outs, draw(st.integers(0, 2**32 - 1))


def run(program, leaves, W, lib):
    """Evaluate the program with minigrad (lib=0) or autograd.numpy (lib=1); a scalar out."""
    shapes, steps, outs, _ = program
    pool = list(leaves)
    for step in steps:
        if step[0] == "unary":
            pool.append(UNARY[step[1]][lib](pool[step[2]]))
        elif step[0] == "binary":
            pool.append(BINARY[step[1]][lib](pool[step[2]], pool[step[3]]))
        elif step[0] == "reduce":
            pool.append(REDUCE[step[1]][lib](pool[step[2]], step[3]))
        else:
            x = pool[step[1]]
            if x.shape[-1] != 4:  # (.., 1) or 0-d: broadcast up to (.., 4) first
                x = x + (mg.zeros(4, dtype=mg.float64) if lib == 0 else anp.zeros(4))
            pool.append(x @ W)
    total = 0.0
    for k, o in enumerate(outs):
        total = total + (k + 1.0) * (pool[o].sum() if lib == 0 else anp.sum(pool[o]))
    return total


@pytest.mark.filterwarnings("ignore:Output seems independent of input")  # linear programs' HVP
@settings(max_examples=150)
@given(program=programs())
def test_gradients_and_hvp_match_hips_autograd(program):
    shapes, _, _, seed = program
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(s) for s in shapes] + [rng.standard_normal((4, 4)) * 0.5]
    vecs = [rng.standard_normal(v.shape) for v in values]

    def ag_f(xs):
        return run(program, xs[:-1], xs[-1], 1)

    def ag_hvp(xs):
        gs = autograd.grad(ag_f)(xs)
        return sum(anp.sum(g * v) for g, v in zip(gs, vecs))

    want_g = autograd.grad(ag_f)(values)
    want_hv = autograd.grad(ag_hvp)(values)

    ts = [mg.tensor(v, requires_grad=True) for v in values]
    loss = run(program, ts[:-1], ts[-1], 0)
    grads = mg.grad(loss, ts, create_graph=True, allow_unused=True)
    dot = sum(((g * mg.tensor(v)).sum() for g, v in zip(grads, vecs) if g is not None),
              mg.tensor(0.0, dtype=mg.float64))
    hv = mg.grad(dot, ts, allow_unused=True) if dot.requires_grad else [None] * len(ts)
    for t, g, h, wg, wh in zip(ts, grads, hv, want_g, want_hv):
        got_g = np.zeros(t.shape) if g is None else g.detach().numpy()
        got_h = np.zeros(t.shape) if h is None else h.numpy()
        np.testing.assert_allclose(got_g, wg, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(got_h, wh, rtol=1e-9, atol=1e-11)


@settings(max_examples=40)
@given(program=programs())
def test_backward_accumulation_matches_hips_autograd(program):
    shapes, _, _, seed = program
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(s) for s in shapes] + [rng.standard_normal((4, 4)) * 0.5]
    want = autograd.grad(lambda xs: run(program, xs[:-1], xs[-1], 1))(values)
    ts = [mg.tensor(v, requires_grad=True) for v in values]
    run(program, ts[:-1], ts[-1], 0).backward()
    for t, w in zip(ts, want):
        got = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(got, w, rtol=1e-9, atol=1e-11)
