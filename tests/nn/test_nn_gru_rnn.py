"""nn.GRU, nn.GRUCell, nn.RNN and nn.RNNCell without PyTorch: parameter names and shapes as
PyTorch documents them, init bounds, the step equations against a NumPy reference, gradcheck in
float64, output shapes, dropout, and the argument errors."""
import math
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.testing import gradcheck

pytestmark = [pytest.mark.ex2_1]


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _np_gru(x, h, w_ih, w_hh, b_ih, b_hh):
    """PyTorch's GRU equations in NumPy over time-major x (L, N, in), one layer; gates r, z, n."""
    hs, outs = h.shape[-1], []
    for t in range(x.shape[0]):
        gx, gh = x[t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        r = _sig(gx[:, :hs] + gh[:, :hs])
        z = _sig(gx[:, hs:2 * hs] + gh[:, hs:2 * hs])
        n = np.tanh(gx[:, 2 * hs:] + r * gh[:, 2 * hs:])
        h = (1 - z) * n + z * h
        outs.append(h)
    return np.stack(outs), h


def _np_rnn(x, h, w_ih, w_hh, b_ih, b_hh, act):
    outs = []
    for t in range(x.shape[0]):
        h = act(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        outs.append(h)
    return np.stack(outs), h


def _relu(z):
    return np.maximum(z, 0.0)


def _np(t):
    return t.detach().numpy()


# PyTorch's documented parameters (torch.nn.GRU / torch.nn.RNN, "Variables"), written out for
# input_size=3, hidden_size=16, num_layers=2, bidirectional=True: per layer and direction
# weight_ih (G*H, in), weight_hh (G*H, H), bias_ih, bias_hh (G*H,), G = 3 for GRU, 1 for RNN;
# layer 1 reads both directions of layer 0 (in = 2*H = 32).
def _torch_names(g):
    rows = []
    for layer, n_in in ((0, 3), (1, 32)):
        for sfx in (f"_l{layer}", f"_l{layer}_reverse"):
            rows += [("weight_ih" + sfx, (g * 16, n_in)), ("weight_hh" + sfx, (g * 16, 16)),
                     ("bias_ih" + sfx, (g * 16,)), ("bias_hh" + sfx, (g * 16,))]
    return rows


@pytest.mark.parametrize("cls, g", [(nn.GRU, 3), (nn.RNN, 1)])
def test_parameter_names_shapes_and_init_bound_are_pytorchs(cls, g):
    m = cls(3, 16, num_layers=2, bidirectional=True)
    assert [(k, v.shape) for k, v in m.state_dict().items()] == _torch_names(g)
    bound = 1 / math.sqrt(16)
    a = np.abs(np.concatenate([_np(p).ravel() for p in m.parameters()]))  # U(-bound, bound)
    assert a.max() <= bound and a.max() > 0.95 * bound and abs(a.mean() - bound / 2) < 0.1 * bound
    no_bias = cls(3, 16, num_layers=2, bidirectional=True, bias=False)
    assert [(k, v.shape) for k, v in no_bias.state_dict().items()] == \
        [r for r in _torch_names(g) if r[0].startswith("weight")]


@pytest.mark.parametrize("cls, g", [(nn.GRUCell, 3), (nn.RNNCell, 1)])
def test_cell_parameter_names_and_shapes(cls, g):
    cell = cls(3, 5)
    assert [(k, v.shape) for k, v in cell.state_dict().items()] == [
        ("weight_ih", (5 * g, 3)), ("weight_hh", (5 * g, 5)), ("bias_ih", (5 * g,)),
        ("bias_hh", (5 * g,))]
    assert list(cls(3, 5, bias=False).state_dict()) == ["weight_ih", "weight_hh"]
    bound = 1 / math.sqrt(5)
    assert all(np.abs(_np(p)).max() <= bound for p in cell.parameters())


def _weights(m, sfx="_l0"):
    sd = m.state_dict()
    return [_np(sd[k + sfx]) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def test_gru_one_layer_matches_the_documented_equations():
    rng = np.random.default_rng(0)
    gru = nn.GRU(3, 4, dtype=mg.float64)
    x, h0 = rng.standard_normal((5, 2, 3)), rng.standard_normal((1, 2, 4))
    out, h = gru(mg.tensor(x), mg.tensor(h0))
    ro, rh = _np_gru(x, h0[0], *_weights(gru))
    np.testing.assert_allclose(_np(out), ro, atol=1e-12)
    np.testing.assert_allclose(_np(h)[0], rh, atol=1e-12)
    cell = nn.GRUCell(3, 4, dtype=mg.float64)
    cell.load_state_dict({k[:-3]: v for k, v in gru.state_dict().items()})
    np.testing.assert_allclose(_np(cell(mg.tensor(x[0]), mg.tensor(h0[0]))), ro[0], atol=1e-12)


@pytest.mark.parametrize("nonlinearity, act", [("tanh", np.tanh), ("relu", _relu)])
def test_rnn_one_layer_matches_the_documented_equations(nonlinearity, act):
    rng = np.random.default_rng(1)
    rnn = nn.RNN(3, 4, nonlinearity=nonlinearity, dtype=mg.float64)
    x, h0 = rng.standard_normal((5, 2, 3)), rng.standard_normal((1, 2, 4))
    out, h = rnn(mg.tensor(x), mg.tensor(h0))
    ro, rh = _np_rnn(x, h0[0], *_weights(rnn), act)
    np.testing.assert_allclose(_np(out), ro, atol=1e-12)
    np.testing.assert_allclose(_np(h)[0], rh, atol=1e-12)
    assert nonlinearity != "relu" or (_np(out) >= 0).all() and (_np(out) == 0).any()
    cell = nn.RNNCell(3, 4, nonlinearity=nonlinearity, dtype=mg.float64)
    cell.load_state_dict({k[:-3]: v for k, v in rnn.state_dict().items()})
    np.testing.assert_allclose(_np(cell(mg.tensor(x[0]), mg.tensor(h0[0]))), ro[0], atol=1e-12)


def test_rnn_positional_arguments_follow_pytorch_order():
    # torch.nn.RNN(input_size, hidden_size, num_layers, nonlinearity, bias, batch_first, ...)
    rnn = nn.RNN(3, 4, 2, "relu", False, True)
    assert (rnn.num_layers, rnn.nonlinearity, rnn.bias, rnn.batch_first) == (2, "relu", False,
                                                                             True)
    cell = nn.RNNCell(3, 4, False, "relu")  # RNNCell(input_size, hidden_size, bias, nonlinearity)
    assert (cell.bias, cell.nonlinearity) == (False, "relu")


@pytest.mark.parametrize("cls", [nn.GRU, nn.RNN])
def test_shapes_batch_first_unbatched_and_no_bias(cls):
    m = cls(3, 4, num_layers=2, bidirectional=True, dtype=mg.float64)
    x = mg.randn(6, 2, 3, dtype=mg.float64)
    out, h = m(x)
    assert out.shape == (6, 2, 8) and h.shape == (4, 2, 4)
    # the last layer's forward direction ends at t = L-1, its reverse direction at t = 0
    np.testing.assert_allclose(_np(out)[-1, :, :4], _np(h)[2], atol=1e-12)
    np.testing.assert_allclose(_np(out)[0, :, 4:], _np(h)[3], atol=1e-12)
    m.batch_first = True
    out_bf, h_bf = m(x.transpose(0, 1))
    np.testing.assert_allclose(_np(out_bf), _np(out).transpose(1, 0, 2), atol=1e-12)
    np.testing.assert_allclose(_np(h_bf), _np(h), atol=1e-12)  # h_n stays (D*layers, N, H)
    out_u, h_u = m(x.transpose(0, 1)[1])  # unbatched ignores batch_first: (L, in)
    assert out_u.shape == (6, 8) and h_u.shape == (4, 4)
    np.testing.assert_allclose(_np(out_u), _np(out)[:, 1], atol=1e-12)
    out_u, h_u = m(x[:, 1], mg.zeros(4, 4, dtype=mg.float64))
    np.testing.assert_allclose(_np(h_u), _np(h)[:, 1], atol=1e-12)
    out_nb, h_nb = cls(3, 4, bias=False)(mg.randn(6, 2, 3))
    assert out_nb.shape == (6, 2, 4) and h_nb.shape == (1, 2, 4)


@pytest.mark.parametrize("cls", [nn.GRUCell, nn.RNNCell])
def test_cells_run_a_sequence_like_the_one_layer_module(cls):
    seq_cls = nn.GRU if cls is nn.GRUCell else nn.RNN
    cell, one = cls(3, 4, dtype=mg.float64), seq_cls(3, 4, dtype=mg.float64)
    one.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    x = mg.randn(5, 2, 3, dtype=mg.float64)
    h = None
    for t in range(5):
        h = cell(x[t], h)
    assert h.shape == (2, 4)
    np.testing.assert_allclose(_np(h), _np(one(x)[1])[0], atol=1e-12)
    h1 = cell(x[0, 0])
    assert h1.shape == (4,)
    np.testing.assert_allclose(_np(h1), _np(cell(x[0]))[0], atol=1e-12)


def _gradcheck_with_weights(module, names, x, h):
    """gradcheck of ``module(x, h)`` w.r.t. x, h and every parameter (swapped in as inputs)."""

    def fn(x, h, *ws):
        for n, w in zip(names, ws):
            module._parameters[n] = w
        return module(x, h)

    ws = [mg.tensor(_np(p), requires_grad=True) for p in module.parameters()]
    return gradcheck(fn, [x, h, *ws])


@pytest.mark.parametrize("cls, kw", [(nn.GRU, dict(num_layers=2)),
                                     (nn.GRU, dict(bidirectional=True, batch_first=True)),
                                     (nn.RNN, dict(num_layers=2, bidirectional=True)),
                                     (nn.RNN, dict(nonlinearity="relu", bias=False))])
def test_gradcheck_float64_through_input_h0_and_weights(cls, kw):
    m = cls(2, 3, dtype=mg.float64, **kw)
    names = [n for n, _ in m.named_parameters()]
    d = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    shape = (2, 3, 2) if kw.get("batch_first") else (3, 2, 2)  # L = 3, N = 2
    x = mg.randn(*shape, dtype=mg.float64, requires_grad=True)
    h0 = mg.randn(d, 2, 3, dtype=mg.float64, requires_grad=True)
    assert _gradcheck_with_weights(m, names, x, h0)


@pytest.mark.parametrize("cls, kw", [(nn.GRUCell, {}), (nn.RNNCell, {}),
                                     (nn.RNNCell, dict(nonlinearity="relu"))])
def test_cell_gradcheck_float64_through_input_h_and_weights(cls, kw):
    cell = cls(2, 3, dtype=mg.float64, **kw)
    names = [n for n, _ in cell.named_parameters()]
    x = mg.randn(4, 2, dtype=mg.float64, requires_grad=True)
    h = mg.randn(4, 3, dtype=mg.float64, requires_grad=True)
    assert _gradcheck_with_weights(cell, names, x, h)


@pytest.mark.parametrize("cls", [nn.GRU, nn.RNN])
def test_dropout_between_layers_only_in_training(cls):
    m = cls(3, 4, num_layers=2, dropout=0.5, dtype=mg.float64)
    x = mg.randn(5, 2, 3, dtype=mg.float64)
    m.eval()
    a = _np(m(x)[0])
    np.testing.assert_array_equal(a, _np(m(x)[0]))
    m.dropout = 0.0
    np.testing.assert_array_equal(a, _np(m(x)[0]))
    m.dropout = 0.5
    m.train()
    assert not np.allclose(_np(m(x)[0]), a)
    # the last layer's output is not dropped: with dropout=1 only layer 0's output is zeroed,
    # so the last layer sees zeros as input and its output is not all zero (its biases)
    m.dropout = 1.0
    assert np.abs(_np(m(x)[0])).min() > 0


@pytest.mark.parametrize("cls", [nn.GRU, nn.RNN, nn.LSTM])
def test_dropout_with_one_layer_warns_like_pytorch(cls):
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        cls(3, 4, dropout=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cls(3, 4, num_layers=2, dropout=0.2)


def test_bad_arguments_are_refused_naming_the_layer():
    with pytest.raises(ValueError, match=r"RNN: nonlinearity must be 'tanh' or 'relu', got "
                                         r"'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match=r"RNNCell: nonlinearity must be 'tanh' or 'relu'"):
        nn.RNNCell(3, 4, nonlinearity="gelu")
    for cls in (nn.GRU, nn.RNN, nn.LSTM):
        name = cls.__name__
        with pytest.raises(ValueError, match=rf"{name}: hidden_size must be greater than zero"):
            cls(3, 0)
        with pytest.raises(ValueError, match=rf"{name}: input_size must be greater than zero"):
            cls(0, 4)
        with pytest.raises(ValueError, match=rf"{name}: num_layers must be greater than zero"):
            cls(3, 4, num_layers=0)
        with pytest.raises(ValueError, match=rf"{name}: dropout must be a probability"):
            cls(3, 4, num_layers=2, dropout=1.5)
    with pytest.raises(TypeError, match="proj_size"):
        nn.GRU(3, 4, proj_size=2)


@pytest.mark.parametrize("cls", [nn.GRU, nn.RNN])
def test_bad_inputs_name_the_layer_the_shapes_and_the_fix(cls):
    name, m = cls.__name__, cls(3, 4)
    with pytest.raises(ValueError, match=rf"{name}: expects a 2-D or 3-D input whose last dim is "
                                         r"input_size=3, got shape \(5, 2, 7\)"):
        m(mg.randn(5, 2, 7))
    with pytest.raises(ValueError, match=rf"{name}: expects a 2-D or 3-D input .* got shape "
                                         r"\(5, 2, 1, 3\)"):
        m(mg.randn(5, 2, 1, 3))
    with pytest.raises(ValueError, match=rf"{name}: h_0 must have shape \(1, 2, 4\) \(D \* "
                                         r"num_layers, N, hidden_size\), got \(1, 3, 4\)"):
        m(mg.randn(5, 2, 3), mg.zeros(1, 3, 4))
    with pytest.raises(ValueError, match=r"h_0 must have shape \(1, 4\) .* got \(1, 1, 4\)"):
        m(mg.randn(5, 3), mg.zeros(1, 1, 4))  # unbatched input wants a 2-D h_0
    with pytest.raises(TypeError, match=rf"{name}: h_0 must be a Tensor .* got tuple"):
        m(mg.randn(5, 2, 3), (mg.zeros(1, 2, 4),))
    with pytest.raises(TypeError, match=rf"{name}: expects a Tensor input, got ndarray"):
        m(np.zeros((5, 2, 3)))
    with pytest.raises(TypeError, match=rf"{name}: expects a floating input, got int64"):
        m(mg.tensor([[[1, 2, 3]]]))
    with pytest.raises(TypeError, match=rf"{name}: the input is float64 but the weights are "
                                        r"float32.*\.float\(\).*\.double\(\)"):
        m(mg.randn(5, 2, 3, dtype=mg.float64))
    with pytest.raises(TypeError, match=rf"{name}: h_0 is float64 but the input is float32"):
        m(mg.randn(5, 2, 3), mg.zeros(1, 2, 4, dtype=mg.float64))


def test_lstm_state_must_be_a_pair():
    with pytest.raises(TypeError, match=r"LSTM: hx must be a tuple \(h_0, c_0\) of Tensors, got "
                                        r"Tensor"):
        nn.LSTM(3, 4)(mg.randn(5, 2, 3), mg.zeros(1, 2, 4))


@pytest.mark.parametrize("cls", [nn.GRUCell, nn.RNNCell])
def test_cell_bad_inputs_name_the_cell(cls):
    name, cell = cls.__name__, cls(3, 4)
    with pytest.raises(ValueError, match=rf"{name}: expects a 1-D or 2-D input whose last dim is "
                                         r"input_size=3, got shape \(2, 5\)"):
        cell(mg.randn(2, 5))
    with pytest.raises(ValueError, match=rf"{name}: h must have shape \(2, 4\) for an input of "
                                         r"shape \(2, 3\), got \(3, 4\)"):
        cell(mg.randn(2, 3), mg.zeros(3, 4))
    with pytest.raises(ValueError, match=rf"{name}: h must have shape \(4,\) for an input of "
                                         r"shape \(3,\), got \(1, 4\)"):
        cell(mg.randn(3), mg.zeros(1, 4))


def test_repr_is_pytorchs():
    assert repr(nn.RNN(3, 4, 2, "relu", bias=False, dropout=0.5, bidirectional=True)) == \
        "RNN(3, 4, num_layers=2, bias=False, dropout=0.5, bidirectional=True)"
    assert repr(nn.GRU(3, 4, batch_first=True)) == "GRU(3, 4, batch_first=True)"
    assert repr(nn.RNNCell(3, 4, bias=False, nonlinearity="relu")) == \
        "RNNCell(3, 4, bias=False, nonlinearity=relu)"
    assert repr(nn.GRUCell(3, 4)) == "GRUCell(3, 4)"


@pytest.mark.parametrize("cls", [nn.GRU, nn.RNN, nn.LSTM])
def test_flatten_parameters_is_the_cpu_no_op_pytorch_code_calls(cls):
    m = cls(3, 4, dtype=mg.float64)
    x = mg.randn(5, 2, 3, dtype=mg.float64)
    before, params = _np(m(x)[0]), [id(p) for p in m.parameters()]
    assert m.flatten_parameters() is None
    assert [id(p) for p in m.parameters()] == params
    np.testing.assert_array_equal(_np(m(x)[0]), before)


def test_a_packed_sequence_is_refused_naming_the_fix():
    class PackedSequence(tuple):  # what torch.nn.utils.rnn.pack_padded_sequence returns
        pass

    with pytest.raises(TypeError, match=r"GRU: expects a Tensor input, got PackedSequence; "
                                        r"packed sequences are not supported, pad"):
        nn.GRU(3, 4)(PackedSequence((mg.randn(5, 3), mg.tensor([3, 2]))))
