"""``minigrad.autograd.functional``: Jacobians and Hessians by repeated reverse mode, with
``torch.autograd.functional``'s signatures (one backward pass per output element)."""
from __future__ import annotations

from .api import grad


def _as_tuple(x):
    return (tuple(x), True) if isinstance(x, (tuple, list)) else ((x,), False)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False):
    """d func(inputs) / d inputs. For one input and one output, a tensor of shape
    ``out.shape + in.shape``; for tuples, nested tuples ``[output][input]`` (as PyTorch)."""
    from .. import creation
    from ..ops.shape import reshape as _reshape
    from ..ops.shape import stack as _stack

    ins, in_tuple = _as_tuple(inputs)
    ins = tuple(x.detach().requires_grad_(True) for x in ins)
    outs, out_tuple = _as_tuple(func(*ins))
    rows = []
    for out in outs:
        per_input: list = [[] for _ in ins]
        flat = _reshape(out, (-1,))
        for k in range(flat.shape[0]):
            gs = grad(flat[k], ins, retain_graph=True, create_graph=create_graph,
                      allow_unused=True) if out.requires_grad else (None,) * len(ins)
            for i, (g, x) in enumerate(zip(gs, ins)):
                if g is None:
                    if strict:
                        raise RuntimeError(f"jacobian: output {k} does not depend on input {i} "
                                           "(strict=True)")
                    g = creation.zeros(x.shape, dtype=x.dtype, device=x.device)
                per_input[i].append(g)
        rows.append(tuple(
            _reshape(_stack(gs) if gs else creation.zeros((0, *x.shape), dtype=x.dtype),
                        out.shape + x.shape) for gs, x in zip(per_input, ins)))
    if not in_tuple:
        rows = [r[0] for r in rows]
    return tuple(rows) if out_tuple else rows[0]


def hessian(func, inputs, create_graph: bool = False, strict: bool = False):
    """The Hessian of a scalar ``func`` (the Jacobian of its gradient)."""
    ins, in_tuple = _as_tuple(inputs)

    def gradient(*xs):
        out = func(*xs)
        gs = grad(out, xs, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else x * 0 for g, x in zip(gs, xs))

    h = jacobian(gradient, ins, create_graph=create_graph, strict=strict)
    return h if in_tuple else h[0][0]
