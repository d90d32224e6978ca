"""Several losses, one network: per-head gradients, weightings, scalarizers and alpha sweeps.

Written only on minigrad's public engine API (``minigrad.grad``, ``Tensor.backward``, hooks), so
every function here doubles as a worked example of using the engine.

The one identity underneath: ``grad sum_i w_i L_i = sum_i w_i grad L_i`` for constant
``w_i``. A shared parameter receives the sum of every loss's contribution (the engine adds on
every fan-out); a head parameter receives only its own loss's gradient.

Seeing gradients
    :func:`head_grads` (per-loss gradients, norms, cosines, who reaches what),
    :func:`jacobian` (``m x n``), :func:`gramian` (``m x m``), :func:`flatten`,
    :func:`unflatten`, :func:`balance_alpha`.

Scalarizers (losses -> one loss, then one ``backward``)
    :class:`FixedWeights`, :class:`LearnedAlpha` (the cautionary one: it collapses),
    :class:`UncertaintyWeighting`.

Choosing alpha
    :func:`alpha_sweep`, :func:`pareto_front`.

Costs (``m`` losses)
    * Scalarizers (fixed weights, learned alpha, uncertainty weighting): one backward pass per
      step, exactly as a single loss.
    * :func:`head_grads`, :func:`jacobian`, :func:`balance_alpha`: ``m`` backward passes (one
      ``grad()`` per loss; the graph is retained between them), nothing written to ``.grad``.
"""
from .gradients import (
    GradNorms,
    HeadGrads,
    balance_alpha,
    flatten,
    gramian,
    head_grads,
    jacobian,
    unflatten,
)
from .scalarizers import FixedWeights, LearnedAlpha, Scalarizer, UncertaintyWeighting
from .sweep import SweepPoint, SweepResult, alpha_sweep, pareto_front

__all__ = [
    "head_grads", "HeadGrads", "GradNorms", "jacobian", "gramian", "flatten", "unflatten",
    "balance_alpha", "Scalarizer", "FixedWeights", "LearnedAlpha", "UncertaintyWeighting",
    "alpha_sweep", "pareto_front", "SweepPoint", "SweepResult",
]
