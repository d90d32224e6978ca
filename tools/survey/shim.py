"""A thin name mapping from other libraries' module paths to minigrad's, for the survey.

``install("torch")`` makes ``import torch`` (and ``torch.nn``, ``torch.nn.functional``,
``torch.optim``, ``torch.autograd``, ``torch.utils.array``) resolve to minigrad modules;
``install("dezero")`` does the same for ``dezero``, ``dezero.functions``, ``dezero.layers``,
``dezero.utils``; ``install("micrograd")`` for ``micrograd.engine.Value``. Each attribute is
looked up under the same name in minigrad (a few spellings are renamed, listed in RENAMES);
nothing is re-implemented, except the three things that are not library code: DeZero's
``Variable(data)`` (a leaf that requires grad when floating, as every DeZero Variable does),
micrograd's ``Value(x)`` (a float64 scalar leaf), and DeZero's test helpers ``gradient_check``
/ ``array_equal`` / ``array_allclose`` (utilities of its test suite, not of its library).

Every name minigrad lacks is recorded in ``MISSING`` (and written as JSON to the path in the
environment variable ``SURVEY_MISSING`` at exit) before the ``AttributeError`` propagates.
"""
from __future__ import annotations

import atexit
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
    data = np.asarray(data)
    t = minigrad.tensor(data, requires_grad=data.dtype.kind == "f")
    if name is not None:
        t.name = name
    return t


def _host(x):
    return x.detach().numpy() if isinstance(x, minigrad.Tensor) else np.asarray(x)


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
