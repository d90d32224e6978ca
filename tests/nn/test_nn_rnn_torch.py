"""nn.LSTM and nn.LSTMCell against torch.nn (skipped when torch is absent): torch's weights are
copied in by name, then outputs, final states and every gradient must agree in float64."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip("torch")


def _copy(theirs, mine):
    """Load torch's parameters into the minigrad module by the same names (a state_dict)."""
    mine.load_state_dict({k: mg.tensor(v.detach().numpy(), dtype=mg.float64)
                          for k, v in theirs.state_dict().items()})


def _same(a, t, tol=1e-10):
    np.testing.assert_allclose(a.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.ex2_1
@pytest.mark.ex2_2
@pytest.mark.parametrize("kw", [dict(), dict(num_layers=2, batch_first=True),
                                dict(num_layers=2, bidirectional=True), dict(bias=False)])
def test_lstm_matches_torch(kw):
    torch.manual_seed(0)
    ref = torch.nn.LSTM(3, 4, **kw).double()
    lstm = nn.LSTM(3, 4, dtype=mg.float64, **kw)
    assert list(lstm.state_dict()) == list(ref.state_dict())
    _copy(ref, lstm)
    d = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    rng = np.random.default_rng(1)
    shape = (2, 5, 3) if kw.get("batch_first") else (5, 2, 3)  # N = 2 either way
    xa, ha, ca = (rng.standard_normal(s) for s in (shape, (d, 2, 4), (d, 2, 4)))
    xs = [mg.tensor(a, requires_grad=True) for a in (xa, ha, ca)]
    ts = [torch.tensor(a, requires_grad=True) for a in (xa, ha, ca)]
    out, (h, c) = lstm(xs[0], (xs[1], xs[2]))
    tout, (th, tc) = ref(ts[0], (ts[1], ts[2]))
    for a, t in ((out, tout), (h, th), (c, tc)):
        _same(a, t)
    v = rng.standard_normal(out.shape)
    ((out * mg.tensor(v)).sum() + (h * c).sum()).backward()
    ((tout * torch.tensor(v)).sum() + (th * tc).sum()).backward()
    for a, t in zip(xs, ts):
        _same(a.grad, t.grad)
    tp = dict(ref.named_parameters())
    for name, p in lstm.named_parameters():
        _same(p.grad, tp[name].grad)


def test_lstm_default_state_and_unbatched_match_torch():
    torch.manual_seed(0)
    ref = torch.nn.LSTM(3, 4, num_layers=2).double()
    lstm = nn.LSTM(3, 4, num_layers=2, dtype=mg.float64)
    _copy(ref, lstm)
    xa = np.random.default_rng(2).standard_normal((6, 3))
    out, (h, c) = lstm(mg.tensor(xa))
    tout, (th, tc) = ref(torch.tensor(xa))
    assert out.shape == tuple(tout.shape) and h.shape == tuple(th.shape)
    for a, t in ((out, tout), (h, th), (c, tc)):
        _same(a, t)


def test_lstm_cell_matches_torch():
    torch.manual_seed(0)
    ref = torch.nn.LSTMCell(3, 4).double()
    cell = nn.LSTMCell(3, 4, dtype=mg.float64)
    assert list(cell.state_dict()) == list(ref.state_dict())
    _copy(ref, cell)
    xa = np.random.default_rng(3).standard_normal((2, 3))
    h, c = cell(mg.tensor(xa))
    th, tc = ref(torch.tensor(xa))
    _same(h, th)
    _same(c, tc)
