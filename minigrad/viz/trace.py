"""Record a backward pass step by step: which node ran, what gradient came in, what went out.

The engine calls every function in ``minigrad.autograd.extend.on_backward`` after each node's
backward rule with ``(node, grad_outputs, grad_inputs)``. The list is empty unless someone is
watching, so an ordinary backward pays one falsy-list check per node. :func:`trace_backward` adds
its recorder for the duration of one backward pass (removed in ``finally``, also after an error).

The steps come in the engine's order: reverse topological, i.e. a node runs only after every node
that used its outputs has sent it their gradient, so it sees its *total* incoming gradient.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from .. import backend
from ..autograd import api, engine, extend
from ..autograd.function import Context
from ..tensor import Tensor
from .graph import fmt_array, normalize_roots


@dataclass
class BackwardStep:
    """One node's turn in a backward pass."""

    index: int  # 0-based position in the pass
    node: Context
    rule: str  # the rule that ran: "Mul.backward", or "override <name>"
    grad_outputs: tuple  # incoming gradient per output of the op (Tensor or None)
    grad_inputs: tuple  # outgoing gradient per forward argument (Tensor or None), before the
    #                     engine sums broadcast gradients back to each input's shape

    @property
    def op(self) -> str:
        return self.node.fn.__name__.lstrip("_")


def _copy(g):
    if g is None:
        return None
    arr = g.array if isinstance(g, Tensor) else g
    return Tensor(backend.copy(arr))


class BackwardTrace:
    """The steps of one backward pass (a sequence of :class:`BackwardStep`) and its roots."""

    def __init__(self, roots, steps):
        self.roots = roots
        self.steps = steps

    def __len__(self):
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i):
        return self.steps[i]

    def _upto(self, step):
        if step is None:
            return len(self.steps)
        if not -len(self.steps) <= step < len(self.steps):
            raise IndexError(f"trace step {step} is out of range: the pass has "
                             f"{len(self.steps)} steps (0 .. {len(self.steps) - 1})")
        return step % len(self.steps) + 1

    def drawing_state(self, step=None):
        """Gradients known after ``step`` (all steps if None) by graph-node key, step notes,
        and the key of the op that ran at ``step`` (used by draw_graph/to_dot)."""
        upto = self._upto(step)
        grads, notes, leaf_acc, leaves = {}, {}, {}, set()
        for s in self.steps:
            for p in s.node.parents:
                if isinstance(p, Tensor):
                    leaves.add(("leaf", id(p)))
        for s in self.steps[:upto]:
            node = s.node
            notes[("op", id(node))] = f"step {s.index + 1}"
            for i, g in enumerate(s.grad_outputs):
                if g is not None:
                    grads[("out", id(node), i)] = g
            for i, (p, g) in enumerate(zip(node.parents, s.grad_inputs)):
                if isinstance(p, Tensor) and g is not None:
                    # the engine's own reduction (exercise 1.5), not a copy of it
                    a = engine._sum_to(np, backend.to_numpy(g.array), node.in_shapes[i])
                    key = ("leaf", id(p))
                    leaf_acc[key] = a if key not in leaf_acc else leaf_acc[key] + a
        for key in leaves:
            grads[key] = leaf_acc.get(key)
        current = ("op", id(self.steps[upto - 1].node)) if step is not None else None
        return grads, notes, current

    def describe(self, upto=None) -> str:
        """The steps as text, one block per step (gradients shown when small)."""
        lines = []
        for s in self.steps[:self._upto(upto)]:
            lines.append(f"step {s.index + 1}: {s.op}  (rule {s.rule})")
            for i, g in enumerate(s.grad_outputs):
                if g is not None:
                    lines.append(f"    in   output {i} {g.shape}: {_show(g)}")
            for i, (p, g) in enumerate(zip(s.node.parents, s.grad_inputs)):
                dest = _dest(p)
                if g is None:
                    continue
                lines.append(f"    out  input {i} {g.shape} -> {dest}: {_show(g)}")
        return "\n".join(lines)

    def __str__(self):
        return self.describe()

    def print(self, file=None, upto=None) -> None:
        """Print the steps (see :meth:`describe`)."""
        print(self.describe(upto), file=file or sys.stdout)

    def draw(self, step=None, **kwargs):
        """The graph with the gradients known after ``step``; see :func:`draw_trace`."""
        from .draw import draw_graph

        return draw_graph(self.roots, trace=self, step=step, **kwargs)


def _show(g) -> str:
    a = backend.to_numpy(g.array)
    vals = fmt_array(a, 6)
    return vals if vals is not None else f"|g| = {np.sqrt(np.sum(a.astype(np.float64)**2)):.4g}"


def _dest(p) -> str:
    if type(p) is Context:
        return p.fn.__name__.lstrip("_")
    if isinstance(p, Tensor):
        return f"leaf {p.name}" if p.name else "leaf"
    return "nowhere (constant)"


def _rule_name(node) -> str:
    if node.custom_rule is not None:
        return f"override {getattr(node.custom_rule, '__qualname__', repr(node.custom_rule))}"
    return f"{node.fn.__name__}.backward"


def trace_backward(loss, gradient=None, retain_graph=None, create_graph=False) -> BackwardTrace:
    """Run ``backward`` on ``loss`` (a Tensor or a dict of named losses) and record each step.

    Gradients accumulate into leaves' ``.grad`` exactly as with ``loss.backward()``. Returns a
    :class:`BackwardTrace`; ``print(trace)`` shows it, ``trace.draw(step=k)`` draws the graph as
    it stands after step ``k``. Leaf hooks are not reflected in the per-step leaf sums.
    """
    named = normalize_roots(loss)
    tensors = [t for _, t in named]
    steps: list = []

    def record(node, gout, gin):
        steps.append(BackwardStep(len(steps), node, _rule_name(node),
                                  tuple(_copy(g) for g in gout), tuple(_copy(g) for g in gin)))

    with extend.register(extend.on_backward, record):
        api.backward(tensors, gradient, retain_graph=retain_graph, create_graph=create_graph)
    roots = loss if isinstance(loss, (Tensor, dict)) else dict(named)
    return BackwardTrace(roots, steps)


def print_trace(trace: BackwardTrace, file=None, upto=None) -> None:
    """Print a trace's steps: op, rule, incoming and outgoing gradients."""
    trace.print(file=file, upto=upto)


def draw_trace(trace: BackwardTrace, step=None, **kwargs):
    """Draw the graph as it stands after ``step`` of ``trace`` (the whole pass if None): the
    gradients known so far, each op numbered by its step, the current op outlined in red."""
    return trace.draw(step=step, **kwargs)
