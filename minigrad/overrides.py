"""Replacing a gradient: every level at which minigrad lets you swap in your own backward rule.

From the most local to the most global:

1. ``stop_gradient(x)`` / ``x.detach()``: the gradient through this use of ``x`` is zero.
2. A hook, ``t.register_hook(fn)``: ``fn`` sees the total gradient reaching ``t`` once per backward
   pass and may return a replacement (``clip_grad_hook`` is one).
3. A new op: subclass :class:`minigrad.Function` and write ``forward``/``backward`` yourself
   (``StraightThroughRound``, ``GradientReversal`` below).
4. ``@custom_gradient``: wrap a composite function; it returns ``(output, backward_fn)``.
5. ``with override_gradient(op, rule):``: swap a built-in op's backward rule for the nodes created
   inside the block (bound at forward time, so a backward after the block still uses it).

None of these is checked by the chain rule any more, so ``gradcheck`` names such nodes as
"custom backward" when it fails.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import threading
import warnings

from . import ops
from .autograd import extend
from .autograd.custom import tensor_rule
from .autograd.function import Function, Op
from .tensor import Tensor

__all__ = ["stop_gradient", "custom_gradient", "override_gradient", "function_class",
           "register_op", "StraightThroughRound", "straight_through_round", "GradientReversal",
           "grad_reverse", "clip_grad_hook"]


def stop_gradient(x: Tensor) -> Tensor:
    """``x``'s values as a constant: no gradient flows back through this use (``x.detach()``)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"stop_gradient: expected a Tensor, got {type(x).__name__}")
    return x.detach()


# ------------------------------------------------------------------------------ custom_gradient
class _CustomGradient(Function):
    """The node behind ``@custom_gradient``: forward calls the user's function (recording off),
    backward calls the ``backward_fn`` it returned. One subclass per decorated function."""

    custom = "custom_gradient"  # gradcheck's report shows this text
    wrapped = None

    @staticmethod
    def forward(ctx, *args, **kwargs):
        name = ctx.fn.__qualname__
        res = ctx.fn.wrapped(*args, **kwargs)
        if not (isinstance(res, tuple) and len(res) == 2 and callable(res[1])):
            raise TypeError(f"custom_gradient: {name} must return (output, backward_fn), got "
                            f"{type(res).__name__}")
        out, ctx.backward_fn = res
        return tuple(out) if isinstance(out, list) else out

    @staticmethod
    def backward(ctx, *grads):
        name = ctx.fn.__qualname__
        got = ctx.backward_fn(*grads)
        got = tuple(got) if isinstance(got, (tuple, list)) else (got,)
        slots = [i for i, s in enumerate(ctx.in_shapes) if s is not None]  # positional Tensors
        if len(got) != len(slots):
            raise RuntimeError(
                f"custom_gradient: the backward_fn of {name} returned {len(got)} gradient(s) but "
                f"{name} takes {len(slots)} positional Tensor argument(s); return one per tensor "
                "argument, in order (None for one that gets no gradient)")
        out = [None] * len(ctx.in_shapes)
        for i, g in zip(slots, got):
            if g is None:
                continue
            if not isinstance(g, Tensor):
                raise TypeError(f"custom_gradient: the backward_fn of {name} returned "
                                f"{type(g).__name__} for argument {i}; return Tensors")
            if g.shape != ctx.in_shapes[i]:
                raise RuntimeError(
                    f"custom_gradient: the backward_fn of {name} returned a gradient of shape "
                    f"{g.shape} for argument {i}, which has shape {ctx.in_shapes[i]}; a "
                    "gradient has its argument's shape")
            out[i] = g
        return tuple(out)


def custom_gradient(f):
    """Decorator: give a composite function ``f`` your own backward rule.

    ``f(*args, **kwargs)`` runs with recording off and returns ``(output, backward_fn)``;
    ``output`` is a Tensor or a tuple of Tensors and ``backward_fn(*grad_outputs)`` (one gradient
    per output, as Tensors) returns one gradient per *positional Tensor* argument of ``f``.
    Keyword arguments are for non-tensor options.

    The trap: a tensor that ``f`` uses without receiving it as a positional argument (a closure
    variable, a global, ``self.weight``) gets **no gradient**, because nothing in the graph links
    it to the output. Pass it positionally and return its gradient. (A closure over a tensor that
    requires grad is warned about; globals and attributes cannot be seen.)

    For ``create_graph=True`` write ``backward_fn`` with minigrad ops on ``f``'s *arguments*:
    they record then, whereas values computed inside ``f`` are constants (recording was off).
    """
    if not callable(f):
        raise TypeError(f"custom_gradient: expected a function, got {type(f).__name__}")
    name = getattr(f, "__name__", "custom")
    cls = type(name, (_CustomGradient,), {
        "wrapped": staticmethod(f), "__module__": __name__,
        "__qualname__": getattr(f, "__qualname__", name),
        "custom": f"custom_gradient {getattr(f, '__module__', '?')}.{name}"})

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        for k, v in kwargs.items():
            if isinstance(v, Tensor) and v.requires_grad:
                raise TypeError(
                    f"custom_gradient: {cls.__qualname__} got the tensor {k}= (shape {v.shape}) "
                    "that requires grad as a keyword argument; keyword arguments get no "
                    "gradient. Pass it positionally and return its gradient from backward_fn")
        _warn_captured(f, cls.__qualname__)
        return cls.apply(*args, **kwargs)

    wrapper.function_class = cls
    return wrapper


def _warn_captured(f, name):
    for var, cell in zip(f.__code__.co_freevars, f.__closure__ or ()):
        try:
            v = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(v, Tensor) and v.requires_grad:
            warnings.warn(
                f"custom_gradient: {name} uses the tensor {var!r} (shape {v.shape}) from its "
                "closure; it requires grad but will receive none. Pass it as a positional "
                "argument (and return its gradient), or .detach() it if it is a constant",
                stacklevel=3)


# ------------------------------------------------------------------------------ override_gradient
_FUNCTIONS: dict = {}  # public op function -> its Function class


def register_op(function, function_cls) -> None:
    """Let ``override_gradient(function, rule)`` find ``function_cls`` (the op it applies)."""
    if not (isinstance(function_cls, type) and issubclass(function_cls, Op)):
        raise TypeError(f"register_op: {function_cls!r} is not a Function subclass")
    _FUNCTIONS[function] = function_cls



def function_class(op) -> type:
    """The Function class behind ``op`` (a Function class, or a public op such as ``tanh``)."""
    if isinstance(op, type) and issubclass(op, Op):
        return op
    cls = _FUNCTIONS.get(op) if _hashable(op) else None
    cls = cls or getattr(op, "op", None) or getattr(op, "function_class", None)
    if cls is None:
        name = getattr(op, "__qualname__", repr(op))
        raise TypeError(
            f"override_gradient: {name} is not a known single op (it may combine several ops). "
            "Pass the Function class whose rule you want to swap (e.g. minigrad.Tanh), or "
            "register it with minigrad.overrides.register_op(function, FunctionClass)")
    return cls


def _hashable(x) -> bool:
    try:
        hash(x)
    except TypeError:
        return False
    return True


@contextlib.contextmanager
def override_gradient(op, rule):
    """Within the block, nodes of ``op`` are recorded with ``rule`` as their backward rule.

    ``op`` is a Function class or its public function (``minigrad.tanh``); ``rule`` has the
    signature of ``Function.backward``: ``rule(ctx, *grad_outputs)`` gets Tensors (read the
    op's saved values with ``ctx.saved_tensors``) and returns one gradient per forward argument.
    ``rule=None`` restores the built-in rule inside an outer override.

    The rule is bound when the forward runs: a node created in the block keeps it even if
    backward runs after the block; nodes created outside never use it. Scopes nest (the inner
    one wins for the same op) and live in a context variable, so threads and asyncio tasks do
    not see each other's overrides. The previous rules come back on exit, also after an error.
    """
    cls = function_class(op)
    if rule is not None and not callable(rule):
        raise TypeError(f"override_gradient: the rule for {cls.__name__} must be callable as "
                        f"rule(ctx, *grads), got {type(rule).__name__}")
    token = _overrides.set({**(_overrides.get() or {}), cls: rule})
    _plug(+1)
    try:
        yield
    finally:
        _overrides.reset(token)
        _plug(-1)


# {Function class: rule} of the scopes open in this context (threads and tasks each see theirs).
_overrides: contextvars.ContextVar = contextvars.ContextVar("minigrad_overrides", default=None)
_open: list = [0, None]  # open scopes in the process, and the on_apply handle while any is open
_lock = threading.Lock()


def _plug(delta: int) -> None:
    """Bind rules at record time only while some scope is open (``extend.on_apply``)."""
    with _lock:
        _open[0] += delta
        if _open[0] == 1 and _open[1] is None:
            _open[1] = extend.register(extend.on_apply, _bind)
        elif _open[0] == 0 and _open[1] is not None:
            _open[1].remove()
            _open[1] = None


def _bind(ctx, args, outputs) -> None:
    rules = _overrides.get()
    if not rules or ctx.parents is None or ctx.fn not in rules:
        return
    rule = rules[ctx.fn]
    if rule is not None:
        ctx.rule = tensor_rule(rule)
    elif issubclass(ctx.fn, Function):
        ctx.rule = tensor_rule(ctx.fn.backward)
    else:
        ctx.rule = ctx.fn.backward


# ------------------------------------------------------------------------------ small estimators
class StraightThroughRound(Function):
    """Round in forward, identity in backward: the straight-through estimator (Bengio et al.,
    2013). ``round`` has zero derivative almost everywhere, so the identity stands in for it."""

    @staticmethod
    def forward(ctx, x):
        return ops.round(x)

    @staticmethod
    def backward(ctx, g):
        return g


def straight_through_round(x: Tensor) -> Tensor:
    """``round(x)`` whose gradient is passed through unchanged (``x + stop_gradient(round(x) - x)``
    computes the same)."""
    return StraightThroughRound.apply(x)


class GradientReversal(Function):
    """Identity in forward, ``-lambd * g`` in backward (Ganin & Lempitsky, 2015): the layer
    before it is trained to *increase* the loss after it (domain-adversarial training)."""

    @staticmethod
    def forward(ctx, x, lambd):
        ctx.lambd = lambd
        return x.detach()  # the same values, in a new Tensor that becomes this node's output

    @staticmethod
    def backward(ctx, g):
        return -ctx.lambd * g, None


def grad_reverse(x: Tensor, lambd: float = 1.0) -> Tensor:
    """Gradient reversal: returns ``x``; its gradient comes back multiplied by ``-lambd``."""
    return GradientReversal.apply(x, float(lambd))


def clip_grad_hook(max_norm=None, *, max_value=None):
    """A hook for ``t.register_hook``: clip the gradient reaching ``t`` (one tensor, per pass).

    ``max_norm``: rescale it to norm ``max_norm`` when its L2 norm is larger (direction kept).
    ``max_value``: clamp each element to ``[-max_value, max_value]``.
    """
    if (max_norm is None) == (max_value is None):
        raise ValueError("clip_grad_hook: give exactly one of max_norm or max_value")
    limit = max_norm if max_value is None else max_value
    if not limit > 0:
        raise ValueError(f"clip_grad_hook: the limit must be positive, got {limit}")

    def hook(grad):
        if max_value is not None:
            return ops.clip(grad, -max_value, max_value)
        n = float(ops.norm(grad))
        return grad * (max_norm / n) if n > max_norm else None

    return hook
