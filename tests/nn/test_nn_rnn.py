"""nn.LSTM and nn.LSTMCell without PyTorch: shapes, parameter names and init bounds, the gate
equations against a NumPy reference, gradcheck in float64, and the argument errors."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.testing import gradcheck


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _np_lstm(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """A NumPy LSTM over time-major x (L, N, in) for one layer; gates i, f, g, o."""
    hs, outs = h.shape[-1], []
    for t in range(x.shape[0]):
        z = x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f, g, o = (z[:, k * hs:(k + 1) * hs] for k in range(4))
        c = _sig(f) * c + _sig(i) * np.tanh(g)
        h = _sig(o) * np.tanh(c)
        outs.append(h)
    return np.stack(outs), h, c


def test_parameter_names_shapes_and_init_bound():
    lstm = nn.LSTM(3, 16, num_layers=2, bidirectional=True)
    shapes = {k: v.shape for k, v in lstm.state_dict().items()}
    assert list(shapes)[:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    assert shapes["weight_ih_l0"] == (64, 3) and shapes["weight_hh_l0"] == (64, 16)
    assert shapes["weight_ih_l1"] == (64, 32) and shapes["bias_hh_l1_reverse"] == (64,)
    assert len(shapes) == 16
    bound = 1 / math.sqrt(16)
    for p in lstm.parameters():
        a = p.detach().numpy()
        assert np.abs(a).max() <= bound and np.abs(a).max() > 0.8 * bound
    assert "bias_ih_l0" not in nn.LSTM(3, 4, bias=False).state_dict()


def test_one_layer_matches_numpy_reference_with_given_state():
    rng = np.random.default_rng(0)
    lstm = nn.LSTM(3, 4, dtype=mg.float64)
    x, h0, c0 = rng.standard_normal((5, 2, 3)), rng.standard_normal((1, 2, 4)), \
        rng.standard_normal((1, 2, 4))
    out, (h, c) = lstm(mg.tensor(x), (mg.tensor(h0), mg.tensor(c0)))
    sd = lstm.state_dict()
    w = [sd[k + "_l0"].detach().numpy() for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    ro, rh, rc = _np_lstm(x, h0[0], c0[0], *w)
    np.testing.assert_allclose(out.detach().numpy(), ro, atol=1e-12)
    np.testing.assert_allclose(h.detach().numpy()[0], rh, atol=1e-12)
    np.testing.assert_allclose(c.detach().numpy()[0], rc, atol=1e-12)


def test_batch_first_unbatched_and_cell_agree_with_time_major():
    lstm = nn.LSTM(3, 4, num_layers=2, dtype=mg.float64)
    x = mg.randn(6, 2, 3, dtype=mg.float64)
    out, (h, c) = lstm(x)
    assert out.shape == (6, 2, 4) and h.shape == (2, 2, 4) and c.shape == (2, 2, 4)
    np.testing.assert_allclose(out.detach().numpy()[-1], h.detach().numpy()[-1], atol=1e-12)
    lstm.batch_first = True
    out_bf, (h_bf, _) = lstm(x.transpose(0, 1))
    np.testing.assert_allclose(out_bf.detach().numpy(),
                               out.detach().numpy().transpose(1, 0, 2), atol=1e-12)
    out_u, (h_u, c_u) = nn.LSTM(3, 4, dtype=mg.float64)(x[:, 0])
    assert out_u.shape == (6, 4) and h_u.shape == (1, 4) and c_u.shape == (1, 4)
    cell = nn.LSTMCell(3, 4, dtype=mg.float64)
    one = nn.LSTM(3, 4, dtype=mg.float64)
    one.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    hc = None
    for t in range(6):
        hc = cell(x[t], hc)
    np.testing.assert_allclose(hc[0].detach().numpy(), one(x)[1][0].detach().numpy()[0], atol=1e-12)


def test_bidirectional_reverse_direction_reads_the_sequence_backwards():
    lstm = nn.LSTM(2, 3, bidirectional=True, dtype=mg.float64)
    x = mg.randn(4, 1, 2, dtype=mg.float64)
    out, (h, _) = lstm(x)
    assert out.shape == (4, 1, 6)
    np.testing.assert_allclose(out.detach().numpy()[-1, :, :3], h.detach().numpy()[0], atol=1e-12)
    np.testing.assert_allclose(out.detach().numpy()[0, :, 3:], h.detach().numpy()[1], atol=1e-12)


@pytest.mark.ex2_1
def test_gradcheck_float64_through_inputs_state_and_weights():
    lstm = nn.LSTM(2, 3, num_layers=2, dtype=mg.float64)
    names = [n for n, _ in lstm.named_parameters()]
    x = mg.randn(3, 2, 2, dtype=mg.float64, requires_grad=True)
    h0 = mg.randn(2, 2, 3, dtype=mg.float64, requires_grad=True)
    c0 = mg.randn(2, 2, 3, dtype=mg.float64, requires_grad=True)

    def fn(x, h0, c0, *ws):
        for n, w in zip(names, ws):
            lstm._parameters[n] = w
        out, (h, c) = lstm(x, (h0, c0))
        return out.sum() + (h * c).sum()

    ws = [mg.tensor(p.detach().numpy(), requires_grad=True) for p in lstm.parameters()]
    assert gradcheck(fn, [x, h0, c0, *ws])
    cell = nn.LSTMCell(2, 3, dtype=mg.float64)
    assert gradcheck(lambda x, h, c: sum(t.sum() for t in cell(x, (h, c))),
                     [x[0], h0[0], c0[0]])


def test_bad_arguments_name_the_layer_and_the_fix():
    lstm = nn.LSTM(3, 4)
    with pytest.raises(ValueError, match=r"LSTM: expects a 2-D or 3-D input whose last dim is "
                                         r"input_size=3, got shape \(5, 2, 7\)"):
        lstm(mg.randn(5, 2, 7))
    with pytest.raises(ValueError, match=r"h_0 and c_0 must each have shape \(1, 2, 4\)"):
        lstm(mg.randn(5, 2, 3), (mg.zeros(1, 3, 4), mg.zeros(1, 3, 4)))
    with pytest.raises(TypeError, match="LSTM: expects a Tensor"):
        lstm(np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match="proj_size is not supported"):
        nn.LSTM(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="LSTMCell: h and c must each have shape"):
        nn.LSTMCell(3, 4)(mg.randn(2, 3), (mg.zeros(3, 4), mg.zeros(3, 4)))


def test_dropout_between_layers_only_in_training():
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5, dtype=mg.float64)
    x = mg.randn(5, 2, 3, dtype=mg.float64)
    lstm.eval()
    a, b = lstm(x)[0].detach().numpy(), lstm(x)[0].detach().numpy()
    np.testing.assert_array_equal(a, b)
    lstm.train()
    assert not np.allclose(lstm(x)[0].detach().numpy(), a)


def test_integer_input_is_refused_with_the_conversion():
    with pytest.raises(TypeError, match=r"LSTM: expects a floating input, got int64 .*\.float\(\)"):
        nn.LSTM(3, 4)(mg.tensor([[[1, 2, 3]]]))
    assert nn.LSTM(3, 4)(mg.tensor([[[1, 2, 3]]]).float())[0].shape == (1, 1, 4)
