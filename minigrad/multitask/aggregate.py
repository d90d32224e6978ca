"""Writing a weighting's combined direction into ``.grad``: the multi-task ``backward``.

* :func:`aggregate` - Jacobian w.r.t. the shared *parameters* (``m`` backward passes), one
  direction from the weighting, added into the shared parameters' ``.grad``; each head's
  parameters get their own loss's ordinary gradient (torchjd's ``mtl_backward`` semantics).
* :func:`aggregate_rep` - the representation variant (MGDA-UB, Sener & Koltun 2018; LibMTL's
  ``rep_grad``): the Jacobian w.r.t. the shared *representation* ``z`` (``m`` passes through
  the heads only, since ``grad()`` visits only nodes between the losses and ``z``), one
  direction ``d_z`` from the weighting, then **one** pass through the trunk,
  ``grad(z, shared_params, grad_outputs=d_z)``.

Both accumulate like ``backward`` (``.grad += ...`` in place: a reference to ``.grad`` held
before stays valid): call ``optimizer.zero_grad()`` first.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..autograd import grad
from ..creation import tensor
from ..tensor import Tensor
from ._inputs import check_devices, named_losses, named_params
from .gradients import accumulate_grad as _accumulate
from .gradients import jacobian_from_grads, per_loss_grads, unflatten, unreached_params
from .weightings import MGDA, Weighting


@dataclass
class Aggregation:
    """What one aggregation step did: the task ``weights`` (dict name -> float, or None for a
    weighting without weights), the combined ``direction`` and the ``jacobian`` it came from."""
    weights: dict | None
    direction: Tensor
    jacobian: Tensor


def _combine(J, weighting, names):
    if isinstance(weighting, Weighting):
        w = weighting.weights_for(J)
        d = tensor(w.numpy(), dtype=J.dtype, device=J.device) @ J
        return d, dict(zip(names, w.tolist()))
    if not callable(weighting):
        raise TypeError(f"aggregate: weighting must be a Weighting or a callable J -> d, got "
                        f"{type(weighting).__name__}")
    d = weighting(J)
    if not isinstance(d, Tensor) or d.shape != (J.shape[1],):
        raise ValueError(f"aggregate: the weighting returned "
                         f"{getattr(d, 'shape', type(d).__name__)}, expected shape "
                         f"({J.shape[1]},) (one entry per column of J)")
    return d, None


def _split(shared_params, head_params, fn):
    S = named_params(shared_params, fn, "shared_params")
    H = named_params(head_params, fn, "head_params")
    if not S:
        raise ValueError(f"{fn}: got no shared parameters")
    ids = {id(p): n for n, p in S}
    for n, p in H:
        if id(p) in ids:
            raise ValueError(f"{fn}: parameter {n!r} is in both shared_params and head_params "
                             f"(as {ids[id(p)]!r}); a parameter is either shared or a head's")
    return S, H


def _head_grads(ls, H, rows, fn):
    """Add each head parameter's one loss gradient; a 'head' parameter two losses reach is
    really shared, which is an error."""
    for k, (pname, p) in enumerate(H):
        hits = [(ls[i][0], row[k]) for i, row in enumerate(rows) if row[k] is not None]
        if len(hits) > 1:
            raise ValueError(
                f"{fn}: head parameter {pname!r} is reached by losses "
                f"{', '.join(repr(n) for n, _ in hits)}: it is shared, so list it in "
                "shared_params")
        if hits:
            _accumulate(p, hits[0][1])


def aggregate(losses, shared_params, head_params, weighting, allow_unused: bool = False,
              retain_graph: bool = False) -> Aggregation:
    """One multi-task backward step: the weighting decides the shared parameters' gradient.

    Computes ``J`` (rows: each loss's gradient on ``shared_params``, flattened), adds
    ``d = weighting(J)`` into the shared parameters' ``.grad`` and each head parameter's own
    loss gradient into its ``.grad``. Costs ``m`` backward passes over the shared *and* head
    parameters (the graph is freed after the last unless ``retain_graph``).
    """
    ls = named_losses(losses, "aggregate")
    S, H = _split(shared_params, head_params, "aggregate")
    check_devices(ls, S + H, "aggregate")
    rows = per_loss_grads(ls, S + H, retain_graph)
    unreached_params(rows, S + H, ls, "aggregate", allow_unused)
    J = jacobian_from_grads([row[:len(S)] for row in rows], S)
    d, w = _combine(J, weighting, [n for n, _ in ls])
    for p, g in zip([p for _, p in S], unflatten(d, [p for _, p in S])):
        _accumulate(p, g)
    _head_grads(ls, H, [row[len(S):] for row in rows], "aggregate")
    return Aggregation(w, d, J)


def aggregate_rep(losses, rep: Tensor, shared_params, head_params, weighting,
                  allow_unused: bool = False, retain_graph: bool = False) -> Aggregation:
    """The representation variant (MGDA-UB when ``weighting`` is :class:`MGDA`).

    ``rep`` is the shared representation ``z`` (the trunk's output that every head reads).
    The Jacobian is taken w.r.t. ``z`` (``m x z.numel()``, batch included): ``m`` passes
    through the heads only. The combined ``d_z`` then goes through the trunk once:
    ``grad(z, shared_params, grad_outputs=d_z)``. Exact when every loss reaches the trunk only
    through ``z`` (a skip connection around ``z`` would be missed). Sener & Koltun show that
    MGDA on ``z`` minimises an upper bound of MGDA on the parameters.
    """
    ls = named_losses(losses, "aggregate_rep")
    if not isinstance(rep, Tensor) or not rep.requires_grad:
        raise ValueError("aggregate_rep: rep must be the shared representation, a Tensor that "
                         "requires grad (the trunk's output)")
    S, H = _split(shared_params, head_params, "aggregate_rep")
    check_devices(ls, S + H, "aggregate_rep")
    Z = [("rep", rep)]
    rows = per_loss_grads(ls, Z + H, retain_graph=True)
    unreached_params([row[:1] for row in rows], Z, ls, "aggregate_rep", allow_unused)
    J = jacobian_from_grads([row[:1] for row in rows], Z)
    d, w = _combine(J, weighting, [n for n, _ in ls])
    trunk = grad(rep, [p for _, p in S], grad_outputs=d.reshape(rep.shape).to(rep.dtype),
                 retain_graph=retain_graph, allow_unused=True)  # the one pass through the trunk
    unreached_params([list(trunk)], S, [("rep", rep)], "aggregate_rep", allow_unused)
    for (_, p), g in zip(S, trunk):
        if g is not None:
            _accumulate(p, g)
    _head_grads(ls, H, [row[1:] for row in rows], "aggregate_rep")
    return Aggregation(w, d, J)



def mgda_ub(losses, rep: Tensor, shared_params, head_params, **kwargs) -> Aggregation:
    """MGDA-UB (Sener & Koltun, NeurIPS 2018): :func:`aggregate_rep` with :class:`MGDA`."""
    return aggregate_rep(losses, rep, shared_params, head_params, MGDA(), **kwargs)
