"""The backward walk: fan-out, diamonds, shared trunks, leaf .grad ownership, deep chains,
graph memory (released saved values, surviving links, no node -> own output reference) and
the errors of backward()."""
import gc
import sys
import weakref

import numpy as np
import pytest

import minigrad as mg

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def f64(a, rg=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=rg)


def test_fan_out_adds_the_gradients_of_every_use():
    x = f64([1.0, -2.0, 0.5])
    y = x * x + x.sin() + 3 * x  # x used four times
    y.sum().backward()
    v = x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), 2 * v + np.cos(v) + 3, rtol=1e-14)


def test_diamond_graph():
    x = f64([0.3, 1.1])
    h = x.tanh()  # one node feeding two branches that meet again
    a, b = h * 2.0, h.exp()
    (a * b).sum().backward()
    v = np.tanh(x.detach().numpy())
    dh = 2 * np.exp(v) + 2 * v * np.exp(v)
    np.testing.assert_allclose(x.grad.numpy(), dh * (1 - v ** 2), rtol=1e-14)


def _trunk_losses(seed):
    rng = np.random.default_rng(seed)
    W = f64(rng.standard_normal((4, 3)))
    V1, V2 = f64(rng.standard_normal((3, 2))), f64(rng.standard_normal((3, 1)))
    x = f64(rng.standard_normal((5, 4)), rg=False)
    h = (x @ W).tanh()  # shared trunk
    L1 = (h @ V1).square().mean()
    L2 = (h @ V2).sigmoid().sum() + h.norm()
    return (W, V1, V2), L1, L2


@pytest.mark.parametrize("seed", range(3))
def test_shared_trunk_sum_equals_two_backwards(seed):
    params, L1, L2 = _trunk_losses(seed)
    (L1 + L2).backward()
    together = [p.grad.numpy() for p in params]
    params, L1, L2 = _trunk_losses(seed)
    L1.backward(retain_graph=True)
    L2.backward()
    for p, want in zip(params, together):
        np.testing.assert_allclose(p.grad.numpy(), want, rtol=1e-12, atol=0)


def test_leaf_grad_accumulates_until_zeroed_and_is_assignable():
    x = f64([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    x.grad = mg.zeros(2, dtype=mg.float64)
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        x.grad = mg.zeros(3, dtype=mg.float64)


def _assert_owned(t, others=()):
    a = t.grad.array
    assert a.flags.c_contiguous and a.flags.writeable and a.flags.owndata, a.flags
    assert a.shape == t.shape
    for o in others:
        assert not np.shares_memory(a, o)


@pytest.mark.parametrize("create_graph", [False, True])
def test_leaf_grad_is_an_owned_contiguous_writable_array(create_graph):
    a, b = f64(np.ones((3, 4))), f64(np.ones((3, 4)))
    c = f64(np.ones((4, 3)))
    g = f64(np.full((3, 4), 2.0), rg=False)
    s = f64(1.0)
    # add hands the same gradient to a and b; .T gives c a transposed view; sum broadcasts
    (a + b + c.T + s).backward(g, create_graph=create_graph)
    for t in (a, b, c, s):
        _assert_owned(t, [g.array, a.grad.array if t is not a else np.empty(0)])
    assert not np.shares_memory(a.grad.array, b.grad.array)
    a.grad.array[0, 0] = 99.0  # writing one grad changes nothing else
    assert b.grad.array[0, 0] == 2.0 and g.array[0, 0] == 2.0
    x = f64(np.ones((2, 3)))
    x.sum().backward()
    x.sum().backward()  # second accumulation too
    _assert_owned(x)
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))


def test_zero_dim_leaf_grad_stays_an_array_after_accumulation():
    x = f64(2.0)
    (x * x).backward()
    (x * x).backward()
    assert isinstance(x.grad.array, np.ndarray) and x.grad.array.flags.writeable
    assert x.grad.item() == 8.0


def _chain(n):
    x = f64([0.5, -0.25])
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0
    return x, y


def test_ten_thousand_deep_chain_backward_and_free():
    limit = sys.getrecursionlimit()
    x, y = _chain(5000)  # 10,000 nodes (mul and add each step)
    first = weakref.ref(y.grad_fn)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1.0001 ** 5000 * np.ones(2), rtol=1e-9)
    node, depth = y.grad_fn, 0
    while type(node) is mg.Context:  # links survive, saved values are gone
        assert node.released and node._saved == ()
        node, depth = node.parents[0], depth + 1
    assert depth == 10000 and node is x
    del y, node
    gc.collect()
    assert first() is None  # the whole chain was freed
    assert sys.getrecursionlimit() == limit


def test_dropping_a_deep_chain_unused_does_not_overflow():
    x, y = _chain(6000)
    ref = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert ref() is None


def test_saved_values_are_released_and_second_backward_says_retain_graph():
    x = f64([1.0, 2.0])
    h = x.exp()
    y = (h * h).sum()
    y.backward()
    node = y.grad_fn.parents[0]  # the mul node: links survive backward
    assert node.name == "MulBackward" and node.parents[0] is h.grad_fn
    assert h.grad_fn.parents == (x,)
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        node.saved_tensors


def test_retain_graph_allows_a_second_pass():
    x = f64([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)


def test_retain_graph_defaults_to_create_graph():
    x = f64([1.0, 2.0])
    y = (x ** 3).sum()
    y.backward(create_graph=True)  # graph kept: x.grad is differentiable, y can go again
    assert x.grad.requires_grad
    y.backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 6 * np.array([1.0, 4.0]))
    (g,) = mg.grad((x ** 3).sum(), x, create_graph=True)
    g.sum().backward()  # the first grad's graph was retained too
    z = (x ** 3).sum()
    mg.grad(z, x)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        mg.grad(z, x)


def test_no_strong_reference_from_a_node_to_its_output():
    x = f64([1.0, 2.0])
    h = x.exp()  # exp saves its output (by value); add saves nothing
    y = (h + 1.0).sum() * 2.0
    ref = weakref.ref(h)
    del h
    gc.collect()
    assert ref() is None  # collected, although the graph through it continues
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([1.0, 2.0]))


def test_backward_on_non_scalar_needs_a_gradient():
    y = f64([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match=r"scalar.*\(2,\)"):
        y.backward()


def test_wrong_gradient_shape_names_both_shapes():
    y = f64(np.ones((2, 3))) * 2
    with pytest.raises(RuntimeError) as err:
        y.backward(mg.ones(3, 2, dtype=mg.float64))
    assert "(3, 2)" in str(err.value) and "(2, 3)" in str(err.value)


def test_backward_of_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (mg.tensor([1.0]) * 2).sum().backward()


class BadShape(mg.Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, g):
        return g, g.sum(dim=0)  # wrong shape for b (should be like b)


def test_function_returning_a_wrong_gradient_shape_is_named():
    a, b = f64(np.ones((2, 3))), f64(np.ones((2, 3)))
    with pytest.raises(RuntimeError) as err:
        BadShape.apply(a, b).sum().backward()
    msg = str(err.value)
    assert "BadShape" in msg and "input 1" in msg and "(3,)" in msg and "(2, 3)" in msg


class Broadcasting(mg.Function):
    """a * b with broadcasting: backward returns the broadcast shape, the engine reduces."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * a


def test_engine_sums_a_broadcast_gradient_back_and_refuses_other_shapes():
    """As PyTorch's engine: a gradient of a shape the input broadcasts to is summed back to the
    input's shape; any other shape is a bug in the rule and raises, naming op, input, shapes."""
    a, b = f64(np.ones((2, 3))), f64([1.0, 2.0, 3.0])
    Broadcasting.apply(a, b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [2.0, 2.0, 2.0])
    np.testing.assert_allclose(a.grad.numpy(), [[1.0, 2.0, 3.0]] * 2)
    with pytest.raises(RuntimeError) as err:  # (2, 3) does not reduce to (2,): no silent sum
        Transposed.apply(f64(np.ones((2, 3))), f64([1.0, 2.0])).sum().backward()
    msg = str(err.value)
    assert "Transposed" in msg and "input 1" in msg and "(2, 3)" in msg and "(2,)" in msg


class Transposed(mg.Function):
    """Multiplies by ``b`` along the first axis but returns b's gradient in the wrong layout."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b[:, None]

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b[:, None], g * a


def test_backward_inputs_restricts_accumulation():
    a, b = f64([1.0]), f64([2.0])
    (a * b).sum().backward(inputs=[a])
    assert b.grad is None and a.grad.item() == 2.0
