"""PyTorch's ``Function`` contract on top of the engine's: Tensors in and out on both sides.

``apply_function`` runs a user's ``forward`` on the Tensors themselves (recording off) and
records the node with :func:`tensor_rule` as its rule. ``tensor_rule(backward)`` adapts any
backward written on Tensors (a ``Function``'s, an ``override_gradient`` rule) to the engine's
call: in an ordinary pass it wraps the incoming arrays into Tensors, fills the gradients of
outputs that received none with zeros, checks what comes back and unwraps it.
"""
from __future__ import annotations

from .. import backend
from ..tensor import Tensor
from . import extend
from .function import Context, check_devices, record_node, wrap_output
from .grad_mode import no_grad, state


def apply_function(cls, args, kwargs):
    tensors = [a for a in args if isinstance(a, Tensor)]
    check_devices(cls, args)
    record = state.enabled and any(t._rg for t in tensors)
    need = tuple(isinstance(a, Tensor) and a._rg for a in args)
    ctx = Context(cls, need if record else (False,) * len(args))
    ctx.rule = tensor_rule(cls.backward)
    with no_grad():
        out = cls.forward(ctx, *args, **kwargs)
    single = not isinstance(out, tuple)
    outs = (out,) if single else out
    like = tensors[0].array if tensors else None
    results = tuple(wrap_output(o, like) for o in outs)
    # forward returned an input as is: give the output its own Tensor (same data), or recording
    # would turn the caller's input into this node's output
    results = tuple(Tensor(r.array) if any(r is t for t in tensors) else r for r in results)
    if record:
        record_node(ctx, args, results, outs)
        ctx._saved = ctx._holders  # (not the raw values: they may hold the node's own outputs)
    if extend.on_apply:
        for f in extend.on_apply:
            f(ctx, args, results)
    return results[0] if single else results


def tensor_rule(backward):
    """The engine-facing rule for a backward written on Tensors (PyTorch's contract)."""

    def rule(ctx, *grads):
        graph = state.enabled  # create_graph: grads are Tensors already, and stay so
        grads = list(grads)
        for i, g in enumerate(grads):
            if g is None and not (ctx.non_diff and i in ctx.non_diff):
                shape, dtype = ctx.out_meta[i]
                like = next(x for x in grads if x is not None)
                grads[i] = backend.create(like.array if graph else like, "zeros", shape,
                                          dtype=dtype)
            if not graph and grads[i] is not None:
                grads[i] = Tensor(grads[i])
            elif graph and grads[i] is not None and not isinstance(grads[i], Tensor):
                grads[i] = Tensor(grads[i])
        got = backward(ctx, *grads)
        got = got if isinstance(got, tuple) else (got,)
        out = []
        for i, g in enumerate(got):
            if g is not None and not isinstance(g, Tensor):
                raise TypeError(f"{_who(ctx, backward)} returned {type(g).__name__} for input "
                                f"{i}; a backward rule returns Tensors (or None)")
            out.append(g if graph or g is None else g.array)
        return tuple(out)

    rule.tensor_contract = backward  # gradcheck and viz name the user's rule
    return rule


def _who(ctx, backward) -> str:
    if backward is ctx.fn.backward:
        return f"{ctx.fn.__name__}.backward"
    return (f"the override_gradient rule {getattr(backward, '__qualname__', backward)!s} for "
            f"{ctx.fn.__name__}")
