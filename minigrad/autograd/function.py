"""Ops and nodes: ``Op`` (a built-in primitive), ``Function`` (PyTorch's contract) and ``Context``.

``Op.apply(x, y)`` runs ``forward(ctx, *arrays)`` on the inputs' arrays. When recording is on and
some input requires grad, ``ctx`` is kept as the graph node behind the outputs: it remembers,
per argument, where the gradient goes (``ctx.parents``: the input's node, a leaf Tensor, or
None), the input shapes, and what forward saved. It never references its own output Tensors,
so dropping the loss frees the graph.

The engine calls ``ctx.rule(ctx, *grads)`` for every node. For an ``Op`` the rule is its
``backward``, written once for two kinds of values: arrays in an ordinary backward pass (recording
off), Tensors under ``create_graph=True`` (recording on, so the backward pass is itself a graph).
``ctx.saved`` hands back what forward saved in the same kind, and ``xp_of(g)`` in
:mod:`minigrad.ops` gives the matching functions. ``Function`` (for your own ops) keeps
PyTorch's contract instead, Tensors in and out on both sides; it is adapted to that call once,
when its node is recorded.
"""
from __future__ import annotations

import itertools
import operator

from .. import backend
from ..tensor import Tensor
from . import extend
from .grad_mode import no_grad, state
from .versions import version_error

_ndarray = backend.ndarray
_counter = itertools.count()
_PY_NUMBERS = (int, float, bool)


class _OutRef(tuple):
    """A saved *output*, ``(index, array, version counter)``: kept by value (its array), so the
    node does not own its output Tensor, with the output's version counter (an in-place change
    of the output is caught)."""

    __slots__ = ()
    index = property(operator.itemgetter(0))
    array = property(operator.itemgetter(1))
    _vc = property(operator.itemgetter(2))


class Context:
    """One op application: the ``ctx`` its forward and backward see, and a node of the graph."""

    # The per-node values live in slots (no per-node dict on the hot path).
    __slots__ = ("fn", "needs_input_grad", "rule", "seq", "parents", "in_shapes", "out_meta",
                 "_saved", "_holders", "_guards", "__dict__", "__weakref__")
    # Set when the node is recorded (see record_node):
    parents: tuple | None  # per argument: the input's node, (node, output index), a leaf, None
    in_shapes: tuple  # per argument: the input's shape (None for non-Tensors)
    out_meta: tuple  # per output: (shape, dtype)
    _saved: tuple  # what forward saved, as it gave it (arrays: the ordinary backward gets these)
    _holders: tuple  # the same, inputs as their Tensors and outputs as _OutRef (create_graph)
    _guards: tuple  # per saved input or output: (it, its version when saved)
    # Rarely set; the class values are the defaults:
    non_diff = None  # indices of outputs that carry no gradient
    hooks: dict | None = None  # {output index: [hook, ...]} from register_hook / retain_grad
    origin = None  # the user's code line (anomaly mode only)

    def __init__(self, fn, need):  # (seq: creation order; a node is newer than its inputs')
        self.fn, self.needs_input_grad, self.rule, self.seq = fn, need, fn.backward, next(_counter)
        self.parents, self._saved, self._holders, self._guards = None, (), (), ()

    @property
    def name(self) -> str:
        return self.fn.__name__ + "Backward"

    @property
    def custom_rule(self):
        """The rule ``override_gradient`` swapped in for this node, or None (the op's own)."""
        rule = getattr(self.rule, "tensor_contract", self.rule)
        return None if rule is None or rule is self.fn.backward else rule

    # ---------------------------------------------------------------- used inside forward
    def save_for_backward(self, *values) -> None:
        """Keep inputs, outputs or constants for the backward rule."""
        self._saved = values

    def mark_non_differentiable(self, *outputs) -> None:
        """Declare outputs (e.g. indices) that never carry a gradient."""
        self.non_diff = tuple(id(o) for o in outputs)

    # ---------------------------------------------------------------- used inside backward
    @property
    def saved(self) -> tuple:
        """What forward saved: arrays in an ordinary backward, Tensors while recording (under
        ``create_graph``, so the rule's own ops are differentiated through them)."""
        for guard in self._guards:  # (check_versions, inlined: it runs per node)
            if guard[0]._vc[0] != guard[1]:
                raise version_error(self, guard)
        if state.enabled:
            return tuple([self._as_tensor(v) for v in self._holders])
        return self._saved

    @property
    def saved_tensors(self) -> tuple:
        """The saved values as Tensors (saved outputs come back attached to this node)."""
        check_versions(self)
        return tuple([self._as_tensor(v) for v in self._holders])

    def _as_tensor(self, v):
        if type(v) is _OutRef:
            return Tensor(v.array, requires_grad=True, grad_fn=self, out_index=v.index)
        if type(v) is Tensor or not hasattr(v, "shape"):  # a Tensor, None, a number
            return v
        return Tensor(backend.as_array(v))  # an array (or NumPy scalar) saved as a constant

    # ---------------------------------------------------------------- hooks on outputs
    def hooks_for(self, index: int) -> list:
        if self.hooks is None:
            self.hooks = {}
        return self.hooks.setdefault(index, [])

    @property
    def released(self) -> bool:
        """True once a backward without ``retain_graph`` freed the saved values."""
        return self._guards is _RELEASED

    def release(self) -> None:
        """Free what was saved for backward; links to other nodes stay (for drawing the graph)."""
        # one guard that always trips is left, so reading `saved` now raises released_error
        self._saved, self._holders, self._guards = (), (), _RELEASED

    def __repr__(self):
        return f"<{self.name}>"


def check_versions(ctx) -> None:
    """Raise if the node was freed, or if a saved value changed in place since it was saved."""
    for guard in ctx._guards:
        if guard[0]._vc[0] != guard[1]:
            raise version_error(ctx, guard)


def released_error(node) -> RuntimeError:
    return RuntimeError(
        f"Trying to backward through {node.name} a second time: its saved values were freed "
        "after the first backward. Pass retain_graph=True to the first backward (or grad) if you "
        "need to go through the graph again."
    )


class _NoGrads(dict):
    """``_NO[n]``: the ``needs_input_grad`` of an unrecorded op with ``n`` arguments (made once
    per ``n``)."""

    def __missing__(self, n):
        self[n] = no = (False,) * n
        return no


_NO = _NoGrads()
_RELEASED = ((_OutRef((0, None, [0])), -1),)  # the guard of a released node: always trips
_HOLDERS = (Tensor, _OutRef)  # saved values that stand for an array (and carry a version)


class Op:
    """A built-in primitive: ``forward(ctx, *arrays)`` computes on the inputs' arrays (numbers and
    other arguments pass as they are) and returns an array or a tuple of arrays; ``backward(ctx,
    *grads)`` returns one gradient per forward argument (None where there is none), on arrays or
    on Tensors alike (see the module docstring). The docstring gives the op's derivative."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("an Op subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("an Op subclass must define backward(ctx, *grads)")

    @classmethod
    def explain_failure(cls, args) -> None:
        """Called when forward raised: raise a clearer error if the arguments explain it."""
        check_devices(cls, args)

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward on the arrays of ``args``; record a node if an input requires grad."""
        need = tuple([type(a) is Tensor and a._rg for a in args])
        ctx = Context(cls, need if state.enabled and True in need else _NO[len(args)])
        try:
            out = cls.forward(ctx, *[a.array if type(a) is Tensor else a for a in args], **kwargs)
        except Exception:
            cls.explain_failure(args)  # the likely cause, said plainly; else the error as it is
            raise
        outs = out if type(out) is tuple else (out,)
        results = tuple([Tensor(o if type(o) is _ndarray else backend.as_array(o)) for o in outs])
        if ctx.needs_input_grad is need:  # recording: some input requires grad
            record_node(ctx, args, results, outs)
        if extend.on_apply:
            for f in extend.on_apply:
                f(ctx, args, results)
        return results if type(out) is tuple else results[0]


def record_node(ctx, args, results, outs):
    """Link ``ctx`` into the graph: parents, input shapes, outputs, guarded saved values."""
    ctx.parents = tuple([None if type(a) is not Tensor or not a._rg else a.grad_fn or a
                         if not a._out_index else (a.grad_fn, a._out_index) for a in args])
    ctx.in_shapes = tuple([a.array.shape if type(a) is Tensor else None for a in args])
    ctx.out_meta = tuple([(r.array.shape, backend.dtype_of(r.array)) for r in results])
    for i, r in enumerate(results):
        if ctx.out_meta[i][1].kind == "f" and (ctx.non_diff is None or id(outs[i]) not in
                                              ctx.non_diff):
            r._rg, r.grad_fn, r._out_index = True, ctx, i
    if ctx.non_diff is not None:
        ctx.non_diff = tuple(i for i, r in enumerate(results) if r.grad_fn is not ctx)
    if ctx._saved:  # what forward saved, as the node keeps it (see _kept), each with its version
        ctx._holders = kept = tuple([_kept(v, args, results, outs) for v in ctx._saved])
        ctx._guards = tuple([(v, v._vc[0]) for v in kept if type(v) in _HOLDERS])


def _kept(v, args, results, outs):
    """An input's array as its Tensor, an output by value (``_OutRef``, so the node does not own
    its output), anything else (a constant, None) as it is."""
    for a in args:
        if type(a) is Tensor and (a.array is v or a is v):
            return a
    for j, o in enumerate(outs):
        if v is o or v is results[j]:
            return _OutRef((j, results[j].array, results[j]._vc))
    return v


class Function(Op):
    """Base class for your own ops, with PyTorch's contract.

    ``forward(ctx, *args)`` gets the Tensors themselves (recording off) and returns a Tensor or a
    tuple; ``backward(ctx, *grads)`` gets Tensors and returns one gradient per forward argument
    (None for non-Tensor arguments; None for a Tensor means zero). Use
    ``ctx.save_for_backward``, ``ctx.saved_tensors`` and ``ctx.needs_input_grad`` as in PyTorch.
    Write ``backward`` with Tensor operations and ``create_graph=True`` differentiates it again.
    """

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward on ``args``; record a node when recording is on and an input needs grad."""
        from .custom import apply_function

        return apply_function(cls, args, kwargs)


def check_devices(cls, args) -> None:
    """Raise if the Tensor arguments are on different devices (minigrad never moves data)."""
    tensors = [a for a in args if type(a) is Tensor]
    if len({t.device for t in tensors}) > 1:
        shapes = ", ".join(f"{t.shape} on {t.device}" for t in tensors)
        raise RuntimeError(
            f"{cls.__name__}: expected all tensors on one device, got {shapes}. Move them with "
            ".to(device) first; minigrad never moves data between devices silently.")


def wrap_output(o, like):
    """A forward's return value as a Tensor (numbers take the dtype of the first input)."""
    if isinstance(o, Tensor):
        return o
    if type(o) in _PY_NUMBERS:
        dt = backend.dtype_of(like) if like is not None else backend.default_float
        host = backend.scalar_array(o, dt)
        return Tensor(backend.from_numpy(host, backend.device_of(like)) if like is not None
                      else host)
    return Tensor(backend.as_array(o))


__all__ = ["Context", "Function", "Op", "no_grad", "record_node", "released_error"]
