"""The CNN family against PyTorch (skipped when torch is absent): forward values, gradients of
every input, index outputs, running statistics and state_dict keys, in float64."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional

pytestmark = [pytest.mark.ex3_2]

pytestmark = [*(pytestmark if isinstance(pytestmark, list) else [pytestmark]), pytest.mark.ex2_1,
              pytest.mark.ex2_2, pytest.mark.ex2_3]


def _both(arrays):
    """The same float64 arrays as minigrad and torch leaves that require grad."""
    return ([mg.tensor(a, dtype=mg.float64, requires_grad=True) for a in arrays],
            [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays])


def _same(mine, theirs, tol=1e-10):
    np.testing.assert_allclose(np.asarray(mine), theirs.detach().numpy(), rtol=tol, atol=tol)


def _check(fn, tfn, arrays, **kw):
    """Forward equal and the gradient of every input equal, for a random upstream gradient."""
    xs, ts = _both(arrays)
    out, tout = fn(*xs, **kw), tfn(*ts, **kw)
    assert out.shape == tuple(tout.shape)
    _same(out.detach().numpy(), tout)
    v = np.random.default_rng(1).standard_normal(out.shape)
    (out * mg.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    for x, t in zip(xs, ts):
        _same(x.grad.numpy(), t.grad)


R = np.random.default_rng(0)

CONV = [dict(), dict(stride=2, padding=1), dict(stride=(1, 2), padding=(2, 0), dilation=(2, 1)),
        dict(padding="same", dilation=2), dict(padding="valid", groups=2), dict(groups=4)]


@pytest.mark.parametrize("kw", CONV, ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d(kw, bias):
    g = kw.get("groups", 1)
    arrays = [R.standard_normal((2, 4, 7, 6)), R.standard_normal((8, 4 // g, 3, 2))]
    _check(F.conv2d, TF.conv2d, arrays + ([R.standard_normal(8)] if bias else []), **kw)


CONV_T = [dict(), dict(stride=2, padding=1, output_padding=1),
          dict(stride=(2, 3), padding=(0, 2), output_padding=(1, 2), dilation=(1, 2)),
          dict(stride=2, padding=0, output_padding=1, groups=2),
          dict(stride=1, padding=1, output_padding=1, dilation=2)]


@pytest.mark.parametrize("kw", CONV_T, ids=str)
def test_conv_transpose2d(kw):
    g = kw.get("groups", 1)
    arrays = [R.standard_normal((2, 4, 3, 4)), R.standard_normal((4, 6 // g, 3, 2)),
              R.standard_normal(6 if g == 1 else 6)]
    _check(F.conv_transpose2d, TF.conv_transpose2d, arrays, **kw)


def test_unbatched_conv_and_pool_inputs():
    _check(F.conv2d, TF.conv2d, [R.standard_normal((3, 5, 5)), R.standard_normal((2, 3, 3, 3))])
    _check(F.max_pool2d, TF.max_pool2d, [R.standard_normal((3, 5, 5))], kernel_size=2)


@pytest.mark.parametrize("kw", [dict(kernel_size=3, stride=1, padding=1),
                                dict(kernel_size=3, stride=2, padding=1, dilation=1),
                                dict(kernel_size=(2, 3), stride=(2, 1), dilation=(2, 1)),
                                dict(kernel_size=3, stride=2, ceil_mode=True),
                                dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)], ids=str)
def test_max_pool2d_values_gradients_and_indices(kw):
    x = R.permutation(2 * 3 * 7 * 6).reshape(2, 3, 7, 6) * 0.1  # no ties
    _check(F.max_pool2d, TF.max_pool2d, [x], **kw)
    out, idx = F.max_pool2d(mg.tensor(x), return_indices=True, **kw)
    tout, tidx = TF.max_pool2d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    assert idx.dtype == mg.int64 and not idx.requires_grad


def test_max_pool2d_ties_go_to_the_first_maximum_as_in_torch():
    _check(F.max_pool2d, TF.max_pool2d, [np.ones((1, 1, 4, 4))], kernel_size=2, stride=1)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                     count_include_pad=False),
                                dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0),
                                     count_include_pad=False),
                                dict(kernel_size=2, divisor_override=3)], ids=str)
def test_avg_pool2d(kw):
    _check(F.avg_pool2d, TF.avg_pool2d, [R.standard_normal((2, 3, 7, 6))], **kw)


@pytest.mark.parametrize("kw", [dict(kernel_size=3), dict(kernel_size=(2, 3), dilation=(2, 1),
                                                          padding=(1, 2), stride=(2, 3))], ids=str)
def test_unfold_and_fold(kw):
    _check(F.unfold, TF.unfold, [R.standard_normal((2, 3, 7, 6))], **kw)
    cols = TF.unfold(torch.zeros(2, 3, 7, 6), **kw).shape
    _check(F.fold, TF.fold, [R.standard_normal(tuple(cols))], output_size=(7, 6), **kw)


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (3, 3, 4, 5)])
def test_batch_norm_training_eval_and_running_stats(shape):
    x, w, b = R.standard_normal(shape), R.standard_normal(3), R.standard_normal(3)
    rm, rv = mg.zeros(3, dtype=mg.float64), mg.ones(3, dtype=mg.float64)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    _check(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, True, 0.3),
           lambda x, w, b: TF.batch_norm(x, trm, trv, w, b, True, 0.3), [x, w, b])
    _same(rm.numpy(), trm)  # updated once, with momentum 0.3 and the unbiased variance
    _same(rv.numpy(), trv)
    _check(lambda x, w, b: F.batch_norm(x, rm, rv, w, b),
           lambda x, w, b: TF.batch_norm(x, trm, trv, w, b), [x, w, b])


def test_layer_norm():
    x = R.standard_normal((2, 3, 4))
    for ns in [(4,), (3, 4)]:
        _check(lambda x, w, b: F.layer_norm(x, ns, w, b),
               lambda x, w, b: TF.layer_norm(x, ns, w, b),
               [x, R.standard_normal(ns), R.standard_normal(ns)])
    _check(lambda x: F.layer_norm(x, (4,)), lambda x: TF.layer_norm(x, (4,)), [x])


def _modules():
    return [(nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2),
             torch.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), (2, 4, 7, 7)),
            (nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, bias=False),
             torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1,
                                      bias=False), (2, 4, 3, 3)),
            (nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4), (5, 4)),
            (nn.BatchNorm1d(4, momentum=None), torch.nn.BatchNorm1d(4, momentum=None), (5, 4, 3)),
            (nn.BatchNorm2d(4, affine=False), torch.nn.BatchNorm2d(4, affine=False),
             (3, 4, 2, 2)),
            (nn.BatchNorm2d(4, track_running_stats=False),
             torch.nn.BatchNorm2d(4, track_running_stats=False), (3, 4, 2, 2)),
            (nn.LayerNorm((3, 3)), torch.nn.LayerNorm((3, 3)), (2, 4, 3, 3)),
            (nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1), (2, 4, 7, 7)),
            (nn.AvgPool2d(2), torch.nn.AvgPool2d(2), (2, 4, 7, 7)),
            (nn.Flatten(), torch.nn.Flatten(), (2, 4, 3, 3))]


@pytest.mark.parametrize("index", range(10))
def test_modules_match_torch_keys_init_shapes_and_three_training_steps(index):
    mine, theirs, shape = _modules()[index]
    sd, tsd = mine.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd)
    for k in sd:
        assert sd[k].shape == tuple(tsd[k].shape) and str(sd[k].dtype) in str(tsd[k].dtype)
    mine.double()
    theirs.double()
    mine.load_state_dict({k: mg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    for step in range(3):  # running statistics follow torch's over several batches
        x = R.standard_normal(shape)
        _check(lambda x: mine(x), lambda x: theirs(x), [x])
    for k, v in theirs.state_dict().items():
        _same(mine.state_dict()[k].numpy(), v)
    mine.eval()
    theirs.eval()
    _check(lambda x: mine(x), lambda x: theirs(x), [R.standard_normal(shape)])


def test_conv_transpose2d_output_size_picks_output_padding():
    m, t = nn.ConvTranspose2d(2, 3, 3, stride=2), torch.nn.ConvTranspose2d(2, 3, 3, stride=2)
    m.double()
    t.double()
    m.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = R.standard_normal((1, 2, 4, 4))
    _check(lambda x: m(x, output_size=(10, 9)), lambda x: t(x, output_size=(10, 9)), [x])
