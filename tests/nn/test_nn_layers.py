"""Layers: shapes, values against NumPy, initialisation, modes, and float64 gradchecks."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.testing import gradcheck

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex3_1,
              pytest.mark.ex3_2, pytest.mark.ex3_4]


def f64(*shape, lo=-1.0, hi=1.0, seed=0):
    rng = np.random.default_rng(seed)
    return mg.tensor(rng.uniform(lo, hi, shape), dtype=mg.float64, requires_grad=True)


def test_linear_shapes_init_and_values():
    mg.manual_seed(7)
    lin = nn.Linear(5, 3)
    assert lin.weight.shape == (3, 5) and lin.bias.shape == (3,)
    bound = 1 / math.sqrt(5)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert w.std() > bound / 4  # really spread over the interval, not all zeros
    mg.manual_seed(7)
    again = nn.Linear(5, 3)
    np.testing.assert_array_equal(again.weight.detach().numpy(), w)  # seeded
    x = mg.randn(4, 5)
    np.testing.assert_allclose(lin(x).detach().numpy(), x.numpy() @ w.T + b, rtol=1e-5,
                               atol=1e-6)
    assert lin(mg.randn(2, 6, 5)).shape == (2, 6, 3)  # extra batch dims


def test_linear_init_is_uniform_over_the_bound():
    mg.manual_seed(0)
    w = nn.Linear(400, 300).weight.detach().numpy()
    b = 1 / 20
    assert abs(w.mean()) < 2e-3 and abs(w.std() - b / math.sqrt(3)) < 1e-3


def test_linear_error_names_shapes_and_bias_free():
    lin = nn.Linear(4, 2, bias=False, dtype=mg.float64)
    assert lin.bias is None and lin.weight.dtype == mg.float64
    assert [n for n, _ in lin.named_parameters()] == ["weight"]
    with pytest.raises(ValueError, match=r"\(8, 3\).*\(2, 4\).*in_features = 4"):
        lin(mg.randn(8, 3, dtype=mg.float64))


@pytest.mark.parametrize("layer,ref", [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.Tanh(), np.tanh),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Identity(), lambda x: x),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(1, keepdims=True))),
])
def test_activations_match_numpy(layer, ref):
    x = mg.randn(4, 3, dtype=mg.float64)
    np.testing.assert_allclose(layer(x).numpy(), ref(x.numpy()), rtol=1e-12, atol=1e-12)


def test_flatten():
    x = mg.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


def test_dropout_train_and_eval():
    drop = nn.Dropout(0.25)
    x = mg.ones(200, 50)
    y = drop(x).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.75)  # survivors are scaled: E[y] = x
    mg.manual_seed(3)
    a = drop(x).numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(drop(x).numpy(), a)  # the mask comes from manual_seed
    assert drop.eval()(x) is x
    assert not nn.Dropout(1.0)(x).numpy().any()
    assert nn.Dropout(0.0)(x) is x
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        nn.Dropout(1.5)


def test_dropout_gradient_goes_through_kept_units_only():
    x = mg.ones(10, 10, requires_grad=True)
    y = nn.Dropout(0.5)(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


def test_layer_norm_matches_formula():
    ln = nn.LayerNorm(6, dtype=mg.float64)
    assert ln.weight.shape == (6,) and ln.bias.shape == (6,)
    ln.weight.array[...] = np.linspace(0.5, 2, 6)
    ln.bias.array[...] = 0.1
    x = mg.randn(3, 4, 6, dtype=mg.float64)
    xn = x.numpy()
    mu = xn.mean(-1, keepdims=True)
    ref = (xn - mu) / np.sqrt(xn.var(-1, keepdims=True) + 1e-5) * np.linspace(0.5, 2, 6) + 0.1
    np.testing.assert_allclose(ln(x).detach().numpy(), ref, rtol=1e-12)
    two = nn.LayerNorm((4, 6), elementwise_affine=False)
    y = two(x.float()).numpy()
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 0, atol=1e-5)
    assert list(two.parameters()) == []
    with pytest.raises(ValueError, match=r"does not end with normalized_shape \(6,\)"):
        ln(mg.randn(3, 5, dtype=mg.float64))


def test_embedding_lookup_and_accumulating_gradient():
    emb = nn.Embedding(5, 3)
    idx = mg.tensor([[0, 2], [2, 4]])
    out = emb(idx)
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out.detach().numpy(), emb.weight.detach().numpy()[idx.numpy()])
    out.sum().backward()
    counts = np.bincount(idx.numpy().ravel(), minlength=5)
    np.testing.assert_array_equal(emb.weight.grad.numpy(), np.repeat(counts[:, None], 3, 1))
    with pytest.raises(IndexError, match=r"index 5 is out of range for 5 embeddings"):
        emb(mg.tensor([1, 5]))
    with pytest.raises(TypeError, match="integer"):
        emb(mg.tensor([1.0]))


def test_embedding_padding_row_is_zero_and_frozen():
    emb = nn.Embedding(4, 2, padding_idx=1)
    assert not emb.weight.detach().numpy()[1].any()
    emb(mg.tensor([1, 1, 3])).sum().backward()
    assert not emb.weight.grad.numpy()[1].any() and emb.weight.grad.numpy()[3].all()
    assert repr(emb) == "Embedding(4, 2, padding_idx=1)"


# ----------------------------------------------------------------------------- gradchecks
def _double(module):
    return module.to(mg.float64)


@pytest.mark.parametrize("make", [
    lambda: nn.Linear(3, 2), lambda: nn.Linear(3, 2, bias=False), lambda: nn.Tanh(),
    lambda: nn.Sigmoid(), lambda: nn.Identity(), lambda: nn.Flatten(), lambda: nn.LayerNorm(3),
    lambda: nn.LayerNorm((2, 3)), lambda: nn.Softmax(dim=-1), lambda: nn.LogSoftmax(dim=1),
    lambda: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)),
], ids=["linear", "linear_nobias", "tanh", "sigmoid", "identity", "flatten", "layernorm",
        "layernorm2d", "softmax", "logsoftmax", "mlp"])
def test_layer_gradcheck_float64(make):
    layer = _double(make())
    x = f64(2, 2, 3)
    params = list(layer.parameters())
    assert gradcheck(lambda x, *ps: layer(x), [x, *params])


def test_relu_gradcheck_away_from_the_kink():
    x = f64(4, 3)
    x.array[np.abs(x.array) < 0.05] = 0.3  # finite differences are meaningless at 0
    assert gradcheck(lambda x: nn.ReLU()(x), [x])


def test_dropout_gradcheck_with_a_fixed_mask():
    drop = nn.Dropout(0.4)

    def f(x):
        mg.manual_seed(11)  # same mask at every evaluation
        return drop(x)

    assert gradcheck(f, [f64(3, 4)])


def test_embedding_gradcheck_wrt_weight():
    emb = _double(nn.Embedding(4, 3))
    idx = mg.tensor([[0, 3], [3, 3]])
    assert gradcheck(lambda w: emb(idx), [emb.weight])


# nn.LazyLinear (PyTorch's): in_features comes from the first input; then it is an nn.Linear.
def test_lazy_linear_infers_in_features_and_becomes_a_linear():
    lazy = nn.LazyLinear(3)
    assert isinstance(lazy, nn.Linear) and lazy.has_uninitialized_params()
    assert lazy.in_features == 0 and [p.numel() for p in lazy.parameters()] == [0, 0]
    assert repr(lazy) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    x = mg.randn(4, 5)
    y = lazy(x)
    assert type(lazy) is nn.Linear  # (as torch's cls_to_become)
    assert lazy.in_features == 5 and lazy.weight.shape == (3, 5) and lazy.bias.shape == (3,)
    assert y.shape == (4, 3) and repr(lazy) == "Linear(in_features=5, out_features=3, bias=True)"
    np.testing.assert_allclose(y.detach().numpy(), x.numpy() @ lazy.weight.detach().numpy().T
                               + lazy.bias.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert lazy(mg.randn(2, 7, 5)).shape == (2, 7, 3)
    with pytest.raises(ValueError, match=r"in_features = 5"):
        lazy(mg.randn(2, 6))  # the size is fixed by the first call


def test_lazy_linear_draws_the_same_init_as_linear():
    x = mg.randn(2, 6)
    mg.manual_seed(3)
    lazy = nn.LazyLinear(4)
    lazy(x)
    mg.manual_seed(3)
    ref = nn.Linear(6, 4)
    np.testing.assert_array_equal(lazy.weight.detach().numpy(), ref.weight.detach().numpy())
    np.testing.assert_array_equal(lazy.bias.detach().numpy(), ref.bias.detach().numpy())
    bound = 1 / math.sqrt(6)
    assert np.abs(lazy.weight.detach().numpy()).max() <= bound


def test_lazy_linear_keeps_its_parameter_objects_for_an_optimizer_made_before():
    lazy = nn.LazyLinear(2, bias=False, dtype=mg.float64)
    opt = mg.optim.SGD(lazy.parameters(), lr=0.5)
    (w,) = list(lazy.parameters())
    x = mg.ones(3, 4, dtype=mg.float64)
    lazy(x).sum().backward()
    assert lazy.weight is w and w.shape == (2, 4) and w.dtype == mg.float64 and lazy.bias is None
    before = w.detach().numpy().copy()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), before - 0.5 * 3.0)  # d(sum)/dw = 3 each


def test_lazy_linear_gradcheck_float64_and_to_before_the_first_call():
    lazy = nn.LazyLinear(2).to(mg.float64)  # moved while still empty: initialised as float64
    x = f64(3, 4)
    lazy(x)
    assert lazy.weight.dtype == lazy.bias.dtype == mg.float64
    assert gradcheck(lambda x, w, b: lazy(x), [x, lazy.weight, lazy.bias])


def test_lazy_linear_bad_input_and_load_before_the_first_call():
    lazy = nn.LazyLinear(3)
    with pytest.raises(TypeError, match=r"linear: input must be a Tensor, got ndarray"):
        lazy(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"LazyLinear: a 0-d input has no feature dim"):
        lazy(mg.tensor(1.0))
    assert lazy.has_uninitialized_params()  # a refused input initialises nothing
    sd = nn.Linear(4, 3).state_dict()
    with pytest.raises(RuntimeError, match=r"load_state_dict: LazyLinear at 'lin' has not seen an "
                                           r"input yet.* call the model once on an example "
                                           r"input first"):
        nn.ModuleDict({"lin": lazy}).load_state_dict({"lin." + k: v for k, v in sd.items()})
    lazy(mg.randn(1, 4))
    lazy.load_state_dict(sd)
    np.testing.assert_array_equal(lazy.weight.detach().numpy(), sd["weight"].numpy())


def test_lazy_linear_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.LazyLinear(3), torch.nn.LazyLinear(3)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    ours(mg.tensor(x))
    theirs(torch.tensor(x))
    assert (type(ours).__name__, ours.in_features, ours.weight.shape) == (
        type(theirs).__name__, theirs.in_features, tuple(theirs.weight.shape))
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.detach().numpy()))
        theirs.bias.copy_(torch.tensor(ours.bias.detach().numpy()))
    np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert repr(nn.LazyLinear(3, bias=False)) == repr(torch.nn.LazyLinear(3, bias=False))
