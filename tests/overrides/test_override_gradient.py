"""Level 4: ``with minigrad.override_gradient(op, rule)``, a scoped swap bound at forward time."""
import contextvars
import threading

import numpy as np
import pytest

import minigrad as mg
from minigrad.overrides import _overrides, function_class, register_op

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def f64(a, rg=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), dtype=mg.float64, requires_grad=rg)


def tanh_as_identity(ctx, g):
    return g


def tanh_doubled(ctx, g):
    (out,) = ctx.saved_tensors  # Tanh saves its output
    return 2 * g * (1 - out * out)


XS = [0.3, -1.2]
DTANH = 1 - np.tanh(XS) ** 2


def grad_of(make):
    x = f64(XS)
    make(x).sum().backward()
    return x.grad.numpy()


@pytest.mark.parametrize("op", [mg.tanh, mg.Tanh], ids=["function", "class"])
def test_nodes_created_inside_use_the_rule_even_after_the_block(op):
    x = f64(XS)
    before = mg.tanh(x)
    with mg.override_gradient(op, tanh_as_identity):
        inside = mg.tanh(x)
        method = x.tanh()  # the method applies the same Function class
    after = mg.tanh(x)
    assert _overrides.get() is None
    for y, want in [(before, DTANH), (inside, 1.0), (method, 1.0), (after, DTANH)]:
        (g,) = mg.grad(y.sum(), x)  # backward runs outside the block
        np.testing.assert_allclose(g.numpy(), np.broadcast_to(want, (2,)), rtol=1e-14)


def test_rule_reads_saved_tensors_and_gets_tensors():
    seen = []

    def rule(ctx, g):
        seen.append((type(g), [type(t) for t in ctx.saved_tensors]))
        return tanh_doubled(ctx, g)

    with mg.override_gradient(mg.tanh, rule):
        got = grad_of(mg.tanh)
    assert seen == [(mg.Tensor, [mg.Tensor])]
    np.testing.assert_allclose(got, 2 * DTANH, rtol=1e-14)


def test_only_the_named_op_changes():
    with mg.override_gradient(mg.tanh, tanh_as_identity):
        got = grad_of(lambda x: mg.tanh(x) * mg.exp(x))
    e = np.exp(XS)
    t = np.tanh(XS)
    np.testing.assert_allclose(got, 1.0 * e + t * e, rtol=1e-14)


def test_inner_scope_wins_and_outer_comes_back():
    with mg.override_gradient(mg.tanh, tanh_as_identity):
        with mg.override_gradient(mg.Tanh, tanh_doubled):
            inner = grad_of(mg.tanh)
            with mg.override_gradient(mg.tanh, None):  # None: the built-in rule again
                builtin = grad_of(mg.tanh)
        outer = grad_of(mg.tanh)
    np.testing.assert_allclose(inner, 2 * DTANH, rtol=1e-14)
    np.testing.assert_allclose(builtin, DTANH, rtol=1e-14)
    np.testing.assert_allclose(outer, [1.0, 1.0])
    np.testing.assert_allclose(grad_of(mg.tanh), DTANH, rtol=1e-14)


def test_nested_scopes_for_different_ops_both_apply():
    def exp_as_one(ctx, g):
        return g

    with mg.override_gradient(mg.tanh, tanh_as_identity):
        with mg.override_gradient(mg.exp, exp_as_one):
            got = grad_of(lambda x: mg.tanh(x) + mg.exp(x))
    np.testing.assert_allclose(got, [2.0, 2.0])


def test_restored_after_an_exception():
    with pytest.raises(ValueError, match="boom"):
        with mg.override_gradient(mg.tanh, tanh_as_identity):
            assert _overrides.get() is not None
            raise ValueError("boom")
    assert _overrides.get() is None
    np.testing.assert_allclose(grad_of(mg.tanh), DTANH, rtol=1e-14)


def test_registry_is_context_local():
    found = {}

    def in_thread():
        found["thread"] = _overrides.get()
        found["grad"] = grad_of(mg.tanh)

    with mg.override_gradient(mg.tanh, tanh_as_identity):
        t = threading.Thread(target=in_thread)  # a new thread starts with its own context
        t.start()
        t.join()
    assert found["thread"] is None
    np.testing.assert_allclose(found["grad"], DTANH, rtol=1e-14)

    def enter_and_leave_open():
        cm = mg.override_gradient(mg.tanh, tanh_as_identity)
        cm.__enter__()  # set inside a copied context only
        return grad_of(mg.tanh)

    np.testing.assert_allclose(contextvars.copy_context().run(enter_and_leave_open), [1.0, 1.0])
    assert _overrides.get() is None  # this context never saw it


def test_rule_under_create_graph_records():
    def square_rule(ctx, g):  # 3x instead of 2x, written with Tensor ops on the saved input
        (x,) = ctx.saved_tensors
        return 3 * x * g

    x = f64([0.5, 2.0])
    with mg.override_gradient(mg.square, square_rule):
        y = mg.square(x).sum()
    (g,) = mg.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [1.5, 6.0])
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_wrong_rule_and_unknown_op_raise_clear_errors():
    with pytest.raises(TypeError, match=r"rule for Tanh must be callable"):
        with mg.override_gradient(mg.tanh, "not a rule"):
            pass
    with pytest.raises(TypeError, match=r"var is not a known single op.*Function class"):
        with mg.override_gradient(mg.var, tanh_as_identity):
            pass

    def two(ctx, g):
        return g, g

    with mg.override_gradient(mg.tanh, two):
        y = mg.tanh(f64(XS)).sum()
    with pytest.raises(RuntimeError, match=r"Tanh.*returned 2 gradient\(s\)"):
        y.backward()


def test_register_op_and_custom_gradient_functions_resolve():
    @mg.custom_gradient
    def f(x):
        return x * 2, lambda g: g * 2

    assert function_class(f) is f.function_class
    register_op(f, f.function_class)
    with pytest.raises(TypeError, match="not a Function subclass"):
        register_op(f, int)


x2, x1 = (lambda: f64([[0.5, -1.0], [2.0, 0.25]])), (lambda: f64([0.5, 1.5]))
CALLS = {
    "add": lambda: mg.add(x1(), 1.0), "sub": lambda: mg.sub(x1(), 1.0),
    "mul": lambda: mg.mul(x1(), 2.0), "div": lambda: mg.div(x1(), 2.0),
    "pow": lambda: mg.pow(x1(), 2.0), "neg": lambda: mg.neg(x1()),
    "maximum": lambda: mg.maximum(x1(), 1.0), "minimum": lambda: mg.minimum(x1(), 1.0),
    "exp": lambda: mg.exp(x1()), "log": lambda: mg.log(x1()), "sqrt": lambda: mg.sqrt(x1()),
    "square": lambda: mg.square(x1()), "abs": lambda: mg.abs(x1()),
    "sin": lambda: mg.sin(x1()), "cos": lambda: mg.cos(x1()), "tanh": lambda: mg.tanh(x1()),
    "sigmoid": lambda: mg.sigmoid(x1()), "relu": lambda: mg.relu(x1()),
    "clip": lambda: mg.clip(x1(), 0.0, 1.0), "softmax": lambda: mg.softmax(x1()),
    "log_softmax": lambda: mg.log_softmax(x1()), "matmul": lambda: mg.matmul(x2(), x2()),
    "trace": lambda: mg.trace(x2()), "sum": lambda: mg.sum(x1()), "mean": lambda: mg.mean(x1()),
    "max": lambda: mg.max(x1()), "logsumexp": lambda: mg.logsumexp(x1()),
    "getitem": lambda: mg.getitem(x1(), 0), "reshape": lambda: mg.reshape(x2(), (4,)),
    "permute": lambda: mg.permute(x2(), 1, 0), "transpose": lambda: mg.transpose(x2(), 0, 1),
    "broadcast_to": lambda: mg.broadcast_to(x1(), (3, 2)),
    "cat": lambda: mg.cat([x1(), x1()]), "cast": lambda: mg.cast(x1(), mg.float32),
    "where": lambda: mg.where(mg.tensor([True, False]), x1(), x1()),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_public_function_maps_to_the_class_it_applies(name):
    out = CALLS[name]()
    assert out.grad_fn.fn is function_class(getattr(mg, name))
