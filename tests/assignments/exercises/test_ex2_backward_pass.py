"""Assignment 2: the backward pass itself.

The graph is built by forward ops (which record nodes); the tests call the engine's pieces
directly: ``_topo_order`` on the recorded nodes, ``_accumulate_into`` on a leaf, and the
``no_grad`` switch around forward ops. Assignment 1's rules are solved in this copy.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd.accumulate import _accumulate_into
from minigrad.autograd.engine import _topo_order
from minigrad.autograd.function import Context


def _reachable(roots):
    seen, todo = set(), list(roots)
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(p for p in n.parents if type(p) is Context)
    return seen


def _assert_topological(order, roots):
    assert len(order) == len(set(order)), "a node appears twice"
    assert set(order) == _reachable(roots), "not every reachable node (or an extra one)"
    pos = {n: i for i, n in enumerate(order)}
    for n in order:
        for p in n.parents:
            if type(p) is Context:
                assert pos[p] < pos[n], f"{p} feeds {n} but comes after it"


@pytest.mark.ex2_1
def test_topological_order_of_a_graph_with_fan_out():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    b = a + x          # x used twice, a used twice: fan-out
    c = a * b
    loss = c.sum() + b.sum()
    _assert_topological(_topo_order([loss.grad_fn]), [loss.grad_fn])


@pytest.mark.ex2_1
def test_topological_order_of_several_roots_sharing_a_trunk():
    x = mg.tensor([[1.0, -2.0]], requires_grad=True)
    w = mg.tensor([[0.5], [0.25]], requires_grad=True)
    h = (x @ w).tanh()
    l1, l2 = (h * 3).sum(), (h * h).mean()
    roots = [l1.grad_fn, l2.grad_fn]
    order = _topo_order(roots)
    _assert_topological(order, roots)
    assert h.grad_fn in order


@pytest.mark.ex2_1
def test_topological_order_of_a_10000_op_chain_needs_no_recursion():
    y = mg.tensor(0.0, requires_grad=True)
    for _ in range(10_000):
        y = y + 1.0
    order = _topo_order([y.grad_fn])
    assert len(order) == 10_000 and order[-1] is y.grad_fn
    _assert_topological(order, [y.grad_fn])


@pytest.mark.ex2_2
def test_accumulate_adds_into_grad_and_owns_its_array():
    t = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    g1 = np.array([0.5, 0.25])
    _accumulate_into(t, g1, False)
    g1[0] = 100.0  # the caller's array changes later: .grad must not
    np.testing.assert_array_equal(t.grad.numpy(), [0.5, 0.25])
    g2 = np.array([1.0, 1.0])
    _accumulate_into(t, g2, False)
    np.testing.assert_array_equal(t.grad.numpy(), [1.5, 1.25])
    assert t.grad.array is not g2 and not np.shares_memory(t.grad.array, g2)


@pytest.mark.ex2_2
def test_accumulate_refuses_a_gradient_of_another_dtype():
    t = mg.tensor([1.0, 2.0], dtype=mg.float32, requires_grad=True)
    with pytest.raises(TypeError, match="dtype"):
        _accumulate_into(t, np.array([1.0, 2.0], dtype=np.float64), False)


@pytest.mark.ex2_2
def test_accumulate_keeps_tensors_when_building_a_graph():
    t = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    g = mg.tensor([3.0, 4.0], dtype=mg.float64)
    _accumulate_into(t, g, True)
    _accumulate_into(t, g, True)
    assert isinstance(t.grad, mg.Tensor)
    np.testing.assert_array_equal(t.grad.numpy(), [6.0, 8.0])


@pytest.mark.ex2_3
def test_no_grad_records_nothing_and_restores_the_mode():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = x * 2
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert (x * 2).requires_grad


@pytest.mark.ex2_3
def test_no_grad_restores_the_mode_after_an_exception_and_when_nested():
    x = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(ZeroDivisionError):
        with mg.no_grad():
            1 / 0
    assert mg.is_grad_enabled()
    with mg.no_grad():
        with mg.enable_grad():
            assert (x * 2).requires_grad
        assert not mg.is_grad_enabled()  # back to the outer block's mode, not to "on"
        with mg.no_grad():
            pass
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()


@pytest.mark.ex2_3
def test_no_grad_as_a_decorator():
    @mg.no_grad()
    def double(t):
        return t * 2

    x = mg.tensor([1.0], requires_grad=True)
    assert not double(x).requires_grad
    assert mg.is_grad_enabled()
