"""Version guards for saved values: a backward that needs a value changed in place since its
forward saved it raises, naming the op, the shape and both versions.

Every in-place op (``add_``, ``x[i] = v``, ``+=``, optimizer steps) bumps the tensor's version
counter; views and ``detach()`` results share their base's counter, as in PyTorch. Only what an
op actually saved is guarded: ``y = x * 2`` saves the constant, so changing ``x`` afterwards
does not stop ``y.backward()``.
"""
from __future__ import annotations

from ..tensor import Tensor
from .function import _OutRef


def guard_saved(ctx, args, results, outs) -> None:
    """Turn each saved value into what it is (an input Tensor, an output by value, or a
    constant) and remember its version."""
    saved, versions = [], []
    for s in ctx._saved:
        v = _identify(s, args, results, outs)
        saved.append(v)
        if type(v) is Tensor:  # its counter is read anew at check time: an in-place op on a
            versions.append((v, v._vc[0]))  # non-leaf gives the tensor a new counter
        elif type(v) is _OutRef:
            versions.append((v.vc, v.vc[0]))
        else:
            versions.append(None)
    ctx._saved = tuple(saved)
    ctx._versions = tuple(versions)


def _identify(s, args, results, outs):
    for a in args:
        if type(a) is Tensor and (a.data is s or a is s):
            return a
    for j, o in enumerate(outs):
        if s is o or s is results[j]:
            r = results[j]
            return _OutRef(j, r.data, r._vc)
    return s


def check_versions(ctx) -> None:
    for v, guard in zip(ctx._saved, ctx._versions):
        if guard is None:
            continue
        src, ver = guard
        now = src._vc[0] if type(src) is Tensor else src[0]
        if now == ver:
            continue
        if type(v) is Tensor:
            what, shape, base = "a tensor", v.shape, _base(v)
            if base is not None:
                shape = f"{shape} (a view of a tensor of shape {base.shape})"
        else:
            what, shape = "an output", tuple(v.array.shape)
        raise RuntimeError(
            f"{ctx.name}: {what} of shape {shape} saved for backward was modified in place (it "
            f"is at version {now}; the op saved version {ver}). Compute the loss again after "
            "changing it, or change a clone (.clone()). An optimizer step changes its parameters "
            "in place: run every backward through a graph before opt.step() (or sum the losses "
            "first)."
        )


def _base(v):
    """The leaf ``v`` is a view of (it shares ``v``'s version counter), for the message."""
    node = v.grad_fn
    for _ in range(64):
        if node is None:
            return None
        p = node.parents[0] if node.parents else None
        p = p[0] if type(p) is tuple else p
        if type(p) is Tensor:
            return p if p._vc is v._vc else None
        node = p
    return None
