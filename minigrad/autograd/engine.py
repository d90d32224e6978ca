"""The backward engine: one walk over the recorded nodes, newest first.

1. Collect the nodes reachable from the roots and sort them by creation (a node is always
   created after the nodes of its inputs, so creation order is a topological order).
2. Walk them newest first. A node's output gradients are complete when it is reached (every
   node that used its outputs is newer, so it already ran): hooks see the *total* gradient.
   The node's rule turns them into one gradient per input; a gradient the op broadcast is
   summed back to the input's shape, then added to what waits at the input's node (fan-out
   adds up) or at the leaf.
3. Leaves get their total gradient (after their hooks) added into ``.grad``; ``grad()`` returns
   it instead. Saved values are freed unless ``retain_graph``.

In an ordinary pass gradients are arrays and the rules run with recording off; with
``create_graph=True`` they are Tensors and the rules run with recording on, so the backward pass
is itself a graph. Read :func:`run_backward` first; the functions below it are its helpers.
"""
from __future__ import annotations

import operator

from .. import backend
from ..tensor import Tensor
from . import extend
from .grad_mode import state
from .hooks import run_hooks


def run_backward(roots, grads, sink, retain_graph=False, create_graph=False, stop=()):
    """Propagate ``grads`` (one per root) back through the graph and hand every leaf's total
    gradient to ``sink(leaf, grad)``. Nodes in ``stop`` are reached but not run (``grad()``
    prunes the graph to its targets)."""
    pending = {}  # where a gradient goes (a node, (node, output index), a leaf) -> the sum so far
    for r, g in zip(roots, grads):
        e = r if r.grad_fn is None else r.grad_fn if not r._out_index else (r.grad_fn, r._out_index)
        pending[e] = g if e not in pending else pending[e] + g
    prev, state.enabled = state.enabled, create_graph  # rules record only for create_graph
    try:
        for node in reversed(_topo_order([r.grad_fn for r in roots if r.grad_fn is not None])):
            gout = [pending.pop(node, None)] if len(node.out_meta) == 1 else take(pending, node)
            if gout[0] is None and (len(gout) == 1 or all(g is None for g in gout)):
                continue  # no gradient reached it
            if (node.hooks or stop) and before_rule(node, gout, sink, stop):
                continue
            gin = node.rule(node, *gout)  # one gradient per input, as a tuple
            if type(gin) is not tuple or len(gin) != len(node.parents) or extend.on_backward:
                gin = after_rule(node, gout, gin)
            for e, g, shape in zip(node.parents, gin, node.in_shapes):
                if e is not None and g is not None:
                    g = g if g.shape == shape else unbroadcast(node, gin, g, shape)
                    pending[e] = g if e not in pending else pending[e] + g  # fan-out adds up
            if not retain_graph:
                node.release()
        for leaf, g in pending.items():  # only leaves are left
            sink(leaf, run_hooks(leaf._hooks, g, sink) if leaf._hooks else g)
    finally:
        state.enabled = prev


def _topo_order(roots) -> list:
    """Nodes reachable from ``roots``, oldest first: every node comes after the nodes that
    produced its inputs. A node is always created after its inputs' nodes, so the creation
    counter gives a topological order; a plain graph walk (no recursion) collects the nodes."""
    # BEGIN SOLUTION ex2_1
    seen = set(roots)
    stack = list(seen)
    while stack:
        for p in stack.pop().parents:
            if type(p) is tuple:  # (node, output index)
                p = p[0]
            if type(p) is not Tensor and p is not None and p not in seen:
                seen.add(p)
                stack.append(p)
    return sorted(seen, key=_seq)
    # END SOLUTION


_seq = operator.attrgetter("seq")


def take(pending, node) -> list:
    """The gradients waiting for each output of a node with several outputs."""
    return [pending.pop(node if k == 0 else (node, k), None) for k in range(len(node.out_meta))]


def before_rule(node, gout, sink, stop) -> bool:
    """Run the hooks on the node's outputs; True if the node is not to run (pruned by grad())."""
    if node.hooks:
        run_output_hooks(node, gout, sink)
    return node in stop


def after_rule(node, gout, gin) -> tuple:
    """The rule's answer as a tuple (a single gradient is allowed), checked to have one entry
    per input; the ``on_backward`` observers are told."""
    gin = gin if type(gin) is tuple else (gin,)
    if len(gin) != len(node.parents):
        raise count_error(node, gin)
    for f in extend.on_backward:
        f(node, gout, gin)
    return gin


def prune(order, targets) -> set:
    """For ``grad()``: the nodes of ``order`` that need not run, since no path leads from them
    to a target. A target's own node is reached (its gradient is captured) but not run unless
    it also leads to another target."""
    leaf_ids = {id(t) for t in targets if t.grad_fn is None}
    nodes = {t.grad_fn for t in targets if t.grad_fn is not None}
    needed = set()
    for node in order:  # oldest first: a node's inputs' nodes are decided before it
        for p in node.parents:
            p = p[0] if type(p) is tuple else p
            if p is not None and (id(p) in leaf_ids if type(p) is Tensor else
                                  p in needed or p in nodes):
                needed.add(node)
                break
    return set(order) - needed


class _TensorFns:
    """``sum`` and ``reshape`` for :func:`_sum_to` on Tensors (under ``create_graph``)."""

    @staticmethod
    def sum(g, axis, keepdims):
        return g.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def reshape(g, shape):
        return g.reshape(shape)


def unbroadcast(node, gin, g, shape):
    """A gradient (one of ``gin``) of a shape its input was broadcast to, summed back to the
    input's ``shape``; any shape the input does not broadcast to is a bug in the op's rule."""
    if g.ndim < len(shape) or any(s not in (1, n) for s, n in zip(shape[::-1], g.shape[::-1])):
        raise shape_error(node, next(k for k, x in enumerate(gin) if x is g), g, shape)
    return _sum_to(_TensorFns if isinstance(g, Tensor) else backend.raw_namespace(g), g, shape)


def _sum_to(xp, g, shape):
    """Sum a gradient of a broadcast shape back to ``shape`` (NumPy's broadcasting, undone)."""
    # BEGIN SOLUTION ex1_5
    lead = len(g.shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + k for k, s in enumerate(shape) if s == 1 and g.shape[lead + k] != 1)
    return xp.reshape(xp.sum(g, axis=axes, keepdims=True), shape)
    # END SOLUTION


def run_output_hooks(node, gout, sink) -> None:
    """Hooks registered on the node's outputs see (and may replace) their total gradients."""
    for i, hooks in node.hooks.items():
        if gout[i] is not None:
            gout[i] = run_hooks(hooks, gout[i], sink)


def shape_error(node, i, g, shape) -> RuntimeError:
    return RuntimeError(
        f"{node.fn.__name__}.backward returned a gradient of shape {tuple(g.shape)} for input "
        f"{i}, which has shape {tuple(shape)}; a backward rule must return a gradient shaped "
        "like its input (or like a shape the input broadcasts to)")


def count_error(node, gin) -> RuntimeError:
    contract = getattr(node.rule, "tensor_contract", node.rule)
    who = (f"{node.fn.__name__}.backward" if contract is node.fn.backward else
           f"the override_gradient rule {getattr(contract, '__qualname__', contract)!s} for "
           f"{node.fn.__name__}")
    return RuntimeError(
        f"{who} returned {len(gin)} gradient(s) but forward took {len(node.parents)} "
        "argument(s); return one entry per forward argument (None for arguments that get no "
        "gradient)")
