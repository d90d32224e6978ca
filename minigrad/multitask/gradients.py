"""Seeing the gradients: what each loss sends to each parameter.

Everything here is one :func:`minigrad.grad` call per loss (``m`` backward passes, the graph
kept between them with ``retain_graph=True``), so nothing is written into ``.grad``:

* :func:`head_grads` - per-loss gradients, their norms, which loss reaches which parameter, and
  the cosine between the losses' gradients on the shared parameters;
* :func:`jacobian` - the ``m x n`` matrix whose row ``i`` is the flattened gradient of loss
  ``i``; :func:`gramian` - ``J J^T``, the ``m x m`` matrix of dot products every weighting uses;
* :func:`flatten` / :func:`unflatten` - parameters to one vector and back;
* :func:`balance_alpha` - the ``alpha`` at which neither of two losses dominates.

The identity behind all of it: the gradient of a sum is the sum of the gradients, and a loss
that does not depend on a parameter contributes exactly zero to it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..autograd import grad, no_grad
from ..backend import float64, host_xp
from ..creation import tensor, zeros_like
from ..ops import cat
from ..tensor import Tensor
from ._inputs import check_devices, named_losses, named_params


def accumulate_grad(p: Tensor, g: Tensor) -> None:
    """``p.grad += g`` as ``backward()`` does it: into the existing ``.grad`` in place, so a
    reference to ``p.grad`` taken before sees the sum; a new tensor (a copy of ``g``) when
    ``p.grad`` is None, or when it is part of a graph (``create_graph``) or read-only."""
    g = g.detach()
    if p.grad is None:
        p.grad = g.clone()
        return
    if not p.grad.requires_grad:
        try:
            with no_grad():
                p.grad.add_(g)
            return
        except (ValueError, TypeError, RuntimeError):
            pass  # a read-only or broadcast .grad array: fall back to a new tensor
    p.grad = p.grad + g


def per_loss_grads(losses, params, retain_graph: bool = True) -> list[list]:
    """``out[i][k]``: d loss_i / d param_k as a Tensor, or None where loss i does not reach
    param k. One backward pass per loss; the last one frees the graph unless ``retain_graph``."""
    tensors = [p for _, p in params]
    out = []
    for i, (_, loss) in enumerate(losses):
        keep = retain_graph or i < len(losses) - 1
        out.append(list(grad(loss, tensors, retain_graph=keep, allow_unused=True)))
    return out


def unreached_params(grads, params, losses, fn: str, allow_unused: bool) -> list[str]:
    """Names of the parameters no loss reaches; raise unless ``allow_unused``."""
    missing = [name for k, (name, _) in enumerate(params)
               if all(row[k] is None for row in grads)]
    if missing and not allow_unused:
        names = ", ".join(repr(n) for n, _ in losses)
        raise ValueError(
            f"{fn}: parameter {missing[0]!r} is not reached by any loss ({names}): none of "
            "them depends on it, so its gradient would be silently zero. Leave it out of the "
            "parameters, check the forward pass uses it, or pass allow_unused=True"
            + (f" (also unreached: {', '.join(map(repr, missing[1:]))})" if missing[1:] else ""))
    return missing


def _common_dtype(tensors):
    return float64 if any(t.dtype == float64 for t in tensors) else tensors[0].dtype


def flatten(params) -> Tensor:
    """All parameters (or gradients) as one 1-D vector, in order: ``cat([p.reshape(-1)])``.

    Differentiable; mixed float32/float64 inputs give a float64 vector.
    """
    if isinstance(params, Tensor):
        ts = [params]
    else:
        ts = list(params.values()) if isinstance(params, dict) else list(params)
    if not ts:
        raise ValueError("flatten: got no tensors")
    dt = _common_dtype(ts)
    return cat([t.reshape(-1) if t.dtype == dt else t.reshape(-1).to(dt) for t in ts])


def unflatten(vector: Tensor, like) -> list[Tensor]:
    """Cut a 1-D ``vector`` back into pieces shaped (and typed) like the tensors in ``like``."""
    like = list(like.values()) if isinstance(like, dict) else list(like)
    if not isinstance(vector, Tensor) or vector.ndim != 1:
        raise ValueError(f"unflatten: expected a 1-D Tensor, got "
                         f"{getattr(vector, 'shape', type(vector).__name__)}")
    total = sum(t.numel() for t in like)
    if vector.shape[0] != total:
        raise ValueError(
            f"unflatten: the vector has {vector.shape[0]} entries but the {len(like)} tensors "
            f"in like= have {total} in all (shapes {[t.shape for t in like]})")
    out, start = [], 0
    for t in like:
        piece = vector[start:start + t.numel()].reshape(t.shape)
        out.append(piece if piece.dtype == t.dtype else piece.to(t.dtype))
        start += t.numel()
    return out


def jacobian(losses, params, allow_unused: bool = False, retain_graph: bool = True) -> Tensor:
    """The ``m x n`` Jacobian: row ``i`` is the flattened gradient of loss ``i`` w.r.t. all
    ``params`` (zeros where the loss does not reach a parameter). Stays on the losses' device.

    Cost: ``m`` backward passes. ``retain_graph=False`` frees the graph after the last one.
    """
    ls = named_losses(losses, "jacobian")
    ps = named_params(params, "jacobian")
    if not ps:
        raise ValueError("jacobian: got no parameters")
    check_devices(ls, ps, "jacobian")
    grads = per_loss_grads(ls, ps, retain_graph)
    unreached_params(grads, ps, ls, "jacobian", allow_unused)
    return jacobian_from_grads(grads, ps)


def jacobian_from_grads(grads, params) -> Tensor:
    rows = [flatten([g if g is not None else zeros_like(p) for g, (_, p) in zip(row, params)])
            for row in grads]
    return cat([r.reshape((1, -1)) for r in rows])


def gramian(J: Tensor) -> Tensor:
    """``J @ J.T``: entry ``(i, j)`` is ``g_i . g_j``, on ``J``'s device and in its dtype."""
    if not isinstance(J, Tensor) or J.ndim != 2:
        raise ValueError(f"gramian: expected a 2-D Tensor (m tasks x n parameters), got "
                         f"{getattr(J, 'shape', type(J).__name__)}")
    return J @ J.T


def host_gramian(J: Tensor):
    """``J J^T`` computed on J's device, then copied to the host as a float64 array: the only
    transfer a weighting makes (``m x m`` numbers, whatever ``n`` is)."""
    G = gramian(J.detach())
    return host_xp.asarray(G.numpy(), dtype=host_xp.float64)


@dataclass
class GradNorms:
    """Norms of one loss's gradient: per parameter (by name) and over all of them."""
    per_param: dict
    total: float


@dataclass
class HeadGrads:
    """What :func:`head_grads` found. Fields (``m`` losses, ``k`` parameters):

    ``names``: the loss names; ``params``: the parameter names; ``grads[loss]``: one Tensor per
    parameter (zeros where the loss does not reach it); ``reached[loss]``: one bool per
    parameter; ``norms[loss]``: :class:`GradNorms`; ``shared``: the parameters reached by at
    least two losses; ``unreached``: those reached by none (only with ``allow_unused=True``);
    ``gramian``/``cosine``: ``m x m`` float64 Tensors over the flattened *shared* gradients
    (cosine is NaN where a loss's shared gradient has norm zero).
    """
    names: list
    params: list
    grads: dict
    reached: dict
    norms: dict
    shared: list
    unreached: list = field(default_factory=list)
    gramian: Tensor | None = None
    cosine: Tensor | None = None

    def summary(self) -> str:
        """A small text table: gradient norm of each loss on each parameter ('-' = unreached)."""
        w = max([len(p) for p in self.params] + [9])
        cols = [max(len(n), 10) for n in self.names]
        lines = [" " * w + "  " + "  ".join(n.rjust(c) for n, c in zip(self.names, cols))]
        for k, p in enumerate(self.params):
            cells = [(f"{self.norms[n].per_param[p]:.4g}" if self.reached[n][k] else "-")
                     .rjust(c) for n, c in zip(self.names, cols)]
            lines.append(p.ljust(w) + "  " + "  ".join(cells) + ("   (shared)" if p in
                                                                   self.shared else ""))
        lines.append("total".ljust(w) + "  " + "  ".join(
            f"{self.norms[n].total:.4g}".rjust(c) for n, c in zip(self.names, cols)))
        return "\n".join(lines)


def head_grads(losses, params, allow_unused: bool = False,
               retain_graph: bool = True) -> HeadGrads:
    """Each loss's gradient on each parameter, without touching ``.grad``.

    ``losses``: dict ``{name: scalar}`` (or a list); ``params``: the parameters to look at
    (shared and head ones alike). Costs ``m`` backward passes; the graph is kept
    (``retain_graph=True``) so you can still call ``backward`` afterwards.

    Per-head gradients add up to the gradient of the summed loss, and a head's parameters get
    exactly zero from every other head's loss: that is what ``reached`` shows.
    """
    ls = named_losses(losses, "head_grads")
    ps = named_params(params, "head_grads")
    if not ps:
        raise ValueError("head_grads: got no parameters")
    check_devices(ls, ps, "head_grads")
    raw = per_loss_grads(ls, ps, retain_graph)
    unreached = unreached_params(raw, ps, ls, "head_grads", allow_unused)
    names = [n for n, _ in ls]
    pnames = [n for n, _ in ps]
    grads, reached, norms = {}, {}, {}
    for (lname, _), row in zip(ls, raw):
        reached[lname] = [g is not None for g in row]
        grads[lname] = [g if g is not None else zeros_like(p) for g, (_, p) in zip(row, ps)]
        per = {pn: math.sqrt(float((g * g).sum().item())) for pn, g in zip(pnames, grads[lname])}
        norms[lname] = GradNorms(per, math.sqrt(sum(v * v for v in per.values())))
    shared_idx = [k for k in range(len(ps)) if sum(reached[n][k] for n in names) >= 2]
    G = host_xp.zeros((len(names), len(names)))
    if shared_idx:
        J = cat([flatten([grads[n][k].to(float64) for k in shared_idx]).reshape((1, -1))
                 for n in names])
        G = host_gramian(J)
    return HeadGrads(names, pnames, grads, reached, norms, [pnames[k] for k in shared_idx],
                     unreached, tensor(G, dtype=float64), tensor(cosine_from_gramian(G)))


def cosine_from_gramian(G):
    """``G_ij / sqrt(G_ii G_jj)`` on the host, NaN where a diagonal entry is zero."""
    d = host_xp.sqrt(host_xp.clip(host_xp.diag(G), 0.0, None))
    denom = host_xp.outer(d, d)
    cos = host_xp.full(G.shape, host_xp.nan)
    ok = denom > 0
    cos[ok] = host_xp.clip(G[ok] / denom[ok], -1.0, 1.0)
    return cos


def balance_alpha(loss1: Tensor, loss2: Tensor, params) -> float:
    """The ``alpha`` at which ``alpha * grad(loss1)`` and ``(1 - alpha) * grad(loss2)`` have
    equal norm on ``params``: ``alpha = |g2| / (|g1| + |g2|)``, so neither loss dominates.

    A starting point for a sweep, not an optimum: it balances gradient *sizes* at the current
    parameters only. Costs two backward passes (the graph is kept).
    """
    ls = named_losses({"loss1": loss1, "loss2": loss2}, "balance_alpha")
    ps = named_params(params, "balance_alpha")
    check_devices(ls, ps, "balance_alpha")
    raw = per_loss_grads(ls, ps, retain_graph=True)
    unreached_params(raw, ps, ls, "balance_alpha", allow_unused=False)
    n1, n2 = (math.sqrt(sum(float((g * g).sum().item()) for g in row if g is not None))
              for row in raw)
    if n1 + n2 == 0.0:
        raise ValueError("balance_alpha: both gradients are exactly zero on these parameters, "
                         "so every alpha balances them; pick the parameters both losses train")
    return n2 / (n1 + n2)
