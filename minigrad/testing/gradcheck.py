"""Checking backward rules against central finite differences (float64).

``gradcheck(fn, inputs)`` compares, for every output element and every input element, the
analytic derivative (from minigrad's backward) with ``(f(x + eps) - f(x - eps)) / (2 eps)``.
It returns True or raises :class:`GradcheckError` with a report naming the input, the element,
both values and the worst relative error, plus any node in the graph whose backward is custom
(a swapped rule, a hook, a user Function), since those are the usual suspects.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import api, engine
from ..autograd.hooks import RetainGrad
from ..tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when analytic and numeric gradients disagree."""


def _tuple(x):
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _outputs(fn, inputs):
    out = _tuple(fn(*inputs))
    return tuple(o for o in out if isinstance(o, Tensor) and o.dtype.kind == "f")


def custom_backward_nodes(outputs) -> list[str]:
    """Names of nodes reachable from ``outputs`` whose gradient is not minigrad's own rule."""
    roots = [o.grad_fn for o in _tuple(outputs) if isinstance(o, Tensor) and o.grad_fn]
    found = []
    for node in engine._topo_order(roots):
        if node.custom_rule is not None:
            found.append(f"{node.name} (rule swapped by override_gradient)")
        elif not node.fn.__module__.startswith("minigrad."):
            found.append(f"{node.name} (user Function {node.fn.__module__}.{node.fn.__qualname__})")
        elif getattr(node.fn, "custom", False):
            found.append(f"{node.name} ({node.fn.custom})")
        if node.hooks and any(type(h) is not RetainGrad for hs in node.hooks.values()
                              for h in hs):
            found.append(f"{node.name} output hook(s)")
        for p in node.parents:
            if type(p) is Tensor and p._hooks:
                found.append(f"leaf of shape {p.shape} with hook(s)")
    return found


def _check_inputs(inputs):
    for k, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad and t.dtype != backend.float64:
            raise TypeError(f"gradcheck needs float64 inputs; input {k} is {t.dtype}. Use "
                            ".double() (float32 finite differences are too noisy to judge)")


def _analytic(fn, inputs, outputs):
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    jac = [[np.zeros((o.numel(), t.numel())) for t in diff] for o in outputs]
    for oi, o in enumerate(outputs):
        for k in range(o.numel()):
            seed = np.zeros(o.numel())
            seed[k] = 1.0
            g = Tensor(backend.from_numpy(seed.reshape(o.shape), o.device))
            grads = api.grad(o, diff, grad_outputs=g, retain_graph=True, allow_unused=True)
            for ti, gr in enumerate(grads):
                if gr is not None:
                    jac[oi][ti][k] = backend.to_numpy(gr.array).reshape(-1)
    return diff, jac


def _numeric(fn, inputs, diff, outputs, eps):
    jac = [[np.zeros((o.numel(), t.numel())) for t in diff] for o in outputs]
    for ti, t in enumerate(diff):
        orig = backend.to_numpy(t.array).copy()
        flat = orig.reshape(-1)
        for j in range(flat.size):
            vals = []
            for sign in (1, -1):
                pert = flat.copy()
                pert[j] += sign * eps
                t.array = backend.from_numpy(pert.reshape(orig.shape), t.device)
                outs = _outputs(fn, inputs)
                vals.append([backend.to_numpy(o.array).reshape(-1).astype(np.float64)
                             for o in outs])
            for oi in range(len(outputs)):
                jac[oi][ti][:, j] = (vals[0][oi] - vals[1][oi]) / (2 * eps)
        t.array = backend.from_numpy(orig, t.device)
    return jac


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True) -> bool:
    """True if minigrad's gradients of ``fn`` at ``inputs`` match finite differences."""
    inputs = _tuple(inputs)
    _check_inputs(inputs)
    outputs = _outputs(fn, inputs)
    if not outputs:
        raise ValueError("gradcheck: fn returned no floating-point Tensor")
    diff, ana = _analytic(fn, inputs, outputs)
    if not diff:
        raise ValueError("gradcheck: no input requires grad")
    num = _numeric(fn, inputs, diff, outputs, eps)
    worst: tuple = (0.0, None)
    failures = []
    for oi, o in enumerate(outputs):
        for ti, t in enumerate(diff):
            a, n = ana[oi][ti], num[oi][ti]
            err = np.abs(a - n)
            bad = err > atol + rtol * np.abs(n)
            rel = err / np.maximum(np.abs(n), 1e-12)
            rel = np.where(err <= atol, 0.0, rel)
            if rel.size and rel.max() > worst[0]:
                worst = (float(rel.max()), (oi, ti))
            if bad.any():
                k, j = np.argwhere(bad)[0]
                elem = np.unravel_index(j, t.shape) if t.shape else ()
                pos = next(i for i, x in enumerate(inputs) if x is t)  # `in` would use ==
                failures.append(
                    f"  input {pos} (shape {t.shape}), "
                    f"element {tuple(int(e) for e in elem)}, output {oi} element {int(k)}: "
                    f"analytic {a[k, j]:.10g} vs numeric {n[k, j]:.10g}")
    if failures:
        custom = custom_backward_nodes(outputs)
        msg = ["gradcheck failed: analytic and numeric gradients differ", *failures[:10],
               f"  worst relative error {worst[0]:.3g} (atol={atol}, rtol={rtol}, eps={eps})"]
        if custom:
            msg.append("  custom backward in the graph (check these first): " + "; ".join(custom))
        if raise_exception:
            raise GradcheckError("\n".join(msg))
        return False
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3) -> bool:
    """Check second derivatives: gradcheck of ``(x, v) -> grad(fn(x), x, v, create_graph=True)``.

    As in PyTorch, the incoming gradient ``v`` is an input of the checked function too, so the
    backward rule is checked as a function of both: an op whose second derivative in ``x`` is
    zero (``relu``, ``reshape``, ``+``) still has a first derivative that is linear in ``v``.
    ``grad_outputs`` defaults to random float64 tensors that require grad.
    """
    inputs = _tuple(inputs)
    _check_inputs(inputs)
    outputs = _outputs(fn, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(1234)
        grad_outputs = tuple(
            Tensor(backend.from_numpy(rng.standard_normal(o.shape), o.device), requires_grad=True)
            for o in outputs)
    grad_outputs = _tuple(grad_outputs)
    n = len(inputs)

    def first_derivative(*xs_and_vs):
        xs, vs = xs_and_vs[:n], xs_and_vs[n:]
        d = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        grads = api.grad(_outputs(fn, xs), d, grad_outputs=vs, create_graph=True,
                            allow_unused=True)
        res = tuple(g for g in grads if g is not None and g.requires_grad)
        if not res:
            raise GradcheckError("gradgradcheck: the first derivative depends neither on the "
                                 "inputs nor on the incoming gradient, so there is nothing to "
                                 "check")
        return res

    return gradcheck(first_derivative, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol)
