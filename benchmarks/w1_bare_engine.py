"""W1 on a bare engine: how fast can reverse mode in plain Python on NumPy arrays be at all?

A micrograd-style engine in ~40 lines (a node per op holding its rule, parents, shapes and saved
arrays; a topological sort by creation order; a dict of pending gradients) runs W1's chain
(``h = tanh(h * a + b)`` x100 on 8x8 float64) against W1's own hand-written floor, in one
interleaved run. It has *none* of minigrad's checks: no dtype/device/shape checks, no version
counters on saved values, no hooks, no grad modes, no broadcasting undo, no create_graph. It is
the lower bound for a Python engine with one node object per op: what is left between it and
minigrad is the price of those features (benchmarks/PROFILE.md).

    python benchmarks/w1_bare_engine.py
"""
from __future__ import annotations

import itertools
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import _common  # noqa: E402,I001
import numpy as np  # noqa: E402
import w1_elementwise  # noqa: E402

_seq = itertools.count()


class Node:
    __slots__ = ("rule", "parents", "saved", "seq")

    def __init__(self, rule, parents, saved=()):
        self.rule, self.parents, self.saved, self.seq = rule, parents, saved, next(_seq)


class Bare:
    __slots__ = ("a", "node", "grad")

    def __init__(self, a, node=None):
        self.a, self.node, self.grad = a, node, None

    def __mul__(self, o):
        return Bare(self.a * o.a, Node(_mul, (self.node or self, o.node or o), (self.a, o.a)))

    def __add__(self, o):
        return Bare(self.a + o.a, Node(_add, (self.node or self, o.node or o)))

    def tanh(self):
        y = np.tanh(self.a)
        return Bare(y, Node(_tanh, (self.node or self,), (y,)))

    def sum(self):
        return Bare(np.add.reduce(self.a, axis=None), Node(_sum, (self.node or self,), self.a.shape))


def _mul(n, g):
    a, b = n.saved
    return g * b, g * a


def _add(n, g):
    return g, g


def _tanh(n, g):
    (y,) = n.saved
    return (g * (1 - y * y),)


def _sum(n, g):
    return (np.broadcast_to(g, n.saved),)


def backward(root):
    seen, stack = {root.node}, [root.node]
    while stack:
        for p in stack.pop().parents:
            if type(p) is Node and p not in seen:
                seen.add(p)
                stack.append(p)
    pending = {root.node: np.ones(())}
    for node in sorted(seen, key=lambda n: n.seq, reverse=True):
        for e, g in zip(node.parents, node.rule(node, pending.pop(node))):
            pending[e] = g if e not in pending else pending[e] + g
        node.saved = None
    for leaf, g in pending.items():
        leaf.grad = g if leaf.grad is None else leaf.grad + g


def build_bare(d):
    x, a, b = (Bare(d[k]) for k in "xab")

    def step():
        x.grad = a.grad = b.grad = None
        h = x
        for i in range(w1_elementwise.N_OPS):
            k = i % 3
            h = h * a if k == 0 else h + b if k == 1 else h.tanh()
        backward(h.sum())

    return step, lambda: [np.array(t.grad) for t in (x, a, b)]


def run(quick=False) -> dict:
    d = w1_elementwise.make_data()
    steps, checks, want = {}, [], None
    for name, build in (("floor", w1_elementwise.build_floor), ("minigrad", build_bare)):
        step, state = build(d)
        step()
        if name == "floor":
            want = state()
        else:
            c = _common.check_close("bare", state(), want, rtol=1e-9, atol=1e-9)
            checks += [] if c == "ok" else [c]
        steps[name] = step
    t = _common.measure(steps, **_common.settings(quick))
    return _common.result("W1-bare", "W1 on a bare 40-line engine with no checks (the Python "
                          "lower bound)", "us", w1_elementwise.N_OPS, t, goal=3.0,
                          check="; ".join(checks) or "ok")


if __name__ == "__main__":
    args = _common.parse_args(__doc__.splitlines()[0])
    _common.emit([run(args.quick)], args.json)
