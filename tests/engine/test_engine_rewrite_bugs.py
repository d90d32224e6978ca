"""Engine bugs fixed by the rewrite (issue "A small engine that is also fast"), one test each:
every one of these failed on the engine before it."""
import threading

import numpy as np
import pytest

import minigrad as mg

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def f64(values, rg=True):
    return mg.tensor(np.asarray(values, dtype=np.float64), requires_grad=rg)


# ----------------------------------------------------------------------------- grad mode
def test_set_grad_enabled_is_a_context_manager_that_restores():
    x = f64([1.0, 2.0])
    with mg.set_grad_enabled(False):
        assert not mg.is_grad_enabled()
        assert not (x * 2).requires_grad
    assert mg.is_grad_enabled()
    assert (x * 2).requires_grad


def test_set_grad_enabled_as_a_plain_call_and_as_a_decorator():
    x = f64([1.0])
    mg.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        mg.set_grad_enabled(True)
    assert (x * 2).requires_grad

    @mg.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert mg.is_grad_enabled()  # decorating switches nothing by itself
    assert not f(x).requires_grad and mg.is_grad_enabled()


def test_grad_mode_is_thread_local():
    x = f64([1.0, 2.0])
    inside, release, seen = threading.Event(), threading.Event(), {}

    def other():
        with mg.no_grad():
            inside.set()
            release.wait(5)
        seen["after"] = mg.is_grad_enabled()

    t = threading.Thread(target=other)
    t.start()
    inside.wait(5)
    try:
        assert mg.is_grad_enabled()  # the other thread's no_grad does not reach this one
        assert (x * 3).requires_grad
    finally:
        release.set()
        t.join()
    assert seen["after"] is True and mg.is_grad_enabled()


def test_overlapping_no_grad_blocks_in_two_threads_leave_recording_on():
    barrier = threading.Barrier(2)
    results = []

    def worker(delay):
        with mg.no_grad():
            barrier.wait(5)
            threading.Event().wait(delay)
        results.append(mg.is_grad_enabled())

    ts = [threading.Thread(target=worker, args=(d,)) for d in (0.01, 0.05)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert results == [True, True] and mg.is_grad_enabled()


def test_no_grad_decorates_generator_functions():
    x = f64([1.0, 2.0])

    @mg.no_grad()
    def gen():
        for k in range(3):
            yield x * k, mg.is_grad_enabled()

    for y, enabled in gen():
        assert not y.requires_grad and enabled is False
        assert mg.is_grad_enabled()  # the caller records between steps
        assert (x * 1).requires_grad


def test_no_grad_generator_passes_send_and_return():
    @mg.no_grad()
    def echo():
        got = yield 1
        while got is not None:
            got = yield got * 2
        return "done"

    g = echo()
    assert next(g) == 1 and g.send(5) == 10
    with pytest.raises(StopIteration) as stop:
        g.send(None)
    assert stop.value.value == "done"


# ----------------------------------------------------------------------------- saved values
@pytest.mark.parametrize("make, want", [
    (lambda x, c: x * 2, [2.0, 2.0]),
    (lambda x, c: x / 2, [0.5, 0.5]),
    (lambda x, c: 2 / x, [-2.0, -0.5]),  # -2 / x**2 at the *old* x = [1, 2]
    (lambda x, c: x * c, [3.0, 4.0]),
])
def test_an_op_saves_only_what_its_wanted_gradients_need(make, want):
    """PyTorch computes these after an in-place change of x: nothing saved depends on x."""
    x = f64([1.0, 2.0])
    c = f64([3.0, 4.0], rg=False)
    y = make(x * 1, c) if False else make(x, c)
    with mg.no_grad():
        x.add_(10.0)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), want)


def test_a_needed_saved_input_is_still_guarded():
    x = f64([1.0, 2.0])
    y = x * x
    with mg.no_grad():
        x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()


# ----------------------------------------------------------------------------- views
@pytest.mark.parametrize("same", [lambda x: x.expand(2, 3), lambda x: x.broadcast_to((2, 3)),
                                  lambda x: x.reshape(2, 3)])
def test_a_no_op_reshape_or_expand_is_a_new_tensor(same):
    x = f64(np.ones((2, 3)))
    y = same(x)
    assert y is not x and y.grad_fn is not None
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    y.retain_grad()
    (y * 3).sum().backward()
    np.testing.assert_allclose(seen[0], 3 * np.ones((2, 3)))
    np.testing.assert_allclose(y.grad.numpy(), 3 * np.ones((2, 3)))
    assert x.grad is not None  # the hook did not land on the leaf
    z = same(x)
    (g,) = mg.grad((z * z).sum(), z)
    np.testing.assert_allclose(g.numpy(), 2 * np.ones((2, 3)))


def test_backward_inputs_fills_a_retained_gradient():
    x = f64([1.0, 2.0])
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward(inputs=[x])
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), 18 * np.array([1.0, 2.0]))


def test_a_reshape_that_copies_keeps_its_own_version_counter():
    x = f64(np.arange(6.0).reshape(2, 3))
    t = x.T  # not contiguous: reshaping it must copy
    r = t.reshape(6)
    assert not np.shares_memory(r.array, x.array)
    y = (r * r).sum()  # saves r
    with mg.no_grad():
        x.mul_(2.0)  # changes x (and t), not r's copy
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.arange(6.0).reshape(2, 3))
    v = x.reshape(6)  # a true view still shares
    assert v._version == x._version


def test_backward_checks_the_gradient_device():
    x = f64([1.0, 2.0])
    y = x * 2
    g = mg.tensor([1.0, 1.0], dtype=mg.float64).to("strict")
    with pytest.raises(RuntimeError, match="gradient is on strict but the output"):
        y.backward(gradient=g)


def test_ops_with_many_inputs_record_and_skip_recording_alike():
    """(A regression found in review: the table of all-False needs_input_grad had 9 entries.)"""
    plain = [mg.tensor([float(k)]) for k in range(12)]
    assert mg.cat(plain).tolist() == [float(k) for k in range(12)]
    leaves = [f64([float(k)]) for k in range(12)]
    mg.cat(leaves).sum().backward()
    assert all(t.grad.tolist() == [1.0] for t in leaves)
