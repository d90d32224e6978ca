"""``Function`` (an op's forward and backward rules) and ``Context`` (one node of the graph).

Calling ``MyOp.apply(x, y)`` runs ``MyOp.forward(ctx, x, y)`` with recording off and, when some
input requires grad and recording is on, keeps ``ctx`` as the node that produced the outputs. The
node remembers, per forward argument, where its gradient must go (``ctx.parents``: another node,
a leaf tensor, or None), the values saved for backward, and the shape each input was broadcast to.
It never holds a strong reference to its own outputs, so freeing the loss frees the graph.

Built-in ops set ``raw = True``: their forward receives raw arrays and their backward receives
raw arrays and ``ctx.xp`` (the array library) when no graph is recorded, or Tensors and
``ctx.xp = minigrad`` when ``create_graph=True``. The same rule serves both modes.
"""
from __future__ import annotations

import contextvars
import itertools

from .. import backend
from ..tensor import Tensor
from . import anomaly, grad_mode

_counter = itertools.count()
# override_gradient's registry: {Function class: backward rule}, bound when the forward runs.
_overrides: contextvars.ContextVar = contextvars.ContextVar("minigrad_overrides", default=None)
# Ops whose output may share memory with their first input (reshape, permute, broadcast_to,
# indexing); minigrad.ops fills it. A saved view of a leaf is version-checked through the leaf.
_view_ops: set = set()


def _version_source(v):
    """The tensor whose version guards the saved tensor ``v``: ``v`` itself, or the leaf it is a
    view of (``linear`` saves ``w.T``; an optimizer step changes ``w``, and so ``w.T``)."""
    node = v.grad_fn
    while node is not None and node.fn in _view_ops and node.view:
        p = node.parents[0]
        if type(p) is Tensor:
            return p
        node = p
    return v


class _OutRef:
    """A saved *output*: kept by value (the array) so the node does not own its output Tensor."""

    __slots__ = ("index", "array")

    def __init__(self, index, array):
        self.index, self.array = index, array


class Context:
    """One recorded op application: the node of the graph and the ``ctx`` of its rules."""

    __slots__ = ("fn", "parents", "parent_idx", "needs_input_grad", "in_shapes", "out_meta",
                 "_saved", "xp", "graph_mode", "seq", "__dict__", "__weakref__")

    # Rarely set, so class-level defaults (an instance only stores what differs): keeps the
    # per-op cost of recording a node low.
    bshapes = None  # shape each input was broadcast to (set_broadcast)
    non_diff = None  # indices of outputs that carry no gradient
    released = False  # saved values freed by a backward without retain_graph
    hooks = None  # {output index: [hook, ...]} for hooks on this node's outputs
    retained = None  # {output index: weakref to the tensor} for retain_grad
    rule = None  # a backward rule swapped in by override_gradient
    origin = None  # the user's code line (anomaly mode only)
    _versions = None  # per saved value: (what guards it, its version when saved)
    view = True  # for ops in _view_ops: does this application return a view of its input?

    def __init__(self, fn):
        self.fn = fn
        self._saved = ()
        self.seq = next(_counter)  # creation order: a node is always newer than its inputs' nodes

    @property
    def name(self) -> str:
        return self.fn.__name__ + "Backward"

    # ---------------------------------------------------------------- used inside forward
    def save_for_backward(self, *values) -> None:
        """Keep inputs or outputs (Tensors, or arrays in built-in ops) for the backward rule."""
        self._saved = values

    def mark_non_differentiable(self, *outputs) -> None:
        """Declare outputs (e.g. indices) that never carry a gradient."""
        self.non_diff = tuple(id(o) for o in outputs)

    def set_broadcast(self, *shapes) -> None:
        """Record the shape each input was broadcast to (one entry per forward argument).

        The backward rule may then return gradients of those shapes; the engine sums them back
        to each input's own shape. Nothing else is reduced for it.
        """
        self.bshapes = shapes

    # ---------------------------------------------------------------- used inside backward
    @property
    def saved_tensors(self) -> tuple:
        """The saved values as Tensors (outputs come back re-attached to this node)."""
        if self.released:
            raise _released_error(self)
        self._check_versions()
        return tuple(self._as_tensor(v) for v in self._saved)

    @property
    def saved(self) -> tuple:
        """Built-in ops: the saved values as arrays, or as Tensors when recording a graph."""
        if self.released:
            raise _released_error(self)
        if self._versions is not None:
            self._check_versions()
        if self.graph_mode:
            return tuple([self._as_tensor(v) for v in self._saved])
        return tuple([v.data if type(v) is Tensor else v.array if type(v) is _OutRef else v
                      for v in self._saved])

    def _as_tensor(self, v):
        if type(v) is _OutRef:
            return Tensor(v.array, requires_grad=True, grad_fn=self, out_index=v.index)
        return v

    def _check_versions(self):
        """Raise if a saved value changed in place since it was saved. Each entry of
        ``_versions`` is (what guards it, its version when saved): a saved tensor is guarded by
        its own version counter (shared with the tensor it is a view of, and with ``detach()``
        results); a saved output, kept as its array, by that output's counter."""
        if self._versions is None:
            return
        for v, guard in zip(self._saved, self._versions):
            if guard is None:
                continue
            src, ver = guard
            now = src._vc[0] if type(src) is Tensor else src[0]
            if now == ver:
                continue
            if type(v) is Tensor:
                what, shape, base = "a tensor", v.shape, _version_source(v)
                view = "" if base is v else f" (a view of a tensor of shape {base.shape})"
            else:
                what, shape, view = "an output", tuple(v.array.shape), ""
            raise RuntimeError(
                f"{self.name}: {what} of shape {shape}{view} saved for backward was "
                f"modified in place (it is at version {now}; the op saved version "
                f"{ver}). Compute the loss again after changing it, or change a clone "
                "(.clone()). An optimizer step changes its parameters in place: run every "
                "backward through a graph before opt.step() (or sum the losses first)."
            )

    # ---------------------------------------------------------------- hooks on outputs
    def hooks_for(self, index: int) -> list:
        if self.hooks is None:
            self.hooks = {}
        return self.hooks.setdefault(index, [])

    def retain(self, index: int, ref) -> None:
        if self.retained is None:
            self.retained = {}
        self.retained[index] = ref

    def release(self) -> None:
        """Free what was saved for backward; links to other nodes stay (for drawing the graph)."""
        self._saved = ()
        self._versions = None
        self.released = True

    def __repr__(self):
        return f"<{self.name}>"


def _released_error(node) -> RuntimeError:
    return RuntimeError(
        f"Trying to backward through {node.name} a second time: its saved values were freed "
        "after the first backward. Pass retain_graph=True to the first backward (or grad) if you "
        "need to go through the graph again."
    )


class Function:
    """Base class of every op. Subclass it, write ``forward``/``backward``, call ``.apply``.

    ``forward(ctx, *args)`` gets Tensors with recording off and returns a Tensor or a tuple;
    ``backward(ctx, *grads)`` returns one gradient per forward argument (None for non-Tensor
    arguments; None for a Tensor means zero).
    """

    raw = False  # built-in ops: forward/backward on raw arrays when possible

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("a Function subclass must define backward(ctx, *grads)")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward on ``args``; record a node when recording is on and an input needs grad."""
        if cls.raw:
            return _apply_raw(cls, args, kwargs)
        return _apply_user(cls, args, kwargs)


_FALSES = [(False,) * n for n in range(9)]


def _apply_raw(cls, args, kwargs):
    """Built-in ops: forward on raw arrays. The hot path of every op, so written flat."""
    arrays = []
    tensors = []
    record = False
    off_host = False
    for a in args:
        if isinstance(a, Tensor):
            tensors.append(a)
            d = a.data
            arrays.append(d)
            if type(d) is not _ndarray:
                off_host = True
            if a._rg:
                record = True
        else:
            arrays.append(a)
    if off_host and len(tensors) > 1:  # all-NumPy inputs are on one device by construction
        _check_devices(cls, tensors)
    record = record and grad_mode._enabled
    ctx = Context(cls)
    n = len(args)
    if record:
        ctx.needs_input_grad = tuple([isinstance(a, Tensor) and a._rg for a in args])
    else:
        ctx.needs_input_grad = _FALSES[n] if n < 9 else (False,) * n
    out = cls.forward(ctx, *arrays, **kwargs)
    like = tensors[0].data if tensors else None
    if type(out) is _ndarray:  # the common case: one NumPy array out
        outs = (out,)
        results = (Tensor(out),)
    else:
        outs = out if type(out) is tuple else (out,)
        results = tuple([_wrap_output(o, like) for o in outs])
    if cls in _view_ops and ctx.view:  # a view shares its base's version counter (as in
        results[0]._vc = args[0]._vc  # PyTorch): writing through either is seen by both
    if anomaly._enabled:
        anomaly.check_forward(cls, args, results)
    if record:
        _record(cls, ctx, args, arrays, results, outs)
    return results if type(out) is tuple else results[0]


def _apply_user(cls, args, kwargs):
    """User Functions: forward on Tensors with recording off (PyTorch's contract)."""
    tensors = [a for a in args if isinstance(a, Tensor)]
    if len(tensors) > 1:
        _check_devices(cls, tensors)
    record = grad_mode._enabled and any(t._rg for t in tensors)
    ctx = Context(cls)
    ctx.needs_input_grad = (tuple([isinstance(a, Tensor) and a._rg for a in args]) if record
                            else (False,) * len(args))
    with grad_mode.no_grad():
        out = cls.forward(ctx, *args, **kwargs)
    single = not isinstance(out, tuple)
    outs = (out,) if single else out
    like = tensors[0].data if tensors else None
    results = tuple(_wrap_output(o, like) for o in outs)
    if any(r is t for r in results for t in tensors):
        # forward returned an input as is: give the output its own Tensor (same data), or
        # recording would turn the caller's input into this node's output
        results = tuple(Tensor(r.data) if any(r is t for t in tensors) else r for r in results)
    if anomaly._enabled:
        anomaly.check_forward(cls, args, results)
    if record:
        _record(cls, ctx, args, None, results, outs)
    return results[0] if single else results


_ndarray = backend.ndarray
_PY_NUMBERS = (int, float, bool)


def _wrap_output(o, like):
    if type(o) is _ndarray:  # the common case first
        return Tensor(o)
    if isinstance(o, Tensor):
        return o
    if type(o) in _PY_NUMBERS:  # a number from a user forward: a 0-d tensor of the input dtype
        dt = backend.dtype_of(like) if like is not None else backend.default_float
        host = backend.scalar_array(o, dt)
        return Tensor(backend.from_numpy(host, backend.device_of(like)) if like is not None
                      else host)
    return Tensor(backend.as_array(o))  # NumPy returns scalars for 0-d results: make them arrays


def _record(cls, ctx, args, arrays, results, outs):
    parents = []
    idx = []
    shapes = []
    for a in args:  # (ctx.needs_input_grad was set by apply, before forward)
        if isinstance(a, Tensor):
            shapes.append(a.data.shape)
            if a._rg:
                if a.grad_fn is None:
                    parents.append(a)
                    idx.append(0)
                else:
                    parents.append(a.grad_fn)
                    idx.append(a._out_index)
                continue
        else:
            shapes.append(None)
        parents.append(None)
        idx.append(0)
    ctx.parents = tuple(parents)
    ctx.parent_idx = tuple(idx)
    ctx.in_shapes = tuple(shapes)
    non_diff = ctx.non_diff
    meta = []
    for i, r in enumerate(results):
        d = r.data
        dt = d.dtype if type(d) is _ndarray else backend.dtype_of(d)
        meta.append((tuple(d.shape), dt))
        if non_diff is not None and (id(r) in non_diff or id(d) in non_diff):
            continue
        if dt.kind == "f":
            r._rg = True
            r.grad_fn = ctx
            r._out_index = i
    ctx.out_meta = meta
    if non_diff is not None:
        ctx.non_diff = tuple(i for i, r in enumerate(results) if r.grad_fn is not ctx)
    # Saved values: map raw arrays back to the tensors they came from (inputs) or to output refs.
    saved = ctx._saved
    if saved:
        conv, versions = [], []
        for s in saved:  # (inlined: this runs for every recorded op)
            entry = None
            if arrays is not None:  # built-in op: most saved values are its input arrays
                for a, arr in zip(args, arrays):
                    if arr is s and isinstance(a, Tensor):
                        entry = a
                        break
            if entry is None:
                entry = _saved_entry(s, args, arrays, results, outs)
            conv.append(entry)
            t = type(entry)
            if t is Tensor:  # guarded by its counter (a view shares its base's counter)
                versions.append((entry, entry._vc[0]))
            elif t is _OutRef:  # an output: guarded by the output tensor's counter
                vc = results[entry.index]._vc
                versions.append((vc, vc[0]))
            else:
                versions.append(None)
        ctx._saved = tuple(conv)
        ctx._versions = tuple(versions)
    rules = _overrides.get()
    if rules is not None:
        ctx.rule = rules.get(cls)
    if anomaly._enabled:
        ctx.origin = anomaly.user_frame()


def _saved_entry(s, args, arrays, results, outs):
    """A saved value as the node keeps it: an output by value (``_OutRef``), an input as its
    Tensor, anything else as a constant. Outputs are matched against what forward returned
    (a NumPy scalar result is the same object there, before it was made a 0-d array)."""
    if s is None or type(s) in _PY_NUMBERS:
        return s
    for j, (o, r) in enumerate(zip(outs, results)):
        if s is o or s is r:
            return _OutRef(j, r.data)
    if isinstance(s, Tensor):
        return s
    if arrays is not None:
        for a, arr in zip(args, arrays):
            if arr is s and isinstance(a, Tensor):
                return a
    return Tensor(backend.as_array(s))


def _check_devices(cls, tensors):
    t0 = type(tensors[0].data)
    if all(type(t.data) is t0 for t in tensors) and t0.__module__ == "numpy":
        return
    devs = [t.device for t in tensors]
    if len(set(devs)) > 1:
        shapes = ", ".join(f"{t.shape} on {d}" for t, d in zip(tensors, devs))
        raise RuntimeError(
            f"{cls.__name__}: expected all tensors on one device, got {shapes}. Move them with "
            ".to(device) first; minigrad never moves data between devices silently."
        )
