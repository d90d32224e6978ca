"""nn.GRU, nn.GRUCell, nn.RNN and nn.RNNCell against torch.nn (skipped when torch is absent):
torch's weights are copied in by name, then outputs, final states and every gradient (input, h_0,
each parameter) must agree in float64."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2]

torch = pytest.importorskip("torch")


def _copy(theirs, mine):
    """Load torch's parameters into the minigrad module by the same names (a state_dict)."""
    mine.load_state_dict({k: mg.tensor(v.detach().numpy(), dtype=mg.float64)
                          for k, v in theirs.state_dict().items()})


def _same(a, t, tol=1e-10):
    assert a.shape == tuple(t.shape)
    np.testing.assert_allclose(a.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


def _pair(name, kw):
    torch.manual_seed(0)
    ref = getattr(torch.nn, name)(3, 4, **kw).double()
    mine = getattr(nn, name)(3, 4, dtype=mg.float64, **kw)
    assert list(mine.state_dict()) == list(ref.state_dict())
    assert repr(mine) == repr(ref)
    _copy(ref, mine)
    return ref, mine


def _check_grads(ref, mine, xs, ts, out, h, tout, th, rng):
    v = rng.standard_normal(out.shape)
    w = rng.standard_normal(h.shape)
    ((out * mg.tensor(v)).sum() + (h * mg.tensor(w)).sum()).backward()
    ((tout * torch.tensor(v)).sum() + (th * torch.tensor(w)).sum()).backward()
    for a, t in zip(xs, ts):
        _same(a.grad, t.grad)
    tp = dict(ref.named_parameters())
    for name, p in mine.named_parameters():
        _same(p.grad, tp[name].grad)


OPTIONS = [dict(), dict(num_layers=2, batch_first=True), dict(num_layers=2, bidirectional=True),
           dict(bias=False), dict(bidirectional=True, batch_first=True, bias=False)]
RNN_ONLY = [dict(nonlinearity="relu"), dict(nonlinearity="relu", num_layers=2,
                                            bidirectional=True)]
CASES = [("GRU", kw) for kw in OPTIONS] + [("RNN", kw) for kw in OPTIONS + RNN_ONLY]


def _run_both(ref, mine, arrays, rng):
    """Both layers on the same inputs: outputs, h_n and every gradient agree."""
    xs = [mg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, h = mine(*xs)
    tout, th = ref(*ts)
    _same(out, tout)
    _same(h, th)
    _check_grads(ref, mine, xs, ts, out, h, tout, th, rng)


@pytest.mark.parametrize("with_h0", [True, False])
@pytest.mark.parametrize("name, kw", CASES)
def test_matches_torch_outputs_and_gradients(name, kw, with_h0):
    ref, mine = _pair(name, kw)
    d = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    rng = np.random.default_rng(1)
    shape = (2, 5, 3) if kw.get("batch_first") else (5, 2, 3)  # N = 2 either way
    arrays = [rng.standard_normal(shape)] + ([rng.standard_normal((d, 2, 4))] if with_h0 else [])
    _run_both(ref, mine, arrays, rng)


@pytest.mark.parametrize("with_h0", [True, False])
@pytest.mark.parametrize("name, kw", [("GRU", dict(num_layers=2, bidirectional=True)),
                                      ("RNN", dict(nonlinearity="relu", num_layers=2)),
                                      ("GRU", dict(batch_first=True))])
def test_unbatched_matches_torch(name, kw, with_h0):
    ref, mine = _pair(name, kw)
    d = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((6, 3))] + ([rng.standard_normal((d, 4))] if with_h0 else [])
    _run_both(ref, mine, arrays, rng)


@pytest.mark.parametrize("name", ["GRU", "RNN"])
def test_dropout_model_in_eval_mode_matches_torch(name):
    ref, mine = _pair(name, dict(num_layers=3, dropout=0.5))
    ref.eval()
    mine.eval()
    xa = np.random.default_rng(3).standard_normal((4, 2, 3))
    out, h = mine(mg.tensor(xa))
    tout, th = ref(torch.tensor(xa))
    _same(out, tout)
    _same(h, th)


@pytest.mark.parametrize("unbatched", [False, True])
@pytest.mark.parametrize("name, kw", [("GRUCell", {}), ("GRUCell", dict(bias=False)),
                                      ("RNNCell", {}), ("RNNCell", dict(nonlinearity="relu")),
                                      ("RNNCell", dict(bias=False, nonlinearity="relu"))])
def test_cells_match_torch(name, kw, unbatched):
    ref, cell = _pair(name, kw)
    rng = np.random.default_rng(4)
    xa, ha = (rng.standard_normal((3,) if unbatched else (2, 3)),
              rng.standard_normal((4,) if unbatched else (2, 4)))
    _same(cell(mg.tensor(xa)), ref(torch.tensor(xa)))
    x, h = mg.tensor(xa, requires_grad=True), mg.tensor(ha, requires_grad=True)
    tx, th = torch.tensor(xa, requires_grad=True), torch.tensor(ha, requires_grad=True)
    out, tout = cell(x, h), ref(tx, th)
    _same(out, tout)
    v = rng.standard_normal(out.shape)
    (out * mg.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    _same(x.grad, tx.grad)
    _same(h.grad, th.grad)
    tp = dict(ref.named_parameters())
    for n, p in cell.named_parameters():
        _same(p.grad, tp[n].grad)
