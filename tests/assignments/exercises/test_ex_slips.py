"""Three slips the other tests let through, one test each (and the rules on a second array
library):

- NumPy called directly (``np.sum``) instead of the array namespace the rule is given
  (``ctx.xp``, the ``xp`` argument): on the array-API strict stand-in NumPy silently returns a
  NumPy array, so each rule here is run on strict arrays and must give strict arrays back;
- ``__enter__`` without ``return self``: ``with no_grad() as g`` must bind the object;
- the topological order itself: the hooks of a backward pass fire in the engine's order, each
  tensor after every tensor it feeds (and with its whole gradient).
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad import backend
from minigrad.autograd.engine import _sum_to
from minigrad.autograd.grad_mode import state

xs = pytest.importorskip("array_api_strict")
RNG = np.random.default_rng(5)


def _strict(a, grad=True):
    return mg.tensor(np.asarray(a, dtype=np.float64)).to("strict").requires_grad_(grad)


def _rule(out, g):
    """The node's rule as an ordinary backward runs it: arrays in, recording off."""
    ctx = out.grad_fn
    prev, state.enabled = state.enabled, False  # (no_grad itself may be a stub in the copy)
    try:
        res = ctx.rule(ctx, _strict(g, grad=False).array)  # on the stand-in's device
    finally:
        state.enabled = prev
    return res if isinstance(res, tuple) else (res,)


def _same(got, want):
    assert type(got).__module__.startswith("array_api_strict"), (
        f"the rule returned a {type(got).__module__}.{type(got).__name__}, not an array of "
        "the library it was given: use xp_of(g) (the functions of g's own library), not np")
    np.testing.assert_allclose(np.asarray(backend.to_numpy(got)), want, rtol=1e-10,
                               atol=1e-12)


CASES = {
    "ex1_1": (lambda a, b: a * b, lambda a, b, g: (g * b, g * a)),
    "ex1_2": (lambda a, b: a / b, lambda a, b, g: (g / b, -g * a / b ** 2)),
    "ex1_4": (lambda a, b: a @ b.T, lambda a, b, g: (g @ b, a.T @ g)),
}


@pytest.mark.parametrize("eid", [pytest.param("ex1_1", marks=pytest.mark.ex1_1),
                                 pytest.param("ex1_2", marks=pytest.mark.ex1_2),
                                 pytest.param("ex1_4", marks=pytest.mark.ex1_4)])
def test_binary_rule_works_on_the_strict_array_library(eid):
    a, b = RNG.normal(size=(2, 3)), RNG.uniform(1.0, 2.0, size=(2, 3))
    fwd, want = CASES[eid]
    out = fwd(_strict(a), _strict(b))
    g = RNG.normal(size=tuple(out.shape))
    for got, w in zip(_rule(out, g), want(a, b, g)):
        _same(got, w)


@pytest.mark.ex1_3
def test_tanh_rule_works_on_the_strict_array_library():
    x, g = RNG.normal(size=4), RNG.normal(size=4)
    (got,) = _rule(_strict(x).tanh(), g)
    _same(got, g * (1 - np.tanh(x) ** 2))


@pytest.mark.ex1_5
def test_sum_to_works_on_the_strict_array_library():
    g = RNG.normal(size=(2, 3, 4))
    _same(_sum_to(xs, _strict(g, grad=False).array, (3, 1)),
          g.sum(axis=(0, 2)).reshape(3, 1))


@pytest.mark.ex3_1
@pytest.mark.ex3_2
def test_softmax_rules_work_on_the_strict_array_library():
    x, g = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    y = np.exp(x) / np.exp(x).sum(1, keepdims=True)
    got = _rule(mg.softmax(_strict(x), 1), g)[0]  # (dx, None for the dim argument)
    _same(got, y * (g - (g * y).sum(1, keepdims=True)))
    got = _rule(mg.log_softmax(_strict(x), dim=1), g)[0]
    _same(got, g - y * g.sum(1, keepdims=True))


@pytest.mark.ex2_3
def test_with_no_grad_as_binds_the_context_manager():
    with mg.no_grad() as g:
        assert g is not None, "__enter__ must return self, so that `with no_grad() as g` works"
        assert hasattr(g, "__exit__") and not mg.is_grad_enabled()
    with mg.enable_grad() as e:
        assert e is not None and mg.is_grad_enabled()


@pytest.mark.ex2_1
def test_backward_visits_each_tensor_after_every_tensor_it_feeds():
    x = mg.tensor([0.5, -1.0], dtype=mg.float64, requires_grad=True)
    a = x * 2.0
    b = a.tanh()
    c = a * b                   # a feeds c directly and through b
    d = c + b                   # b feeds d directly and through c
    seen = []
    for name, t in (("a", a), ("b", b), ("c", c), ("d", d)):
        t.register_hook(lambda grad, name=name: seen.append((name, grad.numpy().copy())))
    mg.grad(d.sum(), x)
    assert [n for n, _ in seen] == ["d", "c", "b", "a"], (
        f"the backward pass visited {[n for n, _ in seen]}: a tensor's gradient is complete "
        "only after every tensor it feeds was visited (reverse topological order)")
    av, bv = np.array([1.0, -2.0]), np.tanh([1.0, -2.0])
    grads = dict(seen)
    np.testing.assert_allclose(grads["b"], 1.0 + av, rtol=1e-12)
    np.testing.assert_allclose(grads["a"], bv + (1.0 + av) * (1 - bv ** 2), rtol=1e-12)
