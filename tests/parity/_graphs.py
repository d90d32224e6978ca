"""Random computation graphs, written once for three libraries (minigrad, PyTorch, HIPS
autograd) so the differential tests can run the same program on each.

A program is a list of steps over a pool of values of one shape ``(m, n)``: each step applies
one op to operands drawn from the pool (any earlier value may be drawn again, so values fan
out to several consumers, and the same value may be both operands). The leaves are three
``(m, n)`` tensors, a row ``(n,)`` and a column ``(m, 1)`` (broadcasting), and a scalar ``()``.
The loss weights the last three values with fixed random constants and adds ``0.1 * sum(x**2)``
over the leaves so every leaf reaches every order of derivative.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import autograd.numpy as anp
import numpy as np
from autograd.tracer import getval

import minigrad as mg

SHAPES = [(3, 4), (2, 5), (4, 1), (1, 3), (3, 3)]


def _ag_lse(x, axis):
    m = np.max(getval(x), axis=axis, keepdims=True)  # a constant shift, as the libraries do
    return m + anp.log(anp.sum(anp.exp(x - m), axis=axis, keepdims=True))


@dataclass(frozen=True)
class Op:
    """``mg``, ``th`` and ``ag`` compute the same function of ``(operands..., leaves, p)`` in
    minigrad, PyTorch and HIPS autograd; ``p`` holds the step's random parameters."""
    name: str
    arity: int
    smooth: bool  # differentiable everywhere it is evaluated (finite differences apply)
    mg: object
    th: object = None
    ag: object = None


def _op(name, arity, smooth, mg=None, th=None, ag=None, same=None):
    if same is not None:
        mg = th = ag = same
    return Op(name, arity, smooth, mg, th, ag)


def _torch():
    import torch
    return torch


OPS = [
    _op("add", 2, True, same=lambda a, b, L, p: a + b),
    _op("sub", 2, True, same=lambda a, b, L, p: a - b),
    _op("mul", 2, True, same=lambda a, b, L, p: a * b),
    _op("div", 2, True, same=lambda a, b, L, p: a / (1.0 + b * b)),
    _op("cube", 1, True, same=lambda a, L, p: a ** 3),
    _op("pow_tensor", 2, True, same=lambda a, b, L, p: (1.0 + a * a) ** (b * 0.5)),
    _op("neg_scalar", 1, True, same=lambda a, L, p: -a * L["s"] + L["s"]),
    _op("row_bcast", 1, True, same=lambda a, L, p: a * L["r"] + L["r"]),
    _op("col_bcast", 1, True, same=lambda a, L, p: a / (2.0 + L["c"] * L["c"]) - L["c"]),
    _op("matmul", 3, True, same=lambda a, b, c, L, p: (a @ b.T) @ c * 0.5),
    _op("index_perm", 1, True, same=lambda a, L, p: a[:, p["perm"]] + a),
    _op("tanh", 1, True, mg=lambda a, L, p: a.tanh(), th=lambda a, L, p: a.tanh(),
        ag=lambda a, L, p: anp.tanh(a)),
    _op("sigmoid", 1, True, mg=lambda a, L, p: a.sigmoid(), th=lambda a, L, p: a.sigmoid(),
        ag=lambda a, L, p: 1 / (1 + anp.exp(-a))),
    _op("exp_tanh", 1, True, mg=lambda a, L, p: a.tanh().exp(),
        th=lambda a, L, p: a.tanh().exp(), ag=lambda a, L, p: anp.exp(anp.tanh(a))),
    _op("sin_cos", 2, True, mg=lambda a, b, L, p: a.sin() * mg.cos(b),
        th=lambda a, b, L, p: a.sin() * b.cos(), ag=lambda a, b, L, p: anp.sin(a) * anp.cos(b)),
    _op("log1p_sq", 1, True, mg=lambda a, L, p: (1.0 + a * a).log(),
        th=lambda a, L, p: (1.0 + a * a).log(), ag=lambda a, L, p: anp.log(1.0 + a * a)),
    _op("sqrt1p_sq", 1, True, mg=lambda a, L, p: (1.0 + a.square()).sqrt(),
        th=lambda a, L, p: (1.0 + a.square()).sqrt(), ag=lambda a, L, p: anp.sqrt(1.0 + a * a)),
    _op("softmax", 1, True, mg=lambda a, L, p: a.softmax(dim=p["dim"]),
        th=lambda a, L, p: a.softmax(dim=p["dim"]),
        ag=lambda a, L, p: anp.exp(a - _ag_lse(a, p["dim"]))),
    _op("log_softmax", 1, True, mg=lambda a, L, p: a.log_softmax(dim=p["dim"]),
        th=lambda a, L, p: a.log_softmax(dim=p["dim"]),
        ag=lambda a, L, p: a - _ag_lse(a, p["dim"])),
    _op("logsumexp", 1, True, mg=lambda a, L, p: a - a.logsumexp(dim=p["dim"], keepdim=True),
        th=lambda a, L, p: a - a.logsumexp(dim=p["dim"], keepdim=True),
        ag=lambda a, L, p: a - _ag_lse(a, p["dim"])),
    _op("mean_sum", 1, True,
        mg=lambda a, L, p: a * a.mean(dim=p["dim"], keepdim=True) - a.sum() * 0.1,
        th=lambda a, L, p: a * a.mean(dim=p["dim"], keepdim=True) - a.sum() * 0.1,
        ag=lambda a, L, p: a * anp.mean(a, p["dim"], keepdims=True) - anp.sum(a) * 0.1),
    _op("var", 1, True, mg=lambda a, L, p: a * (a + L["s"]).var(dim=p["vdim"], keepdim=True),
        th=lambda a, L, p: a * (a + L["s"]).var(dim=p["vdim"], keepdim=True),
        ag=lambda a, L, p: a * anp.var(a + L["s"], p["vdim"], keepdims=True, ddof=1)),
    _op("norm", 1, True, mg=lambda a, L, p: a / (1.0 + a.norm()),
        th=lambda a, L, p: a / (1.0 + a.norm()),
        ag=lambda a, L, p: a / (1.0 + anp.sqrt(anp.sum(a * a)))),
    _op("reshape_t", 1, True,
        mg=lambda a, L, p: a.reshape(a.shape[1], a.shape[0]).transpose(0, 1),
        th=lambda a, L, p: a.reshape(a.shape[1], a.shape[0]).transpose(0, 1),
        ag=lambda a, L, p: anp.transpose(anp.reshape(a, (a.shape[1], a.shape[0])))),
    _op("cat_slices", 2, True,
        mg=lambda a, b, L, p: mg.cat([a[:, :p["k"]], b[:, p["k"]:]], dim=1),
        th=lambda a, b, L, p: _torch().cat([a[:, :p["k"]], b[:, p["k"]:]], dim=1),
        ag=lambda a, b, L, p: anp.concatenate([a[:, :p["k"]], b[:, p["k"]:]], axis=1)),
    _op("stack_mean", 2, True, mg=lambda a, b, L, p: mg.stack([a, b * b], 0).mean(dim=0),
        th=lambda a, b, L, p: _torch().stack([a, b * b], 0).mean(dim=0),
        ag=lambda a, b, L, p: anp.mean(anp.stack([a, b * b], 0), 0)),
    _op("expand", 1, True,
        mg=lambda a, L, p: a.sum(dim=0).unsqueeze(0).expand(*a.shape) * a,
        th=lambda a, L, p: a.sum(dim=0).unsqueeze(0).expand(*a.shape) * a,
        ag=lambda a, L, p: anp.sum(a, 0, keepdims=True) * a),
    # piecewise (not differentiable at the kinks, which random values never hit)
    _op("relu", 1, False, mg=lambda a, L, p: a.relu() * a, th=lambda a, L, p: a.relu() * a,
        ag=lambda a, L, p: anp.maximum(a, 0.0) * a),
    _op("abs", 1, False, mg=lambda a, L, p: a.abs() * a, th=lambda a, L, p: a.abs() * a,
        ag=lambda a, L, p: anp.abs(a) * a),
    _op("clamp", 1, False, mg=lambda a, L, p: a.clamp(-0.5, 0.5) * a,
        th=lambda a, L, p: a.clamp(-0.5, 0.5) * a, ag=lambda a, L, p: anp.clip(a, -0.5, 0.5) * a),
    _op("maximum", 2, False, mg=lambda a, b, L, p: mg.maximum(a, b) * b,
        th=lambda a, b, L, p: _torch().maximum(a, b) * b,
        ag=lambda a, b, L, p: anp.maximum(a, b) * b),
    _op("where", 2, False, mg=lambda a, b, L, p: mg.where(a > b, a * a, b),
        th=lambda a, b, L, p: _torch().where(a > b, a * a, b),
        ag=lambda a, b, L, p: anp.where(a > b, a * a, b)),
    _op("max_dim", 1, False,
        mg=lambda a, L, p: a * a.max(dim=p["dim"], keepdim=True)[0],
        th=lambda a, L, p: a * a.max(dim=p["dim"], keepdim=True)[0],
        ag=lambda a, L, p: a * anp.max(a, p["dim"], keepdims=True)),
]
LEAVES = ["x0", "x1", "x2", "r", "c", "s"]


@dataclass
class Program:
    shape: tuple
    steps: list  # (op, operand indices into the pool, params)
    values: dict  # leaf name -> float64 array
    weights: list  # constants for the loss
    smooth: bool = field(default=True)


def make_program(seed: int, n_steps: int = 8, smooth_only: bool = False) -> Program:
    rng = np.random.default_rng(seed)
    m, n = SHAPES[seed % len(SHAPES)]
    ops = [o for o in OPS if o.smooth or not smooth_only]
    if m == 1 or n == 1:  # a reshape to (n, m) then transpose is the identity there
        ops = [o for o in ops if o.name != "reshape_t"]
    steps, pool = [], 3
    for _ in range(n_steps):
        op = ops[rng.integers(len(ops))]
        idx = [int(i) for i in rng.integers(pool, size=op.arity)]
        params = {"dim": int(rng.integers(2)), "perm": [int(i) for i in rng.permutation(n)],
                  "k": int(rng.integers(n + 1)),  # var over a dim of size >= 2 (else NaN)
                  "vdim": int(rng.choice([i for i, size in enumerate((m, n)) if size > 1]))}
        steps.append((op, idx, params))
        pool += 1
    values = {"x0": rng.standard_normal((m, n)), "x1": rng.standard_normal((m, n)),
              "x2": rng.standard_normal((m, n)), "r": rng.standard_normal(n),
              "c": rng.standard_normal((m, 1)), "s": rng.standard_normal(())}
    weights = [rng.standard_normal((m, n)) for _ in range(3)]
    return Program((m, n), steps, values, weights, all(op.smooth for op, _, _ in steps))


def run(program: Program, lib: str, leaves: dict, const):
    """The loss of ``program`` in library ``lib`` ("mg", "th", "ag"); ``leaves`` maps leaf
    names to that library's values; ``const(array)`` makes a constant of the library."""
    pool = [leaves["x0"], leaves["x1"], leaves["x2"]]
    for op, idx, params in program.steps:
        pool.append(getattr(op, lib)(*[pool[i] for i in idx], leaves, params))
    loss = 0.0
    for w, v in zip(program.weights, pool[-3:]):
        loss = loss + (v * const(w)).sum() if lib != "ag" else loss + anp.sum(v * w)
    for name in LEAVES:
        x = leaves[name]
        loss = loss + 0.1 * ((x * x).sum() if lib != "ag" else anp.sum(x * x))
    return loss


def describe(program: Program) -> str:
    return f"shape {program.shape}: " + " -> ".join(
        f"{op.name}{tuple(i)}" for op, i, _ in program.steps)
