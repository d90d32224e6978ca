"""Assignment 1: backward rules and the broadcasting reduction.

Every test here calls one rule directly, the way the engine would at one node of the graph,
and compares it with central finite differences computed by NumPy. No ``.backward()``: the
engine itself (topological order, accumulation) is assignment 2.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd.engine import _sum_to
from minigrad.autograd.grad_mode import state

RNG = np.random.default_rng(0)


def run_rule(out, g):
    """The backward rule of the op that produced ``out``, called on the raw array ``g``: what
    the engine does at this node in an ordinary (first-order) backward pass."""
    ctx = out.grad_fn
    prev, state.enabled = state.enabled, False  # an ordinary backward: arrays in, recording off
    try:  # (set by hand: no_grad itself is exercise 2.3, still a stub in assignment 1's copy)
        res = ctx.rule(ctx, g)
    finally:
        state.enabled = prev
    return res if isinstance(res, tuple) else (res,)


def numeric_vjp(f, arrays, g, i, eps=1e-6):
    """d/d arrays[i] of sum(g * f(*arrays)), by central differences."""
    grad = np.zeros_like(arrays[i])
    for idx in np.ndindex(arrays[i].shape):
        plus = [a.copy() for a in arrays]
        minus = [a.copy() for a in arrays]
        plus[i][idx] += eps
        minus[i][idx] -= eps
        grad[idx] = np.sum(g * (f(*plus) - f(*minus))) / (2 * eps)
    return grad


def _leaves(*arrays, grad=(True, True)):
    return [mg.tensor(a, requires_grad=r) for a, r in zip(arrays, grad)]


@pytest.mark.ex1_1
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_mul_rule_matches_finite_differences(shape):
    a, b = RNG.normal(size=shape), RNG.normal(size=shape)
    g = RNG.normal(size=shape)
    ta, tb = _leaves(a, b)
    ga, gb = run_rule(ta * tb, g)
    for i, got in enumerate((ga, gb)):
        np.testing.assert_allclose(got, numeric_vjp(np.multiply, [a, b], g, i), atol=1e-8)


@pytest.mark.ex1_1
def test_mul_rule_skips_inputs_that_need_no_gradient():
    ta, tb = _leaves(np.array([1.0, 2.0]), np.array([3.0, 4.0]), grad=(True, False))
    ga, gb = run_rule(ta * tb, np.ones(2))
    assert gb is None
    np.testing.assert_array_equal(ga, [3.0, 4.0])


@pytest.mark.ex1_2
def test_div_rule_matches_finite_differences():
    a, b = RNG.normal(size=(2, 3)), RNG.uniform(0.5, 2.0, size=(2, 3)) * RNG.choice([-1, 1],
                                                                               (2, 3))
    g = RNG.normal(size=(2, 3))
    ta, tb = _leaves(a, b)
    ga, gb = run_rule(ta / tb, g)
    np.testing.assert_allclose(ga, numeric_vjp(np.divide, [a, b], g, 0), rtol=1e-6)
    np.testing.assert_allclose(gb, numeric_vjp(np.divide, [a, b], g, 1), rtol=1e-6)
    ta, tb = _leaves(a, b, grad=(False, True))
    ga, gb = run_rule(ta / tb, g)
    assert ga is None and gb is not None


@pytest.mark.ex1_3
def test_tanh_rule_matches_finite_differences():
    x = np.linspace(-3, 3, 7)
    g = RNG.normal(size=7)
    (gx,) = run_rule(mg.tensor(x, requires_grad=True).tanh(), g)
    np.testing.assert_allclose(gx, numeric_vjp(np.tanh, [x], g, 0), rtol=1e-6, atol=1e-10)


@pytest.mark.ex1_4
@pytest.mark.parametrize("sa, sb", [((3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)),
                                    ((2, 3, 4), (4, 5)), ((1, 1), (1, 1))])
def test_matmul_rule_matches_finite_differences(sa, sb):
    a, b = RNG.normal(size=sa), RNG.normal(size=sb)
    out = a @ b
    g = RNG.normal(size=out.shape)
    ta, tb = _leaves(a, b)
    ga, gb = run_rule(ta @ tb, g)
    # the rule may return the batch-broadcast shape; the engine sums it back (exercise 1.5)
    ga = ga.reshape((-1,) + a.shape).sum(0) if ga.shape != a.shape else ga
    gb = gb.reshape((-1,) + b.shape).sum(0) if gb.shape != b.shape else gb
    np.testing.assert_allclose(ga, numeric_vjp(np.matmul, [a, b], g, 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gb, numeric_vjp(np.matmul, [a, b], g, 1), rtol=1e-6, atol=1e-8)


@pytest.mark.ex1_5
@pytest.mark.parametrize("gshape, shape", [
    ((2, 3, 4), (2, 3, 4)), ((2, 3, 4), (3, 4)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 1)),
    ((2, 3, 4), (1, 3, 1)), ((2, 3, 4), (2, 1, 4)), ((2, 3, 4), ()), ((5,), (1,)),
    ((4, 1), (1, 1)),
])
def test_sum_to_is_the_adjoint_of_broadcasting(gshape, shape):
    g = RNG.normal(size=gshape)
    got = _sum_to(np, g, shape)
    assert tuple(got.shape) == shape
    x = RNG.normal(size=shape)  # <g, broadcast(x)> == <sum_to(g), x> for every x
    np.testing.assert_allclose(np.sum(g * np.broadcast_to(x, gshape)), np.sum(got * x),
                               rtol=1e-12)
