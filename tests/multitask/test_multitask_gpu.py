"""On a CUDA device: J and the direction stay on the GPU, only the m x m Gramian travels, and
the answers match the CPU ones."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.multitask as mt

pytestmark = pytest.mark.gpu


def _toy(device):
    mg.manual_seed(0)
    X = mg.randn(16, 5, dtype=mg.float64).to(device)
    W = mg.randn(5, 6, dtype=mg.float64).to(device).requires_grad_()
    A = mg.randn(6, 1, dtype=mg.float64).to(device).requires_grad_()
    B = mg.randn(6, 1, dtype=mg.float64).to(device).requires_grad_()

    def losses():
        z = (X @ W).tanh()
        return z, {"a": ((z @ A) ** 2).mean(), "b": (z @ B).sum()}

    return (W, A, B), losses


@pytest.mark.parametrize("make", [mt.MGDA, lambda: mt.PCGrad(seed=0), mt.UPGrad, mt.IMTLG,
                                  mt.AlignedMTL, lambda: mt.CAGrad(0.5)])
def test_weightings_on_cuda_match_cpu(make):
    rng = np.random.default_rng(0)
    J = rng.standard_normal((3, 50))
    d_cpu = make()(mg.tensor(J, dtype=mg.float64)).numpy()
    Jg = mg.tensor(J, dtype=mg.float64, device="cuda")
    d = make()(Jg)
    assert d.device.startswith("cuda")
    np.testing.assert_allclose(d.cpu().numpy(), d_cpu, atol=1e-10)


def test_aggregate_and_head_grads_on_cuda_match_cpu():
    out = {}
    for device in ("cpu", "cuda"):
        (W, A, B), losses = _toy(device)
        _, L = losses()
        hg = mt.head_grads(L, [W, A, B])
        _, L = losses()
        J = mt.jacobian(L, [W])
        assert J.device == W.device
        _, L = losses()
        mt.aggregate(L, [W], [A, B], mt.UPGrad())
        z, L = losses()
        Wg = W.grad.cpu().numpy().copy()
        W.grad = None
        mt.mgda_ub(L, z, [W], [A, B])
        out[device] = (hg.cosine.numpy(), Wg, W.grad.cpu().numpy(), A.grad.cpu().numpy())
    for a, b in zip(out["cpu"], out["cuda"]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
