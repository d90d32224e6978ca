"""``backward()`` and ``grad()``: check the roots and their gradients, pick where leaf gradients
go, and run the engine (:func:`minigrad.autograd.engine.run_backward`)."""
from __future__ import annotations

from .. import backend
from ..tensor import Tensor
from . import engine
from .accumulate import SINKS, AccumulateOnly, Capture
from .hooks import CaptureHook


def _as_list(x) -> list:
    return [x] if isinstance(x, Tensor) else [] if x is None else list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate gradients of ``tensors`` into the ``.grad`` of every leaf they depend on.

    ``retain_graph`` defaults to ``create_graph``; without it the saved values are freed and a
    second backward through the same nodes raises. ``inputs`` restricts accumulation to them
    (leaves or not; a non-leaf gets its ``.grad`` too).
    """
    roots = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    grads = _root_grads(roots, grad_tensors, create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        return engine.run_backward(roots, grads, SINKS[create_graph], retain, create_graph)
    ins = _check_inputs("backward", _as_list(inputs))
    _run_with_targets(roots, grads, AccumulateOnly(create_graph, ins), ins, retain, create_graph)


def tensor_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(self)/d(leaf) into every leaf's ``.grad``. See :func:`backward`."""
    backward(self, gradient, retain_graph, create_graph, inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Return d(outputs)/d(inputs) as a tuple, one entry per input, writing no ``.grad``.

    Inputs may be leaves or intermediate tensors. Only nodes on a path from the outputs to an
    input are visited. An input the outputs do not depend on raises unless ``allow_unused=True``
    (then its entry is None). With ``create_graph=True`` the results are differentiable.
    """
    outs = _as_list(outputs)
    ins = _check_inputs("grad", _as_list(inputs))
    grads = _root_grads(outs, grad_outputs, create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    sink = Capture(ins)
    _run_with_targets(outs, grads, sink, ins, retain, create_graph)
    result = []
    for k, t in enumerate(ins):
        g = sink.got.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad(): input {k} (shape {t.shape}{_named(t)}) is not reached from the "
                "outputs: they do not depend on it. Pass allow_unused=True to get None for it.")
        result.append(g if g is None or create_graph else Tensor(g))
    return tuple(result)


def _run_with_targets(roots, grads, sink, targets, retain, create_graph):
    handles = []
    for t in targets:  # non-leaf targets: capture their total gradient where it is complete
        if t.grad_fn is not None:
            hooks = t.grad_fn.hooks_for(t._out_index)
            hooks.append(CaptureHook(t, sink))
            handles.append(hooks)
    try:
        order = engine._topo_order([r.grad_fn for r in roots if r.grad_fn is not None])
        stop = engine.prune(order, targets)
        engine.run_backward(roots, grads, sink, retain, create_graph, stop=stop)
    finally:
        for hooks in handles:
            for i, h in enumerate(hooks):
                if type(h) is CaptureHook and h.sink is sink:
                    del hooks[i]
                    break


def _check_inputs(who, ins):
    if not ins:
        raise ValueError(f"{who}() needs at least one input")
    for k, t in enumerate(ins):
        if not isinstance(t, Tensor):
            raise TypeError(f"{who}() inputs must be Tensors; input {k} is {type(t).__name__}")
        if not t._rg:
            raise RuntimeError(
                f"{who}(): input {k} (shape {t.shape}{_named(t)}) does not require grad, so no "
                "gradient can be computed for it; create it with requires_grad=True")
    return ins


def _root_grads(roots, grads, create_graph):
    """One starting gradient per root: ones for a scalar root, else the given one (checked)."""
    if grads is not None and len(_as_list(grads)) != len(roots):
        raise ValueError(f"got {len(roots)} outputs but {len(_as_list(grads))} gradients")
    grads = [None] * len(roots) if grads is None else _as_list(grads)
    return [_root_grad(r, g, create_graph) for r, g in zip(roots, grads)]


def _root_grad(r, g, create_graph):
    if not isinstance(r, Tensor) or not r._rg:
        raise _root_error(r)
    if g is None and r.array.size == 1:
        g = backend.raw_namespace(r.array).ones_like(r.array)
        return Tensor(g) if create_graph else g
    _check_root_grad(r, g)
    return g if create_graph else g.array


def _root_error(r):
    if not isinstance(r, Tensor):
        return TypeError(f"backward/grad outputs must be Tensors, got {type(r).__name__}")
    return RuntimeError(
        f"the tensor of shape {r.shape} does not require grad and has no grad_fn: it was "
        "not computed from any tensor with requires_grad=True (or it was computed under "
        "no_grad), so there is nothing to differentiate")


def _check_root_grad(r, g):
    if g is None:
        raise RuntimeError(
            f"grad can be created implicitly only for scalar outputs, but the output has "
            f"shape {r.shape}; pass gradient= (a tensor of shape {r.shape}), or reduce "
            "the output first, e.g. loss.sum()")
    if not isinstance(g, Tensor):
        raise TypeError("gradient must be a Tensor (wrap arrays with minigrad.tensor)")
    if g.shape != r.shape:
        raise RuntimeError(f"gradient has shape {g.shape} but the output it belongs to has shape "
                           f"{r.shape}; they must match")
    if g.dtype != r.dtype:
        raise TypeError(f"gradient has dtype {g.dtype} but the output has {r.dtype}")
    if g.device != r.device:
        raise RuntimeError(
            f"gradient is on {g.device} but the output (shape {r.shape}) is on {r.device}; move "
            f"it with gradient.to({r.device!r}) first (minigrad never moves data silently)")


def _named(t) -> str:
    return f", name {t.name!r}" if t.name else ""
