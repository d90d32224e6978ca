"""The op table the engine tests share: one ``Case`` per op, with hypothesis-drawn inputs.

A case draws ``(arrays, params)``: NumPy arrays (float ones become tensors that require grad,
bool/int ones plain tensors: masks, conditions, index tensors) and keyword parameters (dims,
scalars, Python indices). Each ``form`` applies the op to the tensors (method, function and
operator spellings of the same op); ``ref`` computes the forward with NumPy alone.

Values keep clear of kinks and domain edges (at least 1e-3, usually 0.1): positive inputs for
log/sqrt, nonzero ones for abs/relu/sign and divisors, distinct values for max/min, values off
the grid of clip bounds, fractional parts away from .5 for round.
"""
from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from hypothesis.extra import numpy as hnp

import minigrad as mg

SIDES = dict(min_side=1, max_side=3)


class Case:
    def __init__(self, name, draw, forms, ref):
        self.name, self.strategy, self.forms, self.ref = name, st.composite(draw)(), forms, ref

    def __repr__(self):
        return self.name


# ----------------------------------------------------------------------------- values
def _rng(draw):
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def values(rng, shape, kind="any"):
    """Float64 values of ``shape`` of one kind (see the module docstring)."""
    if kind == "any":
        return rng.standard_normal(shape)
    if kind == "pos":
        return rng.uniform(0.2, 2.0, shape)
    if kind == "nonzero":
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.1, 2.0, shape)
    if kind == "distinct":
        n = int(np.prod(shape, dtype=int))
        return ((rng.permutation(n) + rng.uniform(0, 0.5, n)) * 0.3 - 0.3 * n / 2).reshape(shape)
    if kind == "grid_a":  # 0.25 k + 0.1: at least 0.1 away from grid_b and from multiples of 0.25
        return 0.25 * rng.integers(-6, 7, shape) + 0.1 + rng.uniform(-0.01, 0.01, shape)
    if kind == "grid_b":
        return 0.25 * rng.integers(-6, 7, shape) - 0.02 + rng.uniform(-0.01, 0.01, shape)
    if kind == "round":
        return rng.integers(-3, 4, shape) + rng.uniform(-0.4, 0.4, shape)
    raise ValueError(kind)


def shape(draw, min_dims=0, max_dims=3):
    return draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, **SIDES))


def pair_shapes(draw, max_dims=3):
    pair = hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=max_dims, **SIDES)
    return draw(pair).input_shapes


def dims_arg(draw, ndim, allow_none=True, allow_tuple=True):
    """None, an int (maybe negative) or a tuple of distinct dims."""
    options = ["int"] if ndim else []
    if allow_none or not ndim:
        options.append("none")
    if allow_tuple and ndim >= 2:
        options.append("tuple")
    kind = draw(st.sampled_from(options))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    picked = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(picked)


def reduce_kw(draw, dim, keep):
    """PyTorch (dim/keepdim) or NumPy (axis/keepdims) spelling of the same reduction."""
    if draw(st.booleans()):
        return {"dim": dim, "keepdim": keep}
    return {"axis": dim, "keepdims": keep}


# ----------------------------------------------------------------------------- builders
def unary(name, kind="any", np_fn=None, extra_forms=()):
    def draw(draw):
        return [values(_rng(draw), shape(draw), kind)], {}

    forms = [lambda x: getattr(x, name)(), lambda x: getattr(mg, name)(x), *extra_forms]
    return Case(name, draw, forms, np_fn or getattr(np, name))


def binary(name, op, np_fn, kinds=("any", "any")):
    def draw(draw):
        rng = _rng(draw)
        sa, sb = pair_shapes(draw)
        return [values(rng, sa, kinds[0]), values(rng, sb, kinds[1])], {}

    forms = [op, lambda a, b: getattr(a, name)(b), lambda a, b: getattr(mg, name)(a, b)]
    return Case(name, draw, forms, np_fn)


def with_scalar(name, op, np_fn, kind="any", scalars=(-1.5, 0.5, 2.0, 3), left=None):
    """``x op s`` and ``s op x`` with a Python scalar on either side (``left``: the scalars
    allowed on the left, e.g. only positive bases for ``s ** x``)."""

    def draw(draw):
        side = draw(st.sampled_from(["left", "right"]))
        s = draw(st.sampled_from(left if side == "left" and left else scalars))
        return [values(_rng(draw), shape(draw), kind)], {"s": s, "side": side}

    def form(x, s, side):
        return op(x, s) if side == "right" else op(s, x)

    def ref(x, s, side):
        return np_fn(x, s) if side == "right" else np_fn(s, x)

    return Case(name + "_scalar", draw, [form], ref)


def reduction(name, kind="any", np_fn=None, allow_tuple=True, min_count=1):
    def draw(draw):
        rng = _rng(draw)
        shp = shape(draw)
        dim = dims_arg(draw, len(shp), allow_tuple=allow_tuple)
        kw = reduce_kw(draw, dim, draw(st.booleans()))
        return [values(rng, shp, kind)], kw

    def f_method(x, **kw):
        return getattr(x, name)(**kw)

    def f_function(x, **kw):
        return getattr(mg, name)(x, **kw)

    def ref(x, **kw):
        dim = kw.get("dim", kw.get("axis"))
        keep = kw.get("keepdim", kw.get("keepdims"))
        return np_fn(x, axis=dim, keepdims=keep)

    return Case(name, draw, [f_method, f_function], ref)


def _var_draw(draw):
    rng = _rng(draw)
    shp = shape(draw, min_dims=1)
    dim = dims_arg(draw, len(shp))
    axes = range(len(shp)) if dim is None else np.atleast_1d(dim)
    n = int(np.prod([shp[a] for a in axes]))
    correction = draw(st.sampled_from([0, 1] if n > 1 else [0]))
    kw = reduce_kw(draw, dim, draw(st.booleans()))
    kw["correction"] = correction
    return [values(rng, shp)], kw


def _var_ref(x, correction, **kw):
    dim = kw.get("dim", kw.get("axis"))
    keep = kw.get("keepdim", kw.get("keepdims"))
    return np.var(x, axis=dim, keepdims=keep, ddof=correction)


def _maxmin(name):
    np_fn = np.max if name == "max" else np.min
    np_arg = np.argmax if name == "max" else np.argmin

    def draw(draw):
        rng = _rng(draw)
        shp = shape(draw)
        if not shp or draw(st.booleans()):
            return [values(rng, shp, "distinct")], {"dim": None, "keep": False}
        dim = draw(st.integers(-len(shp), len(shp) - 1))
        return [values(rng, shp, "distinct")], {"dim": dim, "keep": draw(st.booleans())}

    def method(x, dim, keep):
        if dim is None:
            return getattr(x, name)()
        out = getattr(x, name)(dim=dim, keepdim=keep)
        return out.values

    def function(x, dim, keep):
        if dim is None:
            return getattr(mg, name)(x)
        values_, indices = getattr(mg, name)(x, axis=dim, keepdims=keep)
        return values_

    def ref(x, dim, keep):
        if dim is None:
            return np_fn(x)
        return np_fn(x, axis=dim, keepdims=keep)

    case = Case(name, draw, [method, function], ref)
    case.np_arg = np_arg
    return case


def _softmax(name, np_fn):
    def draw(draw):
        rng = _rng(draw)
        shp = shape(draw, min_dims=1)
        dim = draw(st.sampled_from([None, *range(-len(shp), len(shp))]))
        return [values(rng, shp)], {"dim": dim}

    def method(x, dim):
        return getattr(x, name)() if dim is None else getattr(x, name)(dim)

    def function(x, dim):
        return getattr(mg, name)(x) if dim is None else getattr(mg, name)(x, dim=dim)

    def ref(x, dim):
        return np_fn(x, -1 if dim is None else dim)

    return Case(name, draw, [method, function], ref)


def _np_softmax(x, dim):
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def _np_log_softmax(x, dim):
    return np.log(_np_softmax(x, dim))


def _np_logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _np_norm(x, axis=None, keepdims=False):
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _np_relu(x):
    return np.maximum(x, 0)


# ----------------------------------------------------------------------------- matmul
MATMUL_PATTERNS = {  # shapes built from sizes n, k, m, b, c
    "1d@1d": lambda n, k, m, b, c: ((k,), (k,)),
    "1d@2d": lambda n, k, m, b, c: ((k,), (k, m)),
    "2d@1d": lambda n, k, m, b, c: ((n, k), (k,)),
    "2d@2d": lambda n, k, m, b, c: ((n, k), (k, m)),
    "batched": lambda n, k, m, b, c: ((b, n, k), (b, k, m)),
    "batch-broadcast": lambda n, k, m, b, c: ((b, 1, n, k), (c, k, m)),
    "2d@batched": lambda n, k, m, b, c: ((n, k), (b, k, m)),
    "1d@batched": lambda n, k, m, b, c: ((k,), (b, k, m)),
    "batched@1d": lambda n, k, m, b, c: ((b, n, k), (k,)),
}


def _matmul_draw(draw):
    rng = _rng(draw)
    pattern = draw(st.sampled_from(sorted(MATMUL_PATTERNS)))
    sizes = draw(st.lists(st.integers(1, 3), min_size=5, max_size=5))
    sa, sb = MATMUL_PATTERNS[pattern](*sizes)
    return [values(rng, sa), values(rng, sb)], {}


# ----------------------------------------------------------------------------- shape ops
def _reshape_draw(draw):
    rng = _rng(draw)
    shp = shape(draw)
    n = int(np.prod(shp, dtype=int))
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    a = draw(st.sampled_from(divisors))
    new = draw(st.sampled_from([(n,), (a, n // a), (a, -1), (-1,), (1, a, n // a)]))
    return [values(rng, shp)], {"new": new, "style": draw(st.sampled_from(["args", "tuple",
                                                                               "function"]))}


def _reshape_form(x, new, style):
    if style == "args":
        return x.reshape(*new)
    if style == "tuple":
        return x.reshape(new)
    return mg.reshape(x, new)


def _flatten_draw(draw):
    rng = _rng(draw)
    shp = shape(draw, min_dims=1)
    nd = len(shp)
    s = draw(st.integers(-nd, nd - 1))
    e = draw(st.integers(s % nd, nd - 1))
    return [values(rng, shp)], {"start_dim": s, "end_dim": e}


def _np_flatten(x, start_dim, end_dim):
    s = start_dim % x.ndim
    return x.reshape(x.shape[:s] + (-1,) + x.shape[end_dim + 1:])


def _squeeze_draw(draw):
    rng = _rng(draw)
    shp = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=2))
    ones = [i for i, s in enumerate(shp) if s == 1]
    dim = draw(st.sampled_from([None, *ones, *(i - len(shp) for i in ones)]))
    return [values(rng, shp)], {"dim": dim}


def _squeeze_form(form):
    def f(x, dim):
        if form == "method":
            return x.squeeze() if dim is None else x.squeeze(dim)
        return mg.squeeze(x) if dim is None else mg.squeeze(x, dim)

    return f


def _unsqueeze_draw(draw):
    rng = _rng(draw)
    shp = shape(draw)
    return [values(rng, shp)], {"dim": draw(st.integers(-len(shp) - 1, len(shp)))}


def _transpose_draw(draw):
    rng = _rng(draw)
    shp = shape(draw, min_dims=1)
    nd = len(shp)
    return [values(rng, shp)], {"d0": draw(st.integers(-nd, nd - 1)),
                                "d1": draw(st.integers(-nd, nd - 1))}


def _permute_draw(draw):
    rng = _rng(draw)
    shp = shape(draw, min_dims=1)
    return [values(rng, shp)], {"dims": tuple(draw(st.permutations(range(len(shp)))))}


def _matrix_draw(min_dims, max_dims):
    def draw(draw):
        return [values(_rng(draw), shape(draw, min_dims, max_dims))], {}

    return draw


def _expand_draw(draw):
    rng = _rng(draw)
    target = shape(draw, min_dims=1)
    nd = draw(st.integers(0, len(target)))
    src = tuple(draw(st.sampled_from([1, s])) for s in target[len(target) - nd:])
    minus = draw(st.booleans())
    sizes = tuple(-1 if (minus and i >= len(target) - nd and src[i - len(target) + nd] == t)
                  else t for i, t in enumerate(target))
    return [values(rng, src)], {"target": target, "sizes": sizes}


# ----------------------------------------------------------------------------- indexing
def _getitem_draw(draw):
    rng = _rng(draw)
    kind = draw(st.sampled_from(["int", "slice", "neg-int", "int-list", "int-tensor", "mask",
                                 "mask-rows", "pair-arrays", "slice+array", "ellipsis-none"]))
    shp = shape(draw, min_dims=2 if kind in ("pair-arrays", "slice+array") else 1)
    x = values(rng, shp)
    n0 = shp[0]
    if kind == "int":
        return [x], {"index": ("py", draw(st.integers(0, n0 - 1)))}
    if kind == "neg-int":
        return [x], {"index": ("py", draw(st.integers(-n0, -1)))}
    if kind == "slice":
        start = draw(st.sampled_from([None, 0, 1, -1, -2]))
        step = draw(st.sampled_from([None, 1, 2, -1]))
        return [x], {"index": ("py", slice(start, None, step))}
    if kind == "ellipsis-none":
        return [x], {"index": ("py", (Ellipsis, None, draw(st.integers(0, shp[-1] - 1))))}
    reps = draw(st.lists(st.integers(0, n0 - 1), min_size=1, max_size=5))  # repeats accumulate
    if kind == "int-list":
        return [x], {"index": ("py", reps)}
    if kind == "int-tensor":
        return [x, np.array(reps, dtype=np.int64)], {"index": ("tensor",)}
    if kind == "mask":
        return [x, rng.random(shp) < 0.5], {"index": ("tensor",)}
    if kind == "mask-rows":
        return [x, rng.random(n0) < 0.5], {"index": ("tensor",)}
    cols = draw(st.lists(st.integers(-shp[1], shp[1] - 1), min_size=len(reps),
                         max_size=len(reps)))
    if kind == "pair-arrays":
        return [x], {"index": ("py", (reps, cols))}
    return [x], {"index": ("py", (slice(None), cols))}


def _getitem_form(x, idx=None, index=None):
    return x[idx] if index[0] == "tensor" else x[index[1]]


def _getitem_fn(x, idx=None, index=None):
    return mg.getitem(x, idx if index[0] == "tensor" else index[1])


def _getitem_ref(x, idx=None, index=None):
    return x[idx] if index[0] == "tensor" else x[index[1]]


def _cat_draw(draw):
    rng = _rng(draw)
    shp = shape(draw, min_dims=1)
    dim = draw(st.integers(-len(shp), len(shp) - 1))
    count = draw(st.integers(1, 3))
    xs = []
    for _ in range(count):
        s = list(shp)
        s[dim] = draw(st.integers(1, 3))
        xs.append(values(rng, tuple(s)))
    return xs, {"dim": dim, "name": draw(st.sampled_from(["cat", "concatenate"]))}


def _stack_draw(draw):
    rng = _rng(draw)
    shp = shape(draw)
    count = draw(st.integers(1, 3))
    dim = draw(st.integers(-len(shp) - 1, len(shp)))
    return [values(rng, shp) for _ in range(count)], {"dim": dim}


def _where_draw(draw):
    rng = _rng(draw)
    sc, sa, sb = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3,
                                                        **SIDES)).input_shapes
    cond = rng.random(sc) < 0.5
    if draw(st.booleans()):
        return [cond, values(rng, sa), values(rng, sb)], {}
    return [cond, values(rng, sa)], {"b": draw(st.sampled_from([0.0, -2.5]))}


def _clip_draw(draw):
    rng = _rng(draw)
    lo = draw(st.sampled_from([None, -1.0, -0.25, 0.0]))
    hi = draw(st.sampled_from([None, 0.5, 1.0] if lo is not None else [0.5, 1.0]))
    return [values(rng, shape(draw), "grid_a")], {"lo": lo, "hi": hi}


def _clip_ref(x, lo, hi):
    return np.clip(x, lo, hi)


def _trace_draw(draw):
    rng = _rng(draw)
    return [values(rng, (draw(st.integers(1, 4)), draw(st.integers(1, 4))))], {}


def _outer_draw(draw):
    rng = _rng(draw)
    return [values(rng, (draw(st.integers(1, 4)),)), values(rng, (draw(st.integers(1, 4)),))], {}


def _nll_rows_draw(draw):
    rng = _rng(draw)
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return ([values(rng, (n, c)), rng.integers(0, c, n)],
            {"reduction": draw(st.sampled_from(["mean", "sum", "none"]))})


def _nll_rows_ref(logp, t, reduction):
    picked = -logp[np.arange(len(t)), t]
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](picked)


CASES = [
    binary("add", lambda a, b: a + b, np.add),
    binary("sub", lambda a, b: a - b, np.subtract),
    binary("mul", lambda a, b: a * b, np.multiply),
    binary("div", lambda a, b: a / b, np.divide, kinds=("any", "nonzero")),
    binary("pow", lambda a, b: a ** b, np.power, kinds=("pos", "any")),
    binary("maximum", lambda a, b: mg.maximum(a, b), np.maximum, kinds=("grid_a", "grid_b")),
    binary("minimum", lambda a, b: mg.minimum(a, b), np.minimum, kinds=("grid_a", "grid_b")),
    with_scalar("add", lambda a, b: a + b, np.add),
    with_scalar("sub", lambda a, b: a - b, np.subtract),
    with_scalar("mul", lambda a, b: a * b, np.multiply),
    with_scalar("div", lambda a, b: a / b, np.divide, kind="nonzero"),
    with_scalar("pow", lambda a, b: a ** b, np.power, kind="pos", left=(0.5, 2.0, 3)),
    unary("neg", np_fn=np.negative, extra_forms=[lambda x: -x, lambda x: mg.negative(x)]),
    Case("matmul", _matmul_draw, [lambda a, b: a @ b, lambda a, b: a.matmul(b),
                                  lambda a, b: mg.matmul(a, b)], np.matmul),
    reduction("sum", np_fn=np.sum),
    reduction("mean", np_fn=np.mean),
    Case("var", _var_draw, [lambda x, **kw: x.var(**kw), lambda x, **kw: mg.var(x, **kw)],
         _var_ref),
    _maxmin("max"),
    _maxmin("min"),
    unary("exp"),
    unary("log", "pos"),
    unary("sqrt", "pos"),
    unary("square"),
    unary("reciprocal", "nonzero", np_fn=np.reciprocal),
    unary("abs", "nonzero", extra_forms=[lambda x: abs(x)]),
    unary("sin"),
    unary("cos"),
    unary("tanh"),
    unary("sigmoid", np_fn=_np_sigmoid),
    unary("relu", "nonzero", np_fn=_np_relu),
    unary("sign", "nonzero"),
    unary("round", "round"),
    _softmax("softmax", _np_softmax),
    _softmax("log_softmax", _np_log_softmax),
    reduction("logsumexp", np_fn=_np_logsumexp),
    Case("nll_rows", _nll_rows_draw, [lambda lp, t, reduction: mg.nll_rows(lp, t, reduction)],
         _nll_rows_ref),
    reduction("norm", kind="nonzero", np_fn=_np_norm),
    Case("clip", _clip_draw, [lambda x, lo, hi: x.clip(lo, hi),
                              lambda x, lo, hi: mg.clip(x, lo, hi),
                              lambda x, lo, hi: x.clamp(min=lo, max=hi),
                              lambda x, lo, hi: mg.clamp(x, min=lo, max=hi)], _clip_ref),
    Case("where", _where_draw, [lambda c, a, b: mg.where(c, a, b), lambda c, a, b: a.where(c, b)],
         lambda c, a, b: np.where(c, a, b)),  # b: a tensor, or a Python float (keyword b)
    Case("reshape", _reshape_draw, [_reshape_form], lambda x, new, style: x.reshape(new)),
    Case("flatten", _flatten_draw, [lambda x, **k: x.flatten(**k),
                                    lambda x, **k: mg.flatten(x, **k)], _np_flatten),
    Case("squeeze", _squeeze_draw, [_squeeze_form("method"), _squeeze_form("function")],
         lambda x, dim: np.squeeze(x, axis=dim)),
    Case("unsqueeze", _unsqueeze_draw, [lambda x, dim: x.unsqueeze(dim),
                                        lambda x, dim: mg.unsqueeze(x, dim)],
         lambda x, dim: np.expand_dims(x, dim)),
    Case("transpose", _transpose_draw, [lambda x, d0, d1: x.transpose(d0, d1),
                                        lambda x, d0, d1: mg.transpose(x, d0, d1)],
         lambda x, d0, d1: np.swapaxes(x, d0, d1)),
    Case("permute", _permute_draw, [lambda x, dims: x.permute(*dims),
                                    lambda x, dims: x.permute(dims),
                                    lambda x, dims: mg.permute(x, dims)],
         lambda x, dims: np.transpose(x, dims)),
    Case("T", _matrix_draw(2, 2), [lambda x: x.T], lambda x: x.T),
    Case("mT", _matrix_draw(2, 4), [lambda x: x.mT], lambda x: np.swapaxes(x, -1, -2)),
    Case("expand", _expand_draw, [lambda x, target, sizes: x.expand(*sizes),
                                  lambda x, target, sizes: x.expand(sizes),
                                  lambda x, target, sizes: x.broadcast_to(target),
                                  lambda x, target, sizes: mg.broadcast_to(x, target)],
         lambda x, target, sizes: np.broadcast_to(x, target)),
    Case("getitem", _getitem_draw, [_getitem_form, _getitem_fn], _getitem_ref),
    Case("cat", _cat_draw, [lambda *xs, dim, name: getattr(mg, name)(list(xs), dim=dim)],
         lambda *xs, dim, name: np.concatenate(xs, axis=dim)),
    Case("stack", _stack_draw, [lambda *xs, dim: mg.stack(xs, dim=dim)],
         lambda *xs, dim: np.stack(xs, axis=dim)),
    Case("trace", _trace_draw, [lambda m: m.trace(), lambda m: mg.trace(m)], np.trace),
    Case("outer", _outer_draw, [lambda a, b: mg.outer(a, b), lambda a, b: a.outer(b)],
         np.outer),
]

BY_NAME = {c.name: c for c in CASES}


def to_tensors(arrays, dtype=mg.float64, device=None, requires_grad=True):
    """Float arrays -> tensors of ``dtype`` that require grad; bool/int ones -> plain tensors."""
    out = []
    for a in arrays:
        if a.dtype.kind == "f":
            out.append(mg.tensor(a, dtype=dtype, device=device, requires_grad=requires_grad))
        else:
            out.append(mg.tensor(a, device=device))
    return out


def bind(case, form, params):
    """A function of the tensors only (what gradcheck differentiates)."""
    return lambda *xs: form(*xs, **params)


# ----------------------------------------------------------------------------- the CNN family
# References by the definitions (a loop over kernel positions, never im2col), small shapes.
def _conv_geo(draw, max_k=3):
    k = (draw(st.integers(1, max_k)), draw(st.integers(1, max_k)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    s = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    hw = tuple(draw(st.integers(max(1, d[i] * (k[i] - 1) + 1 - 2 * p[i]), 5)) for i in (0, 1))
    return k, d, s, p, hw


def _np_pad(x, p):
    return np.pad(x, [(0, 0)] * (x.ndim - 2) + [(p[0], p[0]), (p[1], p[1])])


def _np_blocks(hw, k, d, s, p):
    return tuple((hw[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in (0, 1))


def _np_unfold(x, kernel_size, dilation, padding, stride):
    k, d, s, p = kernel_size, dilation, stride, padding
    xp_, (ho, wo) = _np_pad(x, p), _np_blocks(x.shape[2:], k, d, s, p)
    cols = np.stack([np.stack([xp_[:, :, i * d[0]:i * d[0] + s[0] * (ho - 1) + 1:s[0],
                                   j * d[1]:j * d[1] + s[1] * (wo - 1) + 1:s[1]]
                               for j in range(k[1])], 2) for i in range(k[0])], 2)
    return cols.reshape(x.shape[0], -1, ho * wo)


def _np_fold(c, output_size, kernel_size, dilation, padding, stride):
    k, d, s, p, (h, w) = kernel_size, dilation, stride, padding, output_size
    ho, wo = _np_blocks((h, w), k, d, s, p)
    c = c.reshape(c.shape[0], -1, k[0], k[1], ho, wo)
    out = np.zeros((c.shape[0], c.shape[1], h + 2 * p[0], w + 2 * p[1]))
    for i in range(k[0]):
        for j in range(k[1]):
            out[:, :, i * d[0]:i * d[0] + s[0] * (ho - 1) + 1:s[0],
                j * d[1]:j * d[1] + s[1] * (wo - 1) + 1:s[1]] += c[:, :, i, j]
    return out[:, :, p[0]:p[0] + h, p[1]:p[1] + w]


def _unfold_draw(draw):
    k, d, s, p, hw = _conv_geo(draw)
    x = values(_rng(draw), (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *hw))
    return [x], dict(kernel_size=k, dilation=d, padding=p, stride=s)


def _fold_draw(draw):
    k, d, s, p, hw = _conv_geo(draw)
    ho, wo = _np_blocks(hw, k, d, s, p)
    c = values(_rng(draw), (draw(st.integers(1, 2)), draw(st.integers(1, 2)) * k[0] * k[1],
                            ho * wo))
    return [c], dict(output_size=hw, kernel_size=k, dilation=d, padding=p, stride=s)


def _np_conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    k, d, s, p = w.shape[2:], dilation, stride, padding
    cols = _np_unfold(x, k, d, p, s)  # (N, C*kh*kw, L)  (checked against its own definition)
    n, (ho, wo), co = x.shape[0], _np_blocks(x.shape[2:], k, d, s, p), w.shape[0]
    cols = cols.reshape(n, groups, -1, ho * wo)
    wg = w.reshape(groups, co // groups, -1)
    out = np.einsum("gok,ngkl->ngol", wg, cols).reshape(n, co, ho, wo)
    return out if b is None else out + b.reshape(1, -1, 1, 1)


def _conv_draw(draw):
    rng = _rng(draw)
    k, d, s, p, hw = _conv_geo(draw)
    g = draw(st.integers(1, 2))
    cin, cout = g * draw(st.integers(1, 2)), g * draw(st.integers(1, 2))
    arrays = [values(rng, (draw(st.integers(1, 2)), cin, *hw)), values(rng, (cout, cin // g, *k))]
    if draw(st.booleans()):
        arrays.append(values(rng, (cout,)))
    return arrays, dict(stride=s, padding=p, dilation=d, groups=g)


def _np_conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1,
                         dilation=1):
    (n, ci, h, wd), (cog, kh, kw) = x.shape, w.shape[1:]
    s, p, o, d = stride, padding, output_padding, dilation
    full = np.zeros((n, cog * groups, (h - 1) * s[0] + d[0] * (kh - 1) + 1 + o[0],
                     (wd - 1) * s[1] + d[1] * (kw - 1) + 1 + o[1]))
    xg, wg = x.reshape(n, groups, ci // groups, h, wd), w.reshape(groups, ci // groups, cog, kh, kw)
    for i in range(kh):
        for j in range(kw):
            full[:, :, i * d[0]:i * d[0] + s[0] * (h - 1) + 1:s[0],
                 j * d[1]:j * d[1] + s[1] * (wd - 1) + 1:s[1]] += np.einsum(
                "ngchw,gco->ngohw", xg, wg[:, :, :, i, j]).reshape(n, -1, h, wd)
    out = full[:, :, p[0]:full.shape[2] - p[0], p[1]:full.shape[3] - p[1]]
    return out if b is None else out + b.reshape(1, -1, 1, 1)


def _conv_t_draw(draw):
    rng = _rng(draw)
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d, s = (draw(st.integers(1, 2)), draw(st.integers(1, 2))), (draw(st.integers(1, 2)), 2)
    o = tuple(draw(st.integers(0, max(s[i], d[i]) - 1)) for i in (0, 1))
    p = tuple(draw(st.integers(0, (d[i] * (k[i] - 1) + o[i]) // 2)) for i in (0, 1))
    g = draw(st.integers(1, 2))
    cin, cog = g * draw(st.integers(1, 2)), draw(st.integers(1, 2))
    hw = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    arrays = [values(rng, (draw(st.integers(1, 2)), cin, *hw)), values(rng, (cin, cog, *k))]
    if draw(st.booleans()):
        arrays.append(values(rng, (cog * g,)))
    return arrays, dict(stride=s, padding=p, output_padding=o, groups=g, dilation=d)


CASES += [
    Case("unfold", _unfold_draw, [lambda x, **k: mg.unfold(x, **k),
                                  lambda x, **k: mg.nn.functional.unfold(x, **k)], _np_unfold),
    Case("fold", _fold_draw, [lambda c, **k: mg.fold(c, **k),
                              lambda c, **k: mg.nn.functional.fold(c, **k)], _np_fold),
    Case("conv2d", _conv_draw, [lambda *xs, **k: mg.conv2d(*xs, **k),
                                lambda *xs, **k: mg.nn.functional.conv2d(*xs, **k)], _np_conv2d),
    Case("conv_transpose2d", _conv_t_draw,
         [lambda *xs, **k: mg.conv_transpose2d(*xs, **k),
          lambda *xs, **k: mg.nn.functional.conv_transpose2d(*xs, **k)], _np_conv_transpose2d),
]
BY_NAME = {c.name: c for c in CASES}


def _np_windows(x, k, d, s, p, value):
    """(N, C, K, Ho, Wo): the windows of x padded with ``value``, by their definition."""
    xp_ = np.pad(x, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])], constant_values=value)
    ho, wo = _np_blocks(x.shape[2:], k, d, s, p)
    return np.stack([xp_[:, :, i * d[0]:i * d[0] + s[0] * (ho - 1) + 1:s[0],
                         j * d[1]:j * d[1] + s[1] * (wo - 1) + 1:s[1]]
                     for i in range(k[0]) for j in range(k[1])], 2)


def _pool_draw(kind):
    def draw(draw):
        k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
        d = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if kind == "max" else (1, 1)
        s = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
        p = tuple(draw(st.integers(0, (d[i] * (k[i] - 1) + 1) // 2)) for i in (0, 1))
        hw = tuple(draw(st.integers(max(1, d[i] * (k[i] - 1) + 1 - 2 * p[i]), 5)) for i in (0, 1))
        x = values(_rng(draw), (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *hw),
                   "distinct" if kind == "max" else "any")
        kw = dict(kernel_size=k, stride=s, padding=p)
        if kind == "max":
            kw["dilation"] = d
        else:
            kw["count_include_pad"] = draw(st.booleans())
        return [x], kw
    return draw


def _np_max_pool2d(x, kernel_size, stride, padding, dilation):
    return _np_windows(x, kernel_size, dilation, stride, padding, -np.inf).max(axis=2)


def _np_avg_pool2d(x, kernel_size, stride, padding, count_include_pad):
    k, s, p = kernel_size, stride, padding
    total = _np_windows(x, k, (1, 1), s, p, 0.0).sum(axis=2)
    ones = np.ones((1, 1, *x.shape[2:]))
    if count_include_pad:
        ones = np.pad(ones, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])], constant_values=1.0)
        p = (0, 0)
    return total / _np_windows(ones, k, (1, 1), s, p, 0.0).sum(axis=2)


CASES += [
    Case("max_pool2d", _pool_draw("max"),
         [lambda x, **k: mg.max_pool2d(x, **k), lambda x, **k: mg.nn.functional.max_pool2d(x, **k)],
         _np_max_pool2d),
    Case("avg_pool2d", _pool_draw("avg"),
         [lambda x, **k: mg.avg_pool2d(x, **k), lambda x, **k: mg.nn.functional.avg_pool2d(x, **k)],
         _np_avg_pool2d),
]
BY_NAME = {c.name: c for c in CASES}


def _bn_draw(draw):
    rng = _rng(draw)
    shp = (draw(st.integers(2, 3)), draw(st.integers(1, 3)),
           *[draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2)))])
    arrays = [values(rng, shp)]
    if draw(st.booleans()):
        arrays += [values(rng, (shp[1],)), values(rng, (shp[1],))]
    return arrays, {"eps": draw(st.sampled_from([1e-5, 0.1]))}


def _np_batch_norm(x, w=None, b=None, eps=1e-5):
    axes = (0, *range(2, x.ndim))
    view = (1, -1) + (1,) * (x.ndim - 2)
    out = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)
    return out if w is None else out * w.reshape(view) + b.reshape(view)


def _ln_draw(draw):
    rng = _rng(draw)
    shp = shape(draw, min_dims=1)
    k = draw(st.integers(1, len(shp)))
    arrays = [values(rng, shp)]
    if draw(st.booleans()):
        arrays += [values(rng, shp[-k:]), values(rng, shp[-k:])]
    return arrays, {"normalized_shape": shp[-k:]}


def _np_layer_norm(x, w=None, b=None, normalized_shape=()):
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    out = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5)
    return out if w is None else out * w + b


CASES += [
    Case("batch_norm", _bn_draw,
         [lambda x, *wb, eps: mg.batch_norm(x, None, None, *wb, training=True, eps=eps),
          lambda x, *wb, eps: mg.nn.functional.batch_norm(x, None, None, *(wb or (None, None)),
                                                          True, 0.1, eps)],
         _np_batch_norm),
    Case("layer_norm", _ln_draw,
         [lambda x, *wb, normalized_shape: mg.layer_norm(x, normalized_shape, *wb),
          lambda x, *wb, normalized_shape: mg.nn.functional.layer_norm(x, normalized_shape, *wb)],
         _np_layer_norm),
]
# ----------------------------------------------------------------------------- issue 13 (parity)
def _np_erf(x):
    import math

    return np.vectorize(math.erf, otypes=[float])(x)


CASES += [unary("log1p", "pos"), unary("expm1"), unary("erf", np_fn=_np_erf)]
BY_NAME = {c.name: c for c in CASES}
