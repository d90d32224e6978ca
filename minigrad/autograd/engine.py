"""The backward engine: one walk over the recorded nodes, newest first.

1. Collect the nodes reachable from the roots and sort them by creation (a node is always
   created after the nodes of its inputs, so creation order is a topological order).
2. Walk them newest first. A node's output gradients are complete when it is reached (every
   node that used its outputs is newer, so it already ran): hooks see the *total* gradient. The node's rule turns
   them into one gradient per input; a gradient the op broadcast is summed back to the input's
   shape, then added to the slot of the input's node (fan-out adds up) or of the leaf.
3. Leaves get their total gradient (after their hooks) added into ``.grad``; ``grad()`` returns
   it instead. Saved values are freed unless ``retain_graph``.

In an ordinary pass gradients are arrays and the rules run with recording off; with
``create_graph=True`` they are Tensors and the rules run with recording on, so the backward pass
is itself a graph. Read :func:`run_backward` first; the functions below it are its helpers.
"""
from __future__ import annotations

from .. import backend
from ..tensor import Tensor
from . import extend
from .grad_mode import set_grad_enabled
from .hooks import run_hooks


def run_backward(roots, grads, sink, retain_graph=False, create_graph=False, targets=None):
    """Propagate ``grads`` (one per root) back through the graph and hand every leaf's total
    gradient to ``sink(leaf, grad)``. With ``targets`` (``grad()``), only the nodes on a path to
    a target run."""
    pending = {}  # node -> [gradient of each output, summed so far]
    leaves = {}  # id(leaf) -> [leaf, gradient summed so far]
    for r, g in zip(roots, grads):
        add_to(pending, leaves, edge(r), g)
    order = _topo_order(list(pending))
    stop = prune(order, targets) if targets else ()
    with set_grad_enabled(create_graph):
        for node in reversed(order):  # newest first: consumers before producers
            gout = pending.pop(node, None)
            if gout is None:  # no gradient reached it
                continue
            if node.hooks:
                run_output_hooks(node, gout, sink)
            if node in stop:
                continue
            gin = node.rule(node, *gout)
            if type(gin) is not tuple:
                gin = (gin,)
            if len(gin) != len(node.parents):
                raise count_error(node, gin)
            if extend.on_backward:
                for f in extend.on_backward:
                    f(node, gout, gin)
            for i, g in enumerate(gin):
                parent = node.parents[i]
                if parent is None or g is None:
                    continue
                if g.shape != node.in_shapes[i]:
                    g = unbroadcast(node, i, g)
                add_to(pending, leaves, parent, g)
            if not retain_graph:
                node.release()
        for leaf, g in leaves.values():
            if leaf._hooks:
                g = run_hooks(leaf._hooks, g, sink)
            sink(leaf, g)


def edge(t):
    """Where the gradient of ``t`` goes: its node (with the output index if not 0), or ``t``
    itself for a leaf."""
    if t.grad_fn is None:
        return t
    return t.grad_fn if t._out_index == 0 else (t.grad_fn, t._out_index)


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


def _seq(node):
    return node.seq


def add_to(pending, leaves, where, g):
    """Add ``g`` to the gradient waiting at ``where``: a leaf, a node, or (node, output index)."""
    if type(where) is Tensor:
        slot = leaves.get(id(where))
        if slot is None:
            leaves[id(where)] = [where, g]
        else:
            slot[1] = slot[1] + g
        return
    index = 0
    if type(where) is tuple:
        where, index = where
    slot = pending.get(where)
    if slot is None:
        pending[where] = slot = [None] * len(where.out_meta)
    slot[index] = g if slot[index] is None else slot[index] + g


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


def unbroadcast(node, i, g):
    """Input ``i``'s gradient ``g``, of a shape the input was broadcast to, summed back to the
    input's own shape; any shape the input does not broadcast to is a bug in the op's rule."""
    shape = node.in_shapes[i]
    lead = len(g.shape) - len(shape)
    if lead < 0 or any(s != 1 and s != gs for s, gs in zip(shape, tuple(g.shape)[lead:])):
        raise shape_error(node, i, g, shape)
    xp = _TensorFns if isinstance(g, Tensor) else backend.raw_namespace(g)
    return _sum_to(xp, g, shape)


def _sum_to(xp, g, shape):
    """Sum a gradient of a broadcast shape back to ``shape`` (NumPy's broadcasting, undone)."""
    # BEGIN SOLUTION ex1_5
    gshape = tuple(g.shape)
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1)
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    if tuple(g.shape) != tuple(shape):
        g = xp.reshape(g, shape)
    return g
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
