"""The CNN family without PyTorch: hand-computed values, PyTorch's init and state_dict keys,
running statistics by NumPy, errors that name the fix, the strict stand-in, dropout, and the
quality bar (a small CNN reaches 98% on the digits)."""
import time

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.data import DataLoader, load_digits, train_test_split
from minigrad.testing import gradcheck, gradgradcheck

pytestmark = [pytest.mark.ex3_2]

pytestmark = [*(pytestmark if isinstance(pytestmark, list) else [pytestmark]), pytest.mark.ex2_1,
              pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex3_5]


def test_conv2d_by_hand():
    x = mg.tensor(np.arange(16.0).reshape(1, 1, 4, 4), dtype=mg.float32)
    w = mg.tensor([[[[1.0, 0.0], [0.0, -1.0]]]])  # x[i, j] - x[i+1, j+1] = -5 everywhere
    out = F.conv2d(x, w, mg.tensor([2.0]), stride=2)
    assert out.tolist() == [[[[-3.0, -3.0], [-3.0, -3.0]]]]


def test_max_pool2d_ceil_mode_and_indices_by_hand():
    x = mg.tensor(np.arange(25.0).reshape(1, 1, 5, 5))
    assert F.max_pool2d(x, 2).tolist() == [[[[6.0, 8.0], [16.0, 18.0]]]]
    out, idx = F.max_pool2d(x, 2, ceil_mode=True, return_indices=True)
    assert out.tolist() == [[[[6.0, 8.0, 9.0], [16.0, 18.0, 19.0], [21.0, 23.0, 24.0]]]]
    assert idx.tolist() == out.long().tolist()  # x's values are their own flat indices


def test_avg_pool2d_padding_counts_by_hand():
    x = mg.ones(1, 1, 2, 2)
    with_pad = F.avg_pool2d(x, 2, stride=1, padding=1)
    assert with_pad[0, 0].tolist() == [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]]
    assert F.avg_pool2d(x, 2, stride=1, padding=1, count_include_pad=False).tolist() == [
        [[[1.0] * 3] * 3]]


def test_fold_is_the_adjoint_of_unfold():
    rng = np.random.default_rng(0)
    x, c = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((2, 3 * 6, 15))
    kw = dict(kernel_size=(3, 2), dilation=(1, 2), padding=1, stride=(2, 1))
    lhs = (F.unfold(mg.tensor(x), **kw) * mg.tensor(c)).sum().item()  # <U x, c> = <x, F c>
    rhs = (mg.tensor(x) * F.fold(mg.tensor(c), (6, 5), **kw)).sum().item()
    assert F.unfold(mg.tensor(x), **kw).shape == (2, 18, 15)
    assert abs(lhs - rhs) < 1e-9 * max(1.0, abs(lhs))


def test_modules_state_dict_keys_and_init_follow_pytorch():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.ConvTranspose2d(4, 6, 2),
                          nn.BatchNorm1d(3), nn.LayerNorm(5))
    assert {k: v.shape for k, v in model.state_dict().items()} == {
        "0.weight": (4, 2, 3, 3), "0.bias": (4,), "1.weight": (4,), "1.bias": (4,),
        "1.running_mean": (4,), "1.running_var": (4,), "1.num_batches_tracked": (),
        "2.weight": (4, 6, 2, 2), "2.bias": (6,), "3.weight": (3,), "3.bias": (3,),
        "3.running_mean": (3,), "3.running_var": (3,), "3.num_batches_tracked": (),
        "4.weight": (5,), "4.bias": (5,)}
    assert [k for k, _ in model.named_parameters()] == [
        "0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias", "3.weight", "3.bias",
        "4.weight", "4.bias"]  # the running stats are buffers, not parameters
    conv, bn = model[0], model[1]
    bound = 1 / np.sqrt(2 * 9)  # U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C_in * kh * kw
    w = conv.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(model[2].weight.detach().numpy()).max() <= 1 / np.sqrt(6 * 4)
    assert bn.weight.tolist() == [1.0] * 4 and bn.bias.tolist() == [0.0] * 4
    assert bn.running_var.tolist() == [1.0] * 4 and bn.num_batches_tracked.dtype == mg.int64
    mg.manual_seed(0)
    assert np.array_equal(nn.Conv2d(2, 4, 3).weight.detach().numpy(), w)  # seeded


def test_batch_norm_running_stats_match_numpy_and_eval_uses_them():
    bn = nn.BatchNorm2d(3, momentum=0.2).double()
    rng = np.random.default_rng(0)
    mean, var = np.zeros(3), np.ones(3)
    for _ in range(3):
        x = rng.standard_normal((4, 3, 2, 5)) * 3 + 1
        out = bn(mg.tensor(x)).detach().numpy()
        m, v = x.mean((0, 2, 3)), x.var((0, 2, 3))
        want = (x - m[None, :, None, None]) / np.sqrt(v[None, :, None, None] + 1e-5)
        np.testing.assert_allclose(out, want, atol=1e-12)
        mean, var = 0.8 * mean + 0.2 * m, 0.8 * var + 0.2 * v * 40 / 39  # unbiased
    np.testing.assert_allclose(bn.running_mean.numpy(), mean, atol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), var, atol=1e-12)
    assert bn.num_batches_tracked.item() == 3
    bn.eval()
    x = rng.standard_normal((2, 3, 2, 2))
    want = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(bn(mg.tensor(x)).detach().numpy(), want, atol=1e-12)
    assert bn.num_batches_tracked.item() == 3  # eval leaves the stats alone


def test_batch_norm_momentum_none_is_a_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None).double()
    xs = [np.random.default_rng(i).standard_normal((5, 2)) for i in range(3)]
    for x in xs:
        bn(mg.tensor(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([x.mean(0) for x in xs], 0))


def test_a_small_cnn_gradchecks_through_every_module():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(),
                          nn.MaxPool2d(2), nn.ConvTranspose2d(2, 2, 2, stride=2),
                          nn.AvgPool2d(2), nn.Flatten(), nn.LayerNorm(8)).double()
    x = mg.tensor(np.random.default_rng(0).standard_normal((2, 1, 4, 4)), requires_grad=True)
    assert gradcheck(lambda x: model(x), [x])
    assert gradgradcheck(lambda x: model(x), [x])


def test_the_family_runs_on_the_strict_stand_in():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(),
                          nn.MaxPool2d(2, ceil_mode=True), nn.ConvTranspose2d(2, 2, 2, stride=2),
                          nn.AvgPool2d(3, 1, 1, count_include_pad=False), nn.Flatten())
    x = mg.tensor(np.random.default_rng(0).standard_normal((2, 1, 5, 5)), dtype=mg.float32)
    want = model(x)
    want.sum().backward()
    grads = [p.grad.numpy() for p in model.parameters()]
    model.zero_grad()
    model.to("strict")
    got = model(x.to("strict"))
    got.sum().backward()
    assert got.device == "strict" and model[1].running_mean.device == "strict"
    np.testing.assert_allclose(got.detach().cpu().numpy(), want.detach().numpy(), atol=1e-5)
    for p, g in zip(model.parameters(), grads):
        np.testing.assert_allclose(p.grad.cpu().numpy(), g, atol=1e-4)


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv2d(mg.ones(1, 3, 5, 5), mg.ones(2, 2, 3, 3)), "has 3 channels"),
    (lambda: F.conv2d(mg.ones(1, 1, 2, 2), mg.ones(1, 1, 3, 3)), "larger than the padded"),
    (lambda: F.conv2d(mg.ones(5, 5), mg.ones(1, 1, 3, 3)), "must be 3-D or 4-D"),
    (lambda: F.conv2d(mg.ones(1, 1, 5, 5), mg.ones(1, 1, 3, 3), stride=2, padding="same"),
     "needs stride 1"),
    (lambda: F.conv2d(mg.ones(1, 1, 5, 5), mg.ones(1, 1, 3, 3, dtype=mg.float64)),
     "convert one"),
    (lambda: F.conv2d(mg.ones(1, 1, 5, 5), mg.ones(1, 1, 3, 3), stride=0), "stride must be"),
    (lambda: F.conv_transpose2d(mg.ones(1, 1, 3, 3), mg.ones(1, 1, 3, 3), output_padding=1),
     "output_padding"),
    (lambda: F.max_pool2d(mg.ones(1, 1, 4, 4), 2, padding=2), "at most half"),
    (lambda: F.avg_pool2d(mg.ones(1, 1, 2, 2), 3), "smaller than"),
    (lambda: F.fold(mg.ones(1, 9, 5), (4, 4), 3), "number of blocks"),
    (lambda: F.batch_norm(mg.ones(1, 3), None, None, training=True), "more than 1 value"),
    (lambda: F.batch_norm(mg.ones(4, 3), None, None), "running_mean/running_var are None"),
    (lambda: F.batch_norm(mg.ones(4, 3), mg.zeros(2), mg.ones(2)), "must have shape (3,)"),
    (lambda: F.layer_norm(mg.ones(2, 3), (2,)), "does not end with"),
    (lambda: nn.BatchNorm2d(3)(mg.ones(2, 3)), "expected 4-D input"),
    (lambda: nn.Conv2d(3, 4, 3, groups=2), "divisible by groups"),
    (lambda: nn.Conv2d(3, 4, 3, padding_mode="reflect"), "padding_mode"),
])
def test_bad_input_gets_a_message_naming_the_op_and_the_fix(call, message):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert message in str(info.value)


def test_dropout_is_inverted_dropout_and_the_identity_in_eval():
    mg.manual_seed(0)
    x = mg.ones(200, 100, requires_grad=True)
    layer = nn.Dropout(0.3)
    out = layer(x)
    kept = out.detach().numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(out.detach().numpy()[kept], 1 / 0.7)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.7)  # the gradient is the same mask
    layer.eval()
    assert layer(x) is x
    assert F.dropout(x, 1.0).detach().numpy().max() == 0.0


def train_cnn(seed, epochs=10):
    """The digits CNN (conv-bn-relu-pool twice, then linear), Adam 3e-3, batches of 32.
    Returns the test accuracy after each epoch and the seconds per epoch."""
    mg.manual_seed(seed)
    X, y = load_digits(images=True)
    X = (X / 16).reshape(-1, 1, 8, 8)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=True,
                                                        seed=0)
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 4, 10))
    opt = mg.optim.Adam(model.parameters(), lr=3e-3)
    loader = DataLoader((X_train, y_train), batch_size=32, shuffle=True, seed=seed)
    history, start = [], time.perf_counter()
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
        model.eval()
        with mg.no_grad():
            history.append((model(X_test).argmax(dim=1) == y_test).float().mean().item())
    return history, (time.perf_counter() - start) / epochs


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cnn_reaches_98_percent_on_digits_in_10_epochs(seed):
    history, per_epoch = train_cnn(seed)
    assert history[-1] >= 0.98, f"test accuracy per epoch: {[round(a, 4) for a in history]}"
    assert history[0] > 0.8  # it is learning from the first epoch


@pytest.mark.parametrize("kernel, dilation, stride", [((2, 3), (1, 1), (1, 1)),
                                                      ((3, 2), (2, 1), (2, 3)),
                                                      ((2, 2), (1, 1), (2, 2))])
def test_backend_windows_the_view_and_the_array_api_path_agree(kernel, dilation, stride):
    from minigrad.backend import windows as W

    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8))
    view = W.windows(x, kernel, dilation, stride)
    assert np.shares_memory(view, x)  # NumPy: a strided view, no copy
    np.testing.assert_array_equal(view, W.windows_by_slices(x, kernel, dilation, stride))
    p, q = view.shape[-2:]
    i, j = kernel[0] - 1, kernel[1] - 1
    assert view[1, 2, i, j, p - 1, q - 1] == x[1, 2, (p - 1) * stride[0] + i * dilation[0],
                                               (q - 1) * stride[1] + j * dilation[1]]
    cols = np.random.default_rng(1).standard_normal(view.shape)
    back = W.window_sum(cols, x.shape[-2:], dilation, stride)  # the adjoint: <Vx, c> = <x, V*c>
    assert abs((view * cols).sum() - (x * back).sum()) < 1e-9
