"""Weightings: from the task Jacobian ``J`` (``m x n``) to one update direction ``d = J^T w``.

Every method here is a function of the Gramian ``G = J J^T`` alone: ``G`` is computed on
``J``'s device, its ``m x m`` entries go to the host, the weights ``w`` are solved for there in
float64, and ``d = w @ J`` is formed back on the device (``J`` never leaves it).

    >>> import minigrad
    >>> from minigrad.multitask import MGDA
    >>> J = minigrad.tensor([[-4.0, 1.0, 1.0], [6.0, 1.0, 1.0]])
    >>> MGDA().weights_for(J)    # w = argmin |J^T w| over the simplex
    tensor([0.6, 0.4], dtype=float64)
    >>> d = MGDA()(J)        # d = J^T w, the min-norm point of the rows' convex hull
    >>> d.shape, (d - minigrad.tensor([0.0, 1.0, 1.0])).abs().max().item() < 1e-6
    ((3,), True)

``weighting(J)`` returns ``d``; ``weighting.weights_for(J)`` returns ``w`` (float64, CPU; a
scalarizer's ``.weights`` is its current state, a property, hence the different name);
``weighting.from_gramian(G)`` is the pure host function; ``weighting.kkt_residual`` is the
residual of the last solve (on ``G`` scaled to unit mean diagonal). Cost: computing ``J`` is
the expensive part (``m`` backward passes); the host solve is microseconds to milliseconds.
"""
from __future__ import annotations

import math
import warnings

from .. import backend
from ..backend import float64
from ..backend import host_xp as xp
from ..creation import tensor
from ..tensor import Tensor
from . import _qp
from .gradients import host_gramian


class Weighting:
    """Base class: subclasses implement ``_solve(G) -> w`` on a normalised host Gramian."""

    def __init__(self):
        self.kkt_residual = 0.0
        self._eps = float(xp.finfo(xp.float64).eps)

    def from_gramian(self, G):
        """Task weights (host float64 array) from a Gramian (host array or Tensor)."""
        if isinstance(G, Tensor):
            G = G.detach().numpy()
        Gn, scale = _qp.normalised(G)
        if scale == 0.0:  # every gradient is zero: any weights give d = 0
            self.kkt_residual = 0.0
            return self._zero_weights(len(Gn))
        w = self._solve(Gn)
        if self.kkt_residual > _qp.KKT_TOL:
            warnings.warn(f"{type(self).__name__}: the weight problem was solved only to a KKT "
                          f"residual of {self.kkt_residual:.1e}", RuntimeWarning, stacklevel=3)
        return w

    def weights_for(self, J: Tensor) -> Tensor:
        """The task weights ``w`` for ``J`` (``m x n``), as a float64 CPU Tensor."""
        if not isinstance(J, Tensor) or J.ndim != 2:
            raise ValueError(f"{type(self).__name__}: expected the task Jacobian as a 2-D "
                             f"Tensor (m x n), got {getattr(J, 'shape', type(J).__name__)}")
        self._eps = float(xp.finfo(J.dtype).eps)  # rank decisions at J's own precision
        return tensor(self.from_gramian(host_gramian(J)), dtype=float64)

    def __call__(self, J: Tensor) -> Tensor:
        """The combined direction ``d = J^T w`` (shape ``(n,)``, on ``J``'s device)."""
        w = self.weights_for(J)
        return tensor(w.numpy(), dtype=J.dtype, device=J.device) @ J.detach()

    def _zero_weights(self, m):
        return xp.full(m, 1.0 / m)

    def _solve(self, G):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


def _kept_eigen(G, eps):
    """Eigenpairs of ``G`` above ``max(m eps, 1e-12) lambda_max``: its numerical range."""
    lam, V = xp.linalg.eigh(G)
    keep = lam > max(len(G) * eps, 1e-12) * lam.max()
    return lam[keep], V[:, keep]


class MGDA(Weighting):
    """MGDA: the min-norm point of the convex hull of the task gradients (Desideri, 2012;
    Sener & Koltun, *Multi-Task Learning as Multi-Objective Optimization*, NeurIPS 2018).

    ``w = argmin_{w >= 0, sum w = 1} |J^T w|^2``, ``d = J^T w``. ``d`` is a common descent
    direction (``g_i . d >= |d|^2`` for every task) and ``d = 0`` exactly at a Pareto-stationary
    point. Two tasks: ``w_1 = clip((G22 - G12) / |g1 - g2|^2, 0, 1)``, exact; more tasks: an
    exact active-set solve, KKT residual ``<= 1e-10``. References differ in the solver, not
    the problem: Sener & Koltun's code and torchjd 0.18's ``MGDA`` run Frank-Wolfe to a
    tolerance, so on ``m >= 3`` (or nearly parallel) gradients their *weights* can differ from
    the exact ones by up to 0.8 (measured on main f9cd0e3 over 198 float64 Jacobians; the min
    norm itself agrees closely, the minimiser is flat there); on torchjd's 2-task reference
    matrix the direction agrees to its tabled ``1e-4``.

    Conventions differ: the official code first normalises each gradient (``'l2'``, ``'loss'``,
    ``'loss+'`` or ``'none'``; LibMTL's ``mgda_gn``); here gradients are used as they are
    (``'none'``), like torchjd.
    """

    def _zero_weights(self, m):
        return xp.full(m, 1.0 / m)

    def _solve(self, G):
        m = len(G)
        if m == 1:
            w = xp.ones(1)
        elif m == 2:
            w = _qp.mgda_two(G)
        else:
            w, _ = _qp.active_set_qp(G, xp.zeros(m), xp.zeros(m), True)
        self.kkt_residual = _qp.qp_residual(G, xp.zeros(m), xp.zeros(m), w, True)
        return w


class PCGrad(Weighting):
    """PCGrad, gradient surgery (Yu, Kumar, Gupta, Levine, Hausman, Finn, NeurIPS 2020).

    For each task ``i`` (in turn), start from ``g_i`` and, for every other task ``j`` in a
    random order, if the running ``g_i^PC . g_j < 0`` remove the conflict:
    ``g_i^PC -= (g_i^PC . g_j) / |g_j|^2 g_j`` (projection on the *original* ``g_j``). The update
    is the **sum** ``d = sum_i g_i^PC`` (the paper's Algorithm 1, LibMTL and torchjd). Done on
    ``G`` alone: each ``g_i^PC = J^T c_i`` and ``g_i^PC . g_j = (G c_i)_j``.

    Conventions differ: the widely used PyTorch port (WeiChengTseng/Pytorch-PCGrad) averages
    instead (``reduction='mean'``, half the step for two tasks), and the official code shuffles
    all tasks including ``i`` itself. ``seed=None`` draws the orders from minigrad's generator
    (so ``minigrad.manual_seed`` fixes them); an int gives the weighting its own generator.
    """

    def __init__(self, seed: int | None = None):
        super().__init__()
        self.seed = seed
        self._rng = None if seed is None else xp.random.default_rng(seed)

    def _zero_weights(self, m):
        return xp.ones(m)

    def _solve(self, G):
        m = len(G)
        rng = self._rng if self._rng is not None else backend.rng()
        total = xp.zeros(m)
        for i in range(m):
            coef = xp.zeros(m)
            coef[i] = 1.0
            others = [j for j in range(m) if j != i]
            # BEGIN SOLUTION ex4_2
            for j in rng.permutation(others) if others else []:
                dot = float(G[j] @ coef)
                if dot < 0 and G[j, j] > 0:
                    coef[j] -= dot / G[j, j]
            # END SOLUTION
            total += coef
        self.kkt_residual = 0.0
        return total

    def __repr__(self):
        return f"PCGrad(seed={self.seed})"


class UPGrad(Weighting):
    """UPGrad (Quinton & Rey, *Jacobian Descent for Multi-Objective Optimization*, 2024).

    Project each ``g_i / m`` onto the dual cone ``{d : J d >= 0}`` (no task gets worse to first
    order) and sum the projections. The projection of ``J^T u`` is ``J^T v`` with
    ``v = argmin_{v >= u} v^T G v``; here ``u = e_i / m`` and ``w = sum_i v_i``, each box QP
    solved exactly by the active-set method. For two conflicting tasks whose projections stay
    in the cone, ``UPGrad = PCGrad / 2``.

    torchjd (the authors' library; 0.18 measured) scales ``G`` by its trace and adds
    ``1e-4 I`` before the QP: on similarly scaled rows its direction differs from the exact one
    in the 4th decimal; when the rows' norms differ by orders of magnitude the ``1e-4 I`` term
    is no longer small next to the short rows and the difference grows with the ratio.
    """

    def _solve(self, G):
        m = len(G)
        w, res = xp.zeros(m), 0.0
        for i in range(m):
            lb = xp.zeros(m)
            lb[i] = 1.0 / m
            v, _ = _qp.active_set_qp(G, xp.zeros(m), lb, False)
            res = max(res, _qp.qp_residual(G, xp.zeros(m), lb, v, False))
            w += v
        self.kkt_residual = res
        return w


class IMTLG(Weighting):
    """IMTL-G (Liu, Li, Kuang, Xue, Chen, Yang, Liao, Zhang, *Towards Impartial Multi-task
    Learning*, ICLR 2021): the direction with **equal projections** on every unit gradient,
    ``d . u_i`` the same for all ``i``, ``d = J^T w`` with ``sum w = 1``.

    Closed form: ``G w = c sqrt(diag G)`` so ``w = G^+ sqrt(diag G)``, normalised to sum 1 (the
    paper's difference form ``g_1 U^T (D U^T)^-1`` gives the same ``w`` when ``G`` is
    invertible; torchjd uses this pseudo-inverse form). For two tasks ``w_i`` is proportional
    to ``1 / |g_i|``, so ``d`` is along ``u_1 + u_2`` and bisects the two gradients. If the
    weights sum to zero the direction is undefined and ``w = 0`` (torchjd's convention).
    Eigenvalues of ``G`` below ``max(m eps, 1e-12) lambda_max`` (``eps`` of J's dtype) count
    as zero, as in :class:`AlignedMTL`: below that they are rounding noise, and inverting
    them would point ``d`` along noise. The residual reported is the relative residual
    ``|V^T (G v - s)| / (|G| |v| + |s|)`` on the kept eigenvectors ``V``.
    """

    def _solve(self, G):
        m = len(G)
        s = xp.sqrt(xp.clip(xp.diag(G), 0.0, None))
        lam, V = _kept_eigen(G, self._eps)
        v = V @ ((V.T @ s) / lam)  # the pseudo-inverse solve on the numerical range of G
        scale = float(lam.max()) * float(xp.abs(v).max()) + float(s.max())
        self.kkt_residual = float(xp.abs(V.T @ (G @ v - s)).max()) / scale
        total = float(v.sum())
        if abs(total) < 1e-12:
            return xp.zeros(m)
        return v / total


class AlignedMTL(Weighting):
    """Aligned-MTL (Senushkin, Patakin, Kuznetsov, Konushin, *Independent Component Alignment
    for Multi-Task Learning*, CVPR 2023).

    Eigendecompose ``G = V L V^T``, keeping the eigenvalues above
    ``max(m eps, 1e-12) lambda_max`` (``eps`` of J's dtype; torchjd 0.18 uses ``m eps`` of
    float64, the same for a float64 ``J``),
    and set ``B = sqrt(lambda_min) V L^(-1/2) V^T``: the aligned gradients ``B J`` are
    orthogonal with equal norms ``sqrt(lambda_min)`` (condition number 1). ``w = B pref`` and
    ``d = J^T w``. A closed form, so ``kkt_residual`` is 0.

    Conventions differ in ``pref``: here and in torchjd it is ``1/m`` (the mean); LibMTL uses
    ``B.sum(0)``, i.e. ``pref = 1``, ``m`` times larger. (LibMTL also still calls
    ``torch.symeig``, removed from PyTorch.) Pass ``pref=[1.0] * m`` for LibMTL's step.
    """

    def __init__(self, pref=None):
        super().__init__()
        self.pref = None if pref is None else [float(p) for p in pref]

    def _solve(self, G):
        m = len(G)
        pref = xp.full(m, 1.0 / m) if self.pref is None else xp.array(self.pref)
        if len(pref) != m:
            raise ValueError(f"AlignedMTL: pref has {len(pref)} entries but there are {m} tasks")
        lam, V = _kept_eigen(G, self._eps)
        B = math.sqrt(lam.min()) * (V / xp.sqrt(lam)) @ V.T
        self.kkt_residual = 0.0
        return B @ pref


class CAGrad(Weighting):
    """CAGrad (Liu, Liu, Jin, Stone, Liu, *Conflict-Averse Gradient Descent for Multi-task
    Learning*, NeurIPS 2021).

    ``max_d min_i g_i . d`` subject to ``|d - g_0| <= c |g_0|``, ``g_0`` the mean gradient. Dual:
    ``w* = argmin_{w in simplex} g_w . g_0 + c |g_0| |g_w|`` (``g_w = J^T w``), and
    ``d = g_0 + c |g_0| / |g_w*| g_w*``, i.e. ``w = 1/m + c |g_0| / |g_w*| w*``. ``c = 0`` is
    plain averaged GD; large ``c`` approaches MGDA. With ``w*`` interior every task progresses
    equally: all ``g_i . d`` are equal.

    At a Pareto-stationary point (0 in the convex hull of the gradients: an exactly opposite
    pair, a zero gradient) no direction improves every task, the dual optimum can have
    ``g_w* = 0`` and the formula above is undefined. If the ball meets the cone
    ``{d : J d >= 0}``, the best worst-case progress is 0 and ``d`` is the projection of ``g_0``
    on that cone (no task gets worse; the optimal ``d`` nearest ``g_0``); for two exactly
    opposite gradients that is ``d = 0``, like MGDA. Example: ``c = 0.5`` gives
    ``d = (0, 1/3, 0)`` here:

    >>> import minigrad
    >>> J = minigrad.tensor([[1.0, 0, 0], [-1.0, 0, 0], [0.3, 1.0, 0]], dtype=minigrad.float64)
    >>> d = CAGrad(c=0.5)(J)
    >>> (d - minigrad.tensor([0.0, 1 / 3, 0.0], dtype=minigrad.float64)).abs().max().item() < 1e-12
    True

    Rescale convention: ``rescale=0`` (default) returns ``d`` as in the paper's update rule and
    torchjd. The official code (and LibMTL) defaults to ``rescale=1``, ``d / (1 + c^2)``;
    ``rescale=2`` gives ``d / (1 + c)``. Official: scipy SLSQP; here an exact solve (see
    :func:`minigrad.multitask._qp.cagrad_inner`).
    """

    def __init__(self, c: float = 0.5, rescale: int = 0):
        super().__init__()
        if c < 0:
            raise ValueError(f"CAGrad: c must be >= 0, got {c}")
        if rescale not in (0, 1, 2):
            raise ValueError(f"CAGrad: rescale must be 0, 1 or 2, got {rescale}")
        self.c, self.rescale = float(c), rescale

    def _solve(self, G):
        w, self.kkt_residual = _qp.cagrad_weights(G, self.c)
        return w / (1.0, 1.0 + self.c ** 2, 1.0 + self.c)[self.rescale]

    def __repr__(self):
        return f"CAGrad(c={self.c}, rescale={self.rescale})"
