"""Random expression programs shared by the oracle tests (tests/engine/test_oracle_autograd.py
and tests/reliability/test_property_graphs.py): a hypothesis strategy ``programs()`` and ``run``,
which evaluates one with minigrad or with HIPS autograd.numpy. A helper module, not a test file,
so that every student copy holds it (build leaves out test files whose tests need later
assignments; the tests that use these programs carry the markers of the ops they reach)."""
import autograd.numpy as anp
import numpy as np
from autograd.tracer import getval
from hypothesis import strategies as st

import minigrad as mg

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
