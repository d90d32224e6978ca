"""A thin name mapping from other libraries' module paths to minigrad's, for the survey.

``install("torch")`` makes ``import torch`` (and ``torch.nn``, ``torch.nn.functional``,
``torch.optim``, ``torch.autograd``, ``torch.utils.array``) resolve to minigrad modules;
``install("dezero")`` does the same for ``dezero``, ``dezero.functions``, ``dezero.layers``,
``dezero.utils``; ``install("micrograd")`` for ``micrograd.engine.Value``. Each attribute is
looked up under the same name in minigrad (a few spellings are renamed, listed in RENAMES).

For DeZero, whose functions keep NumPy's argument names where PyTorch has its own, a few names
go through the **signature adapters** in ``ADAPTERS`` first (each a few lines at most, with
DeZero's signature in its comment): they translate DeZero's arguments (``transpose(x)`` with no
axes, ``max(x, axis=...)``, ``dropout(x, dropout_ratio=...)``, ``test_mode()``, ``im2col``/
``col2im`` on top of ``F.unfold``/``F.fold``, ``Linear(out_size, in_size=None)``) into one
minigrad call and compute nothing themselves beyond shapes and reshapes of minigrad's result.
The one adapter with a side effect is ``dropout``'s: DeZero draws its mask from ``np.random``
and its tests re-seed ``np.random`` to get the same mask on every call, so the adapter seeds
minigrad's generator from ``np.random``'s stream (one draw) before calling minigrad's dropout;
the mask is still minigrad's.

Nothing else is re-implemented, except the three things that are not library code: DeZero's
``Variable(data)`` (a leaf that requires grad when floating, as every DeZero Variable does),
micrograd's ``Value(x)`` (a float64 scalar leaf), and DeZero's test helpers ``gradient_check``
/ ``array_equal`` / ``array_allclose`` (utilities of its test suite, not of its library).

Every name minigrad lacks is recorded in ``MISSING`` (and written as JSON to the path in the
environment variable ``SURVEY_MISSING`` at exit) before the ``AttributeError`` propagates.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import os
import sys
import types

import numpy as np

import minigrad
import minigrad.nn.functional as mgF

MISSING: list[str] = []

RENAMES = {
    "torch": {"float": "float32", "double": "float64", "long": "int64", "int": "int32",
              "half": "float16", "bool": "bool_"},
    "dezero.functions": {"get_item": "getitem", "softmax_cross_entropy": "cross_entropy",
                         "mean_squared_error": "mse_loss", "sum_to": "sum_to_size"},
}


class Mapped(types.ModuleType):
    """A module whose attributes are looked up, in order, in ``targets`` (after RENAMES)."""

    def __init__(self, name, *targets):
        super().__init__(name)
        self.__targets = targets
        self.__path__ = []  # a package, so "import name.sub" consults sys.modules

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        if attr in ADAPTERS.get(self.__name__, {}):
            return ADAPTERS[self.__name__][attr]
        real = RENAMES.get(self.__name__, {}).get(attr, attr)
        for target in self.__targets:
            if hasattr(target, real):
                return getattr(target, real)
        MISSING.append(f"{self.__name__}.{attr}")
        where = " or ".join(t.__name__ for t in self.__targets)
        raise AttributeError(f"survey shim: {where} has no {real!r} (for {self.__name__}."
                             f"{attr})")


def _register(name, module, parent=None):
    sys.modules[name] = module
    if parent is not None:
        setattr(parent, name.rsplit(".", 1)[1], module)
    return module


def _torch():
    torch = _register("torch", Mapped("torch", minigrad))
    nn = _register("torch.nn", Mapped("torch.nn", minigrad.nn), torch)
    _register("torch.nn.functional", Mapped("torch.nn.functional", mgF), nn)
    _register("torch.nn.init", Mapped("torch.nn.init", minigrad.nn.init), nn)
    _register("torch.optim", Mapped("torch.optim", minigrad.optim), torch)
    _register("torch.autograd", Mapped("torch.autograd", minigrad.autograd, minigrad), torch)
    utils = _register("torch.utils", Mapped("torch.utils"), torch)
    _register("torch.utils.array", Mapped("torch.utils.array", minigrad.data), utils)
    _register("torch.testing", Mapped("torch.testing", minigrad.testing), torch)


def _variable(data, name=None):
    if isinstance(data, minigrad.Tensor):  # (DeZero's x.data is an ndarray, minigrad's a Tensor)
        data = data.detach().numpy()
    data = np.asarray(data)
    t = minigrad.tensor(data, requires_grad=data.dtype.kind == "f")
    if name is not None:
        t.name = name
    return t


def _host(x):
    return x.detach().numpy() if isinstance(x, minigrad.Tensor) else np.asarray(x)


# ---------------------------------------------------------------------------------------------
# DeZero signature adapters: DeZero's argument names and defaults -> one minigrad call.
# ---------------------------------------------------------------------------------------------
_DEZERO_TRAIN = [True]  # DeZero's Config.train; dezero.test_mode() sets it False


def _as_variable(x):  # DeZero's functions take ndarrays too (its as_variable)
    return x if isinstance(x, minigrad.Tensor) else _variable(x)


def _pair(v):  # DeZero's utils.pair: an int or an (h, w) pair
    return (v, v) if isinstance(v, int) else tuple(v)


def _dz_dropout(x, dropout_ratio=0.5):
    # DeZero: dropout(x, dropout_ratio=0.5), on while Config.train. Its mask comes from
    # np.random, which its tests re-seed per call: seed minigrad's generator from that stream.
    if _DEZERO_TRAIN[0]:
        minigrad.manual_seed(int(np.random.randint(2**31)))
    return mgF.dropout(_as_variable(x), p=dropout_ratio, training=_DEZERO_TRAIN[0])


@contextlib.contextmanager
def _dz_test_mode():  # DeZero: test_mode() = using_config('train', False)
    old, _DEZERO_TRAIN[0] = _DEZERO_TRAIN[0], False
    try:
        yield
    finally:
        _DEZERO_TRAIN[0] = old


def _dz_im2col(x, kernel_size, stride=1, pad=0, to_matrix=True):
    # DeZero: im2col(x, kernel_size, stride=1, pad=0, to_matrix=True) -> (N*OH*OW, C*KH*KW), or
    # (N, C, KH, KW, OH, OW); minigrad's F.unfold gives (N, C*KH*KW, OH*OW) in the same order.
    x = _as_variable(x)
    (n, c, h, w), (kh, kw) = x.shape, _pair(kernel_size)
    (sh, sw), (ph, pw) = _pair(stride), _pair(pad)
    cols = mgF.unfold(x, (kh, kw), padding=(ph, pw), stride=(sh, sw))
    if to_matrix:
        return cols.transpose(1, 2).reshape(-1, c * kh * kw)
    return cols.reshape(n, c, kh, kw, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1)


def _dz_col2im(x, input_shape, kernel_size, stride=1, pad=0, to_matrix=True):
    # DeZero: col2im(x, input_shape, kernel_size, stride=1, pad=0, to_matrix=True), im2col's
    # adjoint; minigrad's F.fold takes (N, C*KH*KW, OH*OW).
    (n, c, h, w), (kh, kw) = input_shape, _pair(kernel_size)
    x = _as_variable(x)
    cols = x.reshape(n, -1, c * kh * kw).transpose(1, 2) if to_matrix else x.reshape(
        n, c * kh * kw, -1)
    return mgF.fold(cols, (h, w), (kh, kw), padding=_pair(pad), stride=_pair(stride))


def _dz_linear(out_size, nobias=False, dtype=np.float32, in_size=None):
    # DeZero: layers.Linear(out_size, nobias=False, dtype=np.float32, in_size=None); in_size=None
    # infers it from the first input, which is PyTorch's nn.LazyLinear. The layer is minigrad's:
    # weight (out, in) and bias, PyTorch's init; DeZero's W is (in, out), its b starts at zero.
    if in_size is None:
        return minigrad.nn.LazyLinear(out_size, bias=not nobias, dtype=dtype)
    return minigrad.nn.Linear(in_size, out_size, bias=not nobias, dtype=dtype)


ADAPTERS = {
    "dezero": {"test_mode": _dz_test_mode},
    "dezero.functions": {
        # DeZero: transpose(x, axes=None); no axes reverses them all, as NumPy
        "transpose": lambda x, axes=None: minigrad.permute(
            x, tuple(reversed(range(x.ndim))) if axes is None else tuple(axes)),
        # DeZero: max/min(x, axis=None, keepdims=False) return the values only (torch's amax)
        "max": lambda x, axis=None, keepdims=False: minigrad.amax(
            x, dim=() if axis is None else axis, keepdim=keepdims),
        "min": lambda x, axis=None, keepdims=False: minigrad.amin(
            x, dim=() if axis is None else axis, keepdim=keepdims),
        "dropout": _dz_dropout, "im2col": _dz_im2col, "col2im": _dz_col2im,
    },
    "dezero.layers": {"Linear": _dz_linear},
}
ADAPTERS["dezero.functions_conv"] = {k: ADAPTERS["dezero.functions"][k]
                                     for k in ("im2col", "col2im")}


def gradient_check(f, x, *args, rtol=1e-4, atol=1e-5, **kwargs):
    """DeZero's test helper: the backward of ``f(x)`` (seeded with ones, as DeZero's
    ``backward()`` does) against central differences of ``sum(f(x))`` in float64."""
    x = x if isinstance(x, minigrad.Tensor) else _variable(x)
    base = _host(x).astype(np.float64)
    num = np.zeros_like(base)
    eps = 1e-4
    for i in np.ndindex(base.shape):
        up, down = base.copy(), base.copy()
        up[i] += eps
        down[i] -= eps
        num[i] = (_host(f(minigrad.tensor(up), *args, **kwargs)).sum()
                  - _host(f(minigrad.tensor(down), *args, **kwargs)).sum()) / (2 * eps)
    x = minigrad.tensor(base, requires_grad=True)
    y = f(x, *args, **kwargs)
    y.backward(minigrad.ones_like(y))
    ok = np.allclose(_host(x.grad), num, rtol=rtol, atol=atol)
    if not ok:
        print(f"gradient_check: backward {_host(x.grad).ravel()[:5]} vs numerical "
              f"{num.ravel()[:5]}")
    return ok


def _dezero():
    dz = _register("dezero", Mapped("dezero", minigrad.nn, minigrad))
    dz.Variable = _variable
    F = _register("dezero.functions", Mapped("dezero.functions", mgF, minigrad), dz)
    _register("dezero.functions_conv", Mapped("dezero.functions_conv", mgF, minigrad), dz)
    _register("dezero.layers", Mapped("dezero.layers", minigrad.nn), dz)
    _register("dezero.models", Mapped("dezero.models", minigrad.nn), dz)
    _register("dezero.optimizers", Mapped("dezero.optimizers", minigrad.optim), dz)
    _register("dezero.datasets", Mapped("dezero.datasets", minigrad.data), dz)
    _register("dezero.cuda", Mapped("dezero.cuda", minigrad.backend), dz)
    utils = _register("dezero.utils", Mapped("dezero.utils", minigrad.testing), dz)
    utils.gradient_check = gradient_check
    utils.array_equal = lambda a, b: np.array_equal(_host(a), _host(b))
    utils.array_allclose = lambda a, b, rtol=1e-4, atol=1e-5: np.allclose(
        _host(a), _host(b), rtol=rtol, atol=atol)
    return F


def _micrograd():
    mgr = _register("micrograd", Mapped("micrograd", minigrad))
    engine = _register("micrograd.engine", Mapped("micrograd.engine", minigrad), mgr)
    engine.Value = lambda x: minigrad.tensor(float(x), dtype=minigrad.float64,
                                             requires_grad=True)
    _register("micrograd.nn", Mapped("micrograd.nn", minigrad.nn), mgr)


def _dump():
    path = os.environ.get("SURVEY_MISSING")
    if path:
        with open(path, "w") as fh:
            json.dump(sorted(set(MISSING)), fh)


def install(kind: str) -> None:
    """Map ``kind`` ("torch", "dezero" or "micrograd") onto minigrad in ``sys.modules``."""
    {"torch": _torch, "dezero": _dezero, "micrograd": _micrograd}[kind]()
    atexit.register(_dump)


def _linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    return minigrad.tensor(np.linspace(start, end, steps), dtype=dtype or minigrad.float32,
                           device=device or "cpu", requires_grad=requires_grad)


def _set_default_device(device):
    if minigrad.backend.normalize_device(device) != "cpu":
        raise NotImplementedError("stand-in set_default_device: only 'cpu'")


def fill_standins() -> list[str]:
    """Stand-ins for the names minigrad lacks that stop the tutorials first (``--fill`` mode of
    the runners): so a run goes on to what it needs next. Returns their names. Never used for
    the pass/fail counts, only to list what else is missing behind the first stop."""
    minigrad.linspace = _linspace
    minigrad.device = lambda d: minigrad.backend.normalize_device(d)
    minigrad.set_default_device = _set_default_device
    minigrad.Tensor.t = lambda self: self.transpose(0, 1) if self.ndim == 2 else self
    return ["torch.linspace", "torch.device", "torch.set_default_device", "Tensor.t"]
