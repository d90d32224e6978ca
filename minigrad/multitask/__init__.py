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
    :class:`UncertaintyWeighting`, :class:`IMTLL`, :class:`RLW`, :class:`DWA`, :class:`FAMO`,
    :class:`GradNorm`.

Weightings (the task Jacobian ``J`` -> one direction ``d = J^T w``; ``w`` from ``G = J J^T``)
    :class:`MGDA`, :class:`PCGrad`, :class:`CAGrad`, :class:`IMTLG`, :class:`AlignedMTL`,
    :class:`UPGrad`, :class:`DualProj`, :class:`ConFIG`, :class:`GradVac`, :class:`NashMTL`,
    :class:`FairGrad`, :class:`Krum`, :class:`Random`; coordinate-wise aggregators
    (:class:`TrimmedMean`, :class:`GradDrop`, :class:`ExcessMTL`); :func:`aggregate` writes
    the result into ``.grad`` (heads get their own loss's gradient); :func:`aggregate_rep` is
    the representation variant (:func:`mgda_ub` is it with MGDA). The ``m x m`` problems
    are solved on the host in float64 (``minigrad.backend.host_xp``) to a KKT residual of
    ``1e-10``; ``J`` stays on its device and only ``G`` travels.

Choosing alpha
    :func:`alpha_sweep`, :func:`pareto_front`, :func:`cv_alpha` (k-fold, scored on one
    alpha-independent metric); :func:`run_grid` runs their grids on processes (joblib) or a
    Dask cluster (``n_jobs=``, ``client=``) with results bit-identical to the serial loop.

Training two objectives by turns
    :func:`admm` (block steps plus a dual variable; converges to the joint minimiser for convex
    pieces), :func:`alternate` (block steps alone: a limit cycle near it).

Costs (``m`` losses)
    * Scalarizers (fixed weights, learned alpha, uncertainty weighting, DWA): one backward
      pass per step, exactly as a single loss. FAMO: the same plus one extra *forward* pass
      (the batch's losses after the step) for its weight update.
    * GradNorm: ``m`` extra backward passes over the chosen shared parameters to get the
      per-task gradient norms; the generic form also records them (``create_graph=True``) and
      differentiates through them (a double backward); the analytic form does not.
    * :func:`head_grads`, :func:`jacobian`, :func:`balance_alpha`: ``m`` backward passes (one
      ``grad()`` per loss; the graph is retained between them), nothing written to ``.grad``.
    * Parameter-space weightings (:func:`aggregate` with any weighting): ``m`` backward passes
      through the whole network (one per loss, over shared and head parameters), one ``m x n``
      Jacobian in memory, one ``m x m`` transfer to the host and a tiny host solve.
    * Representation variants (:func:`aggregate_rep`, e.g. MGDA-UB): ``m`` passes through the
      heads only (``grad()`` w.r.t. the shared representation stops there) plus **one** pass
      through the trunk with the combined gradient; the Jacobian is ``m x z.numel()``.
"""
from .admm import ADMMResult, admm, alternate, gradient_prox
from .aggregate import Aggregation, aggregate, aggregate_rep, mgda_ub
from .bargaining import FairGrad, NashMTL
from .dynamic import DWA, FAMO
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
from .gradnorm import GradNorm
from .parallel import run_grid
from .projections import ConFIG, DualProj, GradVac
from .random_weights import RLW, Random
from .robust import Aggregator, ExcessMTL, GradDrop, Krum, TrimmedMean
from .scalarizers import IMTLL, FixedWeights, LearnedAlpha, Scalarizer, UncertaintyWeighting
from .sweep import CVResult, SweepPoint, SweepResult, alpha_sweep, cv_alpha, pareto_front
from .weightings import IMTLG, MGDA, AlignedMTL, CAGrad, PCGrad, UPGrad, Weighting

__all__ = [
    "head_grads", "HeadGrads", "GradNorms", "jacobian", "gramian", "flatten", "unflatten",
    "balance_alpha", "Scalarizer", "FixedWeights", "LearnedAlpha", "UncertaintyWeighting",
    "alpha_sweep", "pareto_front", "SweepPoint", "SweepResult", "Weighting", "MGDA", "PCGrad",
    "CAGrad", "IMTLG", "AlignedMTL", "UPGrad", "aggregate", "aggregate_rep", "Aggregation",
    "DWA", "FAMO", "GradNorm", "cv_alpha", "CVResult", "admm", "ADMMResult", "alternate",
    "gradient_prox", "mgda_ub", "DualProj", "ConFIG", "GradVac", "NashMTL", "FairGrad",
    "run_grid", "Krum", "TrimmedMean", "GradDrop", "ExcessMTL", "Aggregator", "Random", "RLW",
    "IMTLL",
]
