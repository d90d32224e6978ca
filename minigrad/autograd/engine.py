"""The backward engine: one topological walk over the recorded nodes.

1. Sort the nodes reachable from the roots so that every node comes after all nodes that use its
   outputs (an iterative depth-first search: a 10,000-op chain needs no recursion).
2. Walk them in that order. A node's output gradients are complete when it is reached (every
   consumer already ran), so its hooks see the *total* gradient; then its backward rule turns
   them into one gradient per input, which is summed back to the input's shape if the op
   broadcast it, and added to the slot of the input's producer (fan-out adds up) or of the leaf.
3. Leaves get their total gradient (after their hooks) added into ``.grad``; ``grad()`` returns it
   instead. Saved values are freed unless ``retain_graph``.

In normal mode gradients are raw arrays (fast); with ``create_graph=True`` they are Tensors and
every rule runs with recording on, so the backward pass is itself differentiable.
"""
from __future__ import annotations

from .. import backend
from ..tensor import Tensor
from . import anomaly, grad_mode
from .function import Context, _released_error
from .hooks import run_hooks as _run_hooks

graph_namespace = None  # set by minigrad.ops: the Tensor-level namespace rules use in graph mode
_observers: list = []  # callables (node, grad_outputs, grad_inputs), e.g. viz.trace_backward


def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _seq(node):
    return node.seq


def _topo_order(roots) -> list:
    """Nodes reachable from ``roots``, oldest first: every node comes after the nodes that
    produced its inputs. A node is always created after its inputs' nodes, so the creation
    counter gives a topological order; a plain graph walk (no recursion) collects the nodes."""
    # BEGIN SOLUTION ex2_1
    seen = set(roots)
    stack = list(seen)
    while stack:
        for p in stack.pop().parents:
            if type(p) is Context and p not in seen:
                seen.add(p)
                stack.append(p)
    return sorted(seen, key=_seq)
    # END SOLUTION


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


def _root_grads(roots, grads, create_graph):
    out = []
    grads = _as_list(grads) if grads is not None else [None] * len(roots)
    if len(grads) != len(roots):
        raise ValueError(f"got {len(roots)} outputs but {len(grads)} gradients")
    for r, g in zip(roots, grads):
        if not isinstance(r, Tensor):
            raise TypeError(f"backward/grad outputs must be Tensors, got {type(r).__name__}")
        if not r._rg:
            raise RuntimeError(
                f"the tensor of shape {r.shape} does not require grad and has no grad_fn: it was "
                "not computed from any tensor with requires_grad=True (or it was computed under "
                "no_grad), so there is nothing to differentiate"
            )
        if g is None:
            if r.numel() != 1:
                raise RuntimeError(
                    f"grad can be created implicitly only for scalar outputs, but the output has "
                    f"shape {r.shape}; pass gradient= (a tensor of shape {r.shape}), or reduce "
                    "the output first, e.g. loss.sum()"
                )
            xp = backend.namespace(r.data)
            g = xp.ones_like(r.data)
        else:
            if not isinstance(g, Tensor):
                raise TypeError("gradient must be a Tensor (wrap arrays with minigrad.tensor)")
            if g.shape != r.shape:
                raise RuntimeError(
                    f"gradient has shape {g.shape} but the output it belongs to has shape "
                    f"{r.shape}; they must match"
                )
            if g.dtype != r.dtype:
                raise TypeError(f"gradient has dtype {g.dtype} but the output has {r.dtype}")
            g = g if create_graph else g.data
        if create_graph and not isinstance(g, Tensor):
            g = Tensor(g)
        out.append(g)
    return out


def run_backward(roots, root_grads, targets=None, retain_graph=False, create_graph=False):
    """Propagate ``root_grads`` from ``roots``. Without ``targets``, accumulate into leaves'
    ``.grad``; with ``targets`` (tensors), return ``{id(target): total gradient}`` instead."""
    xp = graph_namespace if create_graph else backend.raw_namespace(root_grads[0])
    reaches = None
    node_grads: dict = {}
    leaf_grads: dict = {}  # id(leaf) -> [leaf, grad]

    def add_leaf(leaf, g):
        slot = leaf_grads.get(id(leaf))
        if slot is None:
            leaf_grads[id(leaf)] = [leaf, g]
        else:
            slot[1] = slot[1] + g

    root_nodes = []
    for r, g in zip(roots, root_grads):
        if r.grad_fn is None:
            add_leaf(r, g)
            continue
        slot = node_grads.get(r.grad_fn)
        if slot is None:
            node_grads[r.grad_fn] = slot = [None] * len(r.grad_fn.out_meta)
            root_nodes.append(r.grad_fn)
        i = r._out_index
        slot[i] = g if slot[i] is None else slot[i] + g

    order = _topo_order(root_nodes)
    target_leaves, target_outs, needed = None, None, None
    if targets is not None:
        target_leaves = {id(t) for t in targets if t.grad_fn is None}
        target_outs = {(t.grad_fn, t._out_index) for t in targets if t.grad_fn is not None}
        target_nodes = {n for n, _ in target_outs}
        needed = set()
        for node in order:  # inputs come first in `order`
            for p in node.parents:
                if (type(p) is Context and (p in needed or p in target_nodes)) or (
                        type(p) is Tensor and id(p) in target_leaves):
                    needed.add(node)
                    break
        reaches = needed | target_nodes
    captured: dict = {}
    wrap = (lambda a: a) if create_graph else Tensor
    unwrap = (lambda t: t) if create_graph else (lambda t: t.data)
    ctx_mgr = grad_mode.enable_grad if create_graph else grad_mode.no_grad
    fast = not create_graph

    with ctx_mgr():
        for node in reversed(order):
            gout = node_grads.pop(node, None)
            if gout is None:
                continue
            if node.hooks:
                for i, hooks in node.hooks.items():
                    if gout[i] is not None:
                        gout[i] = _run_hooks(hooks, gout[i], wrap, unwrap)
            if node.retained and targets is None:  # retain_grad: backward() only, not grad()
                for i, ref in node.retained.items():
                    t = ref()
                    if t is not None and gout[i] is not None:
                        _accumulate_into(t, gout[i], create_graph)
            if target_outs is not None:
                for i, g in enumerate(gout):
                    if (node, i) in target_outs and g is not None:
                        captured[(id(node), i)] = g
                if node not in needed:
                    continue
            if node.released:
                raise _released_error(node)
            fn = node.fn
            if fast and fn.raw and node.rule is None and (
                    len(gout) == 1 or all(g is not None for g in gout)):
                node.graph_mode = False  # the common case, inlined: a built-in rule on arrays
                node.xp = xp
                gin = fn.backward(node, *gout)
                if type(gin) is not tuple:
                    gin = (gin,)
                if len(gin) != len(node.parents):
                    gin = _call_backward(node, gout, xp, create_graph)  # raises the error
            else:
                gin = _call_backward(node, gout, xp, create_graph)
            if anomaly._enabled:
                anomaly.check_backward(node, gin)
            if _observers:
                for obs in _observers:
                    obs(node, gout, gin)
            in_shapes = node.in_shapes
            for i, p in enumerate(node.parents):
                if p is None:
                    continue
                g = gin[i]
                if g is None:
                    continue
                want = in_shapes[i]
                if g.shape != want:
                    g = _reduce_broadcast(node, i, g, tuple(g.shape), want, xp)
                if type(p) is Tensor:
                    if target_leaves is None or id(p) in target_leaves:
                        add_leaf(p, g)
                    continue
                if reaches is not None and p not in reaches:
                    continue
                slot = node_grads.get(p)
                if slot is None:
                    node_grads[p] = slot = [None] * len(p.out_meta)
                j = node.parent_idx[i]
                slot[j] = g if slot[j] is None else slot[j] + g
            if not retain_graph:
                node._saved = ()
                node._versions = None
                node.released = True

        for leaf, g in leaf_grads.values():
            if leaf._hooks:
                g = _run_hooks(leaf._hooks, g, wrap, unwrap)
            if targets is not None:
                captured[id(leaf)] = g
            else:
                _accumulate_into(leaf, g, create_graph)
    return captured


def _reduce_broadcast(node, i, g, gshape, want, xp):
    b = node.bshapes[i] if node.bshapes is not None else None
    if b is not None and gshape == tuple(b):
        return _sum_to(xp, g, want)
    extra = f" (the op broadcast it to {tuple(b)})" if b is not None else ""
    raise RuntimeError(
        f"{node.fn.__name__}.backward returned a gradient of shape {gshape} for input {i}, "
        f"which has shape {want}{extra}; a backward rule must return a gradient shaped like its "
        "input (or like the broadcast shape the op recorded)"
    )


def _call_backward(node, gout, xp, create_graph):
    fn = node.fn
    for i, g in enumerate(gout):  # outputs that received nothing get zeros (or None if non-diff)
        if g is None and not (node.non_diff and i in node.non_diff):
            shape, dtype = node.out_meta[i]
            z = backend.create(_first_array(gout), "zeros", shape, dtype=dtype)
            gout[i] = Tensor(z) if create_graph else z
    if node.rule is None and fn.raw:
        node.graph_mode = create_graph
        node.xp = xp
        gin = fn.backward(node, *gout)
    else:
        rule = node.rule or fn.backward
        node.graph_mode = True
        node.xp = graph_namespace
        if create_graph:
            gin = rule(node, *gout)
        else:
            gin = rule(node, *[None if g is None else Tensor(g) for g in gout])
            gin = _unwrap_all(gin)
    if not isinstance(gin, tuple):
        gin = (gin,)
    if len(gin) != len(node.parents):
        who = f"{fn.__name__}.backward" if node.rule is None else (
            f"the override_gradient rule {getattr(node.rule, '__qualname__', node.rule)!s} "
            f"for {fn.__name__}")
        raise RuntimeError(
            f"{who} returned {len(gin)} gradient(s) but forward took "
            f"{len(node.parents)} argument(s); return one entry per forward argument "
            "(None for arguments that get no gradient)"
        )
    return gin


def _unwrap_all(gin):
    if not isinstance(gin, tuple):
        gin = (gin,)
    out = []
    for g in gin:
        if g is None or not isinstance(g, Tensor):
            if g is not None and not hasattr(g, "shape"):
                raise TypeError(f"a backward rule returned {type(g).__name__}; expected a Tensor")
            out.append(g)
        else:
            out.append(g.data)
    return tuple(out)


def _first_array(gout):
    for g in gout:
        if g is not None:
            return g.data if isinstance(g, Tensor) else g
    raise RuntimeError("no gradient reached this node")


def _accumulate_into(t: Tensor, g, create_graph: bool) -> None:
    """Add ``g`` into ``t.grad``. The stored array is always a new one owned by ``t`` (never the
    incoming gradient itself, which may be shared with other tensors or be a broadcast view)."""
    # BEGIN SOLUTION ex2_2
    if create_graph:  # a differentiable copy: same value, own C-contiguous array
        t._grad = graph_namespace.clone(g) if t._grad is None else t._grad + g
        return
    gdt = backend.dtype_of(g)
    if gdt != backend.dtype_of(t.data):
        raise TypeError(f"gradient dtype {gdt} does not match tensor dtype {t.dtype}")
    acc = t._grad
    if acc is None:
        t._grad = Tensor(backend.copy(g))
    elif acc._rg or not _add_in_place(acc.data, g):  # a graph (create_graph) or read-only
        t._grad = Tensor(backend.as_array(acc.data + g))
    # END SOLUTION


def _add_in_place(acc, g) -> bool:
    """``acc += g`` in the gradient's own array (references to ``.grad`` see the sum, as in
    PyTorch); False when the array cannot be written (e.g. a user-assigned broadcast view)."""
    try:
        acc += g
    except (ValueError, TypeError):
        return False
    return True


# ----------------------------------------------------------------------------- public API
def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of ``tensors`` into the ``.grad`` of every leaf they depend on.

    ``retain_graph`` defaults to ``create_graph``; without it the saved values are freed and a
    second backward through the same nodes raises. ``inputs`` restricts accumulation to them.
    """
    roots = _as_list(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    rg = _root_grads(roots, grad_tensors, create_graph)
    if inputs is None:
        run_backward(roots, rg, None, retain_graph, create_graph)
        return
    ins = _as_list(inputs)
    captured = run_backward(roots, rg, ins, retain_graph, create_graph)
    for t in ins:
        g = captured.get(id(t)) if t.grad_fn is None else captured.get((id(t.grad_fn),
                                                                        t._out_index))
        if g is not None:
            _accumulate_into(t, g, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Return d(outputs)/d(inputs) as a tuple, one entry per input, writing no ``.grad``.

    Inputs may be leaves or intermediate tensors. Only nodes on a path from the outputs to an
    input are visited. An input the outputs do not depend on raises unless ``allow_unused=True``
    (then its entry is None). With ``create_graph=True`` the results are differentiable.
    """
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    if not ins:
        raise ValueError("grad() needs at least one input")
    for k, t in enumerate(ins):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad() inputs must be Tensors; input {k} is {type(t).__name__}")
        if not t._rg:
            raise RuntimeError(
                f"grad(): input {k} (shape {t.shape}{_named(t)}) does not require grad, so no "
                "gradient can be computed for it; create it with requires_grad=True"
            )
    if retain_graph is None:
        retain_graph = create_graph
    rg = _root_grads(outs, grad_outputs, create_graph)
    captured = run_backward(outs, rg, ins, retain_graph, create_graph)
    result = []
    for k, t in enumerate(ins):
        key = id(t) if t.grad_fn is None else (id(t.grad_fn), t._out_index)
        g = captured.get(key)
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad(): input {k} (shape {t.shape}{_named(t)}) is not reached from the "
                    "outputs: they do not depend on it. Pass allow_unused=True to get None for it."
                )
            result.append(None)
        else:
            result.append(g if create_graph else Tensor(g))
    return tuple(result)


def _named(t) -> str:
    return f", name {t.name!r}" if t.name else ""
