"""The names added for issue 13 item 1: values against NumPy / closed forms always, against
PyTorch when installed, and gradients by gradcheck in float64."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from minigrad.testing import gradcheck, gradgradcheck

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]

RNG = np.random.default_rng(0)
A, B, V = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2)), RNG.standard_normal(4)
T3 = RNG.standard_normal((2, 3, 4))


def leaf(a):
    return mg.tensor(a, dtype=mg.float64, requires_grad=True)


def np_of(t):
    return t.detach().numpy()


# name -> (minigrad fn of leaves, numpy reference of arrays, args)
CLOSED = {
    "mm": (lambda a, b: mg.mm(a, b), lambda a, b: a @ b, (A, B)),
    "mv": (lambda a, v: mg.mv(a, v), lambda a, v: a @ v, (A, V)),
    "dot": (lambda u, v: mg.dot(u, v), np.dot, (V, V[::-1].copy())),
    "bmm": (lambda a, b: mg.bmm(a, b), np.matmul, (T3, RNG.standard_normal((2, 4, 5)))),
    "addmm": (lambda c, a, b: mg.addmm(c, a, b, beta=0.5, alpha=2.0),
              lambda c, a, b: 0.5 * c + 2.0 * a @ b, (RNG.standard_normal((3, 2)), A, B)),
    "einsum_ij,jk": (lambda a, b: mg.einsum("ij,jk->ik", a, b), lambda a, b: a @ b, (A, B)),
    "einsum_bij->bji": (lambda x: mg.einsum("bij->bji", x), lambda x: x.transpose(0, 2, 1),
                        (T3,)),
    "einsum_implicit": (lambda a, b: mg.einsum("ij,jk", a, b), lambda a, b: a @ b, (A, B)),
    "tril": (lambda a: mg.tril(a, -1), lambda a: np.tril(a, -1), (A,)),
    "triu": (lambda a: a.triu(1), lambda a: np.triu(a, 1), (A,)),
    "linalg.norm": (lambda a: mg.linalg.norm(a), np.linalg.norm, (A,)),
    "std": (lambda a: a.std(dim=1), lambda a: a.std(axis=1, ddof=1), (A,)),
    "log1p": (lambda a: mg.log1p(a), np.log1p, (np.abs(A),)),
    "expm1": (lambda a: a.expm1(), np.expm1, (A,)),
    "repeat": (lambda a: a.repeat(2, 1, 3), lambda a: np.tile(a, (2, 1, 3)), (A,)),
    "flip": (lambda x: x.flip((0, 2)), lambda x: np.flip(x, (0, 2)), (T3,)),
    "t": (lambda a: a.t(), lambda a: a.T, (A,)),
    "amax": (lambda x: x.amax(dim=(0, 2)), lambda x: x.max(axis=(0, 2)), (T3,)),
    "amin": (lambda x: mg.amin(x, (1, 2), keepdim=True),
             lambda x: x.min(axis=(1, 2), keepdims=True), (T3,)),
    "max_dims": (lambda x: x.max(dim=(0, 1)), lambda x: x.max(axis=(0, 1)), (T3,)),
    "leaky_relu": (lambda a: F.leaky_relu(a, 0.1), lambda a: np.where(a > 0, a, 0.1 * a), (A,)),
    "elu": (lambda a: F.elu(a), lambda a: np.where(a > 0, a, np.expm1(a)), (A,)),
    "softplus": (lambda a: F.softplus(a * 30), lambda a: np.logaddexp(0, a * 30), (A,)),
    "gelu": (lambda a: F.gelu(a), lambda a: 0.5 * a * (1 + np.vectorize(math.erf)(a / 2**0.5)),
             (A,)),
    "gelu_tanh": (lambda a: F.gelu(a, approximate="tanh"),
                  lambda a: 0.5 * a * (1 + np.tanh((2 / np.pi) ** 0.5 * (a + 0.044715 * a**3))),
                  (A,)),
    "silu": (lambda a: F.silu(a), lambda a: a / (1 + np.exp(-a)), (A,)),
    "normalize": (lambda a: F.normalize(a, dim=1),
                  lambda a: a / np.linalg.norm(a, axis=1, keepdims=True), (A,)),
    "cosine_similarity": (lambda a, b: F.cosine_similarity(a, b),
                          lambda a, b: (a * b).sum(1) / np.linalg.norm(a, axis=1) /
                          np.linalg.norm(b, axis=1), (A, A[::-1].copy())),
    "pad": (lambda a: F.pad(a, (1, 2, 0, 1), value=0.5),
            lambda a: np.pad(a, ((0, 1), (1, 2)), constant_values=0.5), (A,)),
    "huber": (lambda a, b: F.huber_loss(a, b, delta=0.5),
              lambda a, b: np.where(np.abs(a - b) < 0.5, 0.5 * (a - b) ** 2,
                                    0.5 * (np.abs(a - b) - 0.25)).mean(), (A, A * 0.3)),
    "smooth_l1": (lambda a, b: F.smooth_l1_loss(a, b, beta=0.5),
                  lambda a, b: np.where(np.abs(a - b) < 0.5, (a - b) ** 2,
                                        np.abs(a - b) - 0.25).mean(), (A, A * 0.3)),
    "kl_div": (lambda a, b: F.kl_div(a, b, reduction="batchmean"),
               lambda a, b: (b * (np.log(b) - a)).sum() / 3,
               (np.log(np.full((3, 4), 0.25)), np.abs(A) / np.abs(A).sum(1, keepdims=True))),
}


@pytest.mark.parametrize("name", sorted(CLOSED))
def test_values_match_the_closed_form(name):
    fn, ref, args = CLOSED[name]
    np.testing.assert_allclose(np_of(fn(*map(leaf, args))), ref(*args), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(CLOSED))
def test_gradients_check(name):
    fn, _, args = CLOSED[name]
    assert gradcheck(fn, tuple(map(leaf, args)))


@pytest.mark.parametrize("name", ["gelu", "elu", "softplus", "log1p", "einsum_ij,jk", "amax"])
def test_second_derivatives_check(name):
    fn, _, args = CLOSED[name]
    assert gradgradcheck(fn, tuple(map(leaf, args)))


TORCH = {  # name -> torch spelling of the same call
    "mm": lambda t, a, b: t.mm(a, b), "mv": lambda t, a, v: t.mv(a, v),
    "dot": lambda t, u, v: t.dot(u, v), "bmm": lambda t, a, b: t.bmm(a, b),
    "addmm": lambda t, c, a, b: t.addmm(c, a, b, beta=0.5, alpha=2.0),
    "einsum_ij,jk": lambda t, a, b: t.einsum("ij,jk->ik", a, b),
    "tril": lambda t, a: t.tril(a, -1), "triu": lambda t, a: a.triu(1),
    "linalg.norm": lambda t, a: t.linalg.norm(a), "std": lambda t, a: a.std(dim=1),
    "log1p": lambda t, a: t.log1p(a), "expm1": lambda t, a: a.expm1(),
    "repeat": lambda t, a: a.repeat(2, 1, 3), "flip": lambda t, x: x.flip((0, 2)),
    "t": lambda t, a: a.t(), "amax": lambda t, x: x.amax(dim=(0, 2)),
    "amin": lambda t, x: t.amin(x, (1, 2), keepdim=True),
    "leaky_relu": lambda t, a: t.nn.functional.leaky_relu(a, 0.1),
    "elu": lambda t, a: t.nn.functional.elu(a),
    "softplus": lambda t, a: t.nn.functional.softplus(a * 30),
    "gelu": lambda t, a: t.nn.functional.gelu(a),
    "gelu_tanh": lambda t, a: t.nn.functional.gelu(a, approximate="tanh"),
    "silu": lambda t, a: t.nn.functional.silu(a),
    "normalize": lambda t, a: t.nn.functional.normalize(a, dim=1),
    "cosine_similarity": lambda t, a, b: t.nn.functional.cosine_similarity(a, b),
    "pad": lambda t, a: t.nn.functional.pad(a, (1, 2, 0, 1), value=0.5),
    "huber": lambda t, a, b: t.nn.functional.huber_loss(a, b, delta=0.5),
    "smooth_l1": lambda t, a, b: t.nn.functional.smooth_l1_loss(a, b, beta=0.5),
    "kl_div": lambda t, a, b: t.nn.functional.kl_div(a, b, reduction="batchmean"),
}


@pytest.mark.parametrize("name", sorted(TORCH))
def test_values_and_gradients_match_torch(name):
    torch = pytest.importorskip("torch")
    fn, _, args = CLOSED[name]
    ours = tuple(map(leaf, args))
    theirs = tuple(torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args)
    y, yt = fn(*ours), TORCH[name](torch, *theirs)
    np.testing.assert_allclose(np_of(y), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    (y * mg.tensor(np.arange(y.numel()).reshape(y.shape) + 1.0, dtype=mg.float64)).sum().backward()
    (yt * (torch.arange(yt.numel()).reshape(yt.shape) + 1.0)).sum().backward()
    for a, at in zip(ours, theirs):
        np.testing.assert_allclose(np_of(a.grad), at.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_modules_call_their_functions():
    x = leaf(A)
    for mod, fn in [(nn.LeakyReLU(0.2), lambda t: F.leaky_relu(t, 0.2)), (nn.ELU(0.5),
                    lambda t: F.elu(t, 0.5)), (nn.Softplus(2.0), lambda t: F.softplus(t, 2.0)),
                    (nn.GELU("tanh"), lambda t: F.gelu(t, approximate="tanh")),
                    (nn.SiLU(), F.silu)]:
        np.testing.assert_array_equal(np_of(mod(x)), np_of(fn(x)))
    y = leaf(A * 0.5)
    assert nn.HuberLoss(delta=0.5)(x, y).item() == F.huber_loss(x, y, delta=0.5).item()
    assert nn.SmoothL1Loss()(x, y).item() == F.smooth_l1_loss(x, y).item()
    p = F.log_softmax(x, 1)
    q = F.softmax(y, 1)
    assert nn.KLDivLoss("sum")(p, q).item() == F.kl_div(p, q, "sum").item()


def test_comparisons_and_creation():
    a = mg.tensor([1.0, 2.0, float("nan")])
    assert mg.isclose(a, a + 1e-9).tolist() == [True, True, False]
    assert mg.isclose(a, a, equal_nan=True).tolist() == [True, True, True]
    assert mg.allclose(mg.ones(2), mg.ones(2) + 1e-7) and not mg.allclose(mg.ones(2), mg.zeros(2))
    assert mg.equal(mg.ones(2), mg.ones(2)) and not mg.equal(mg.ones(2), mg.ones(3))
    np.testing.assert_allclose(mg.linspace(-1, 1, 5).numpy(), np.linspace(-1, 1, 5))
    assert mg.linspace(0, 1, 7).dtype == mg.float32 and mg.empty(2, 3).shape == (2, 3)
    mg.manual_seed(0)
    r = mg.randint(3, 7, (1000,))
    assert r.dtype == mg.int64 and 3 <= r.numpy().min() and r.numpy().max() == 6
    assert mg.randint(5, (2, 2)).shape == (2, 2)
    assert sorted(mg.randperm(6).tolist()) == list(range(6))
    n = mg.normal(2.0, 0.5, size=(20000,)).numpy()
    assert abs(n.mean() - 2.0) < 0.02 and abs(n.std() - 0.5) < 0.02
    assert mg.normal(mg.zeros(3), mg.ones(3)).shape == (3,)
    arr = np.zeros(3)
    t = mg.from_numpy(arr)
    arr[0] = 5.0
    assert t.dtype == mg.float64 and t.tolist() == [5.0, 0.0, 0.0]
    u = mg.zeros(1000).uniform_(-2.0, -1.0).numpy()
    assert -2.0 <= u.min() and u.max() < -1.0
    assert abs(mg.zeros(20000).normal_(3.0, 1.0).numpy().mean() - 3.0) < 0.05


def test_tensor_methods():
    x = mg.tensor([[1.5, -2.0]])
    assert x.int().dtype == mg.int32 and x.int().tolist() == [[1, -2]]
    assert x.type() == "minigrad.FloatTensor" and x.type(mg.float64).dtype == mg.float64
    assert x.type("torch.DoubleTensor").dtype == mg.float64
    assert x.contiguous() is x
    assert x.new_zeros(2, 3).shape == (2, 3) and x.new_ones((2,)).dtype == mg.float32
    assert x.new_full((2,), 7).tolist() == [7.0, 7.0] and x.new_tensor([1, 2]).dtype == mg.float32
    assert mg.ones(3).t().shape == (3,)
    with pytest.raises(ValueError, match="t: expects a tensor with <= 2 dims"):
        mg.ones(2, 2, 2).t()


def test_defaults_device_dtype_and_paths():
    assert mg.get_default_dtype() == mg.float32
    mg.set_default_dtype(mg.float64)
    try:
        assert mg.tensor([1.0]).dtype == mg.float64 and mg.zeros(2).dtype == mg.float64
    finally:
        mg.set_default_dtype(mg.float32)
    assert mg.tensor([1.0]).dtype == mg.float32
    d = mg.device("cpu")
    assert d == "cpu" and d.type == "cpu" and d.index is None
    assert mg.device("cuda", 1) == "cuda:1" and mg.device("cuda:1").index == 1
    mg.set_default_device(mg.device("strict"))
    try:
        assert mg.zeros(2).device == "strict" and mg.tensor([1.0]).device == "strict"
    finally:
        mg.set_default_device("cpu")
    assert mg.ones(2, device=d).device == "cpu" and mg.ones(2).to(d).device == "cpu"
    with pytest.raises(ValueError, match="device: unknown device 'gpu'"):
        mg.device("gpu")
    from minigrad.utils.data import DataLoader, TensorDataset

    assert DataLoader is mg.data.DataLoader and TensorDataset is mg.data.TensorDataset
    assert mg.autograd.gradcheck is mg.testing.gradcheck
    with mg.inference_mode():
        assert not (leaf(A) * 2).requires_grad


def test_jacobian_and_hessian():
    x = leaf(V)
    J = mg.autograd.functional.jacobian(lambda t: t * t, x)
    np.testing.assert_allclose(np_of(J), np.diag(2 * V))
    H = mg.autograd.functional.hessian(lambda t: (t ** 3).sum(), x)
    np.testing.assert_allclose(np_of(H), np.diag(6 * V))
    Ja, Jb = mg.autograd.functional.jacobian(lambda a, b: a @ b, (leaf(A), leaf(V)))
    assert Ja.shape == (3, 3, 4) and Jb.shape == (3, 4)
    np.testing.assert_allclose(np_of(Jb), A)


def test_one_hot_and_adagrad_match_torch():
    torch = pytest.importorskip("torch")
    idx = [2, 0, 1, 2]
    np.testing.assert_array_equal(F.one_hot(mg.tensor(idx), 4).numpy(),
                                  torch.nn.functional.one_hot(torch.tensor(idx), 4).numpy())
    w0 = RNG.standard_normal(5)
    w, wt = mg.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    opt = mg.optim.Adagrad([w], lr=0.1, lr_decay=0.01, weight_decay=0.1,
                           initial_accumulator_value=0.2)
    optt = torch.optim.Adagrad([wt], lr=0.1, lr_decay=0.01, weight_decay=0.1,
                               initial_accumulator_value=0.2)
    for _ in range(5):
        for o, p, lib in ((opt, w, mg), (optt, wt, torch)):
            o.zero_grad()
            (p ** 4).sum().backward()
            o.step()
    np.testing.assert_allclose(w.detach().numpy(), wt.detach().numpy(), rtol=1e-12)
