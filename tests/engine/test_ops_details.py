"""Op behaviour beyond values and gradients: indices, comparisons, ties, stability, errors."""
import numpy as np
import pytest

import minigrad as mg

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex3_1,
              pytest.mark.ex3_2]


def f64(a, rg=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=rg)


X = np.array([[0.3, -1.2, 2.5], [1.7, 0.9, -0.4]])


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keep", [False, True])
def test_max_min_with_dim_return_values_and_indices(name, dim, keep):
    x = f64(X)
    out = getattr(x, name)(dim=dim, keepdim=keep)
    values, indices = out
    assert out.values is values and out.indices is indices
    np_arg = np.argmax if name == "max" else np.argmin
    np.testing.assert_array_equal(indices.numpy(), np_arg(X, axis=dim, keepdims=keep))
    assert indices.dtype == mg.int64 and not indices.requires_grad
    assert values.requires_grad
    values.sum().backward()
    want = np.zeros_like(X)
    np.put_along_axis(want, np_arg(X, axis=dim, keepdims=True), 1.0, axis=dim)
    np.testing.assert_array_equal(x.grad.numpy(), want)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(name):
    x = f64(X)
    for kw, np_kw in [({}, {}), ({"dim": 1}, {"axis": 1}), ({"axis": 0, "keepdims": True},
                                                            {"axis": 0, "keepdims": True})]:
        got = getattr(x, name)(**kw)
        assert got.dtype == mg.int64 and not got.requires_grad
        np.testing.assert_array_equal(got.numpy(), getattr(np, name)(X, **np_kw))
        np.testing.assert_array_equal(getattr(mg, name)(x, **kw).numpy(), got.numpy())


def test_full_max_splits_the_gradient_evenly_over_ties():
    x = f64([1.0, 3.0, 3.0, 2.0])
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.5, 0.5, 0.0])


def test_maximum_splits_ties_in_half():
    a, b = f64([1.0, 2.0, 3.0]), f64([1.0, 5.0, 0.0])
    mg.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 1.0, 0.0])


@pytest.mark.parametrize("op, np_op", [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less),
                                       ("le", np.less_equal), ("gt", np.greater),
                                       ("ge", np.greater_equal)])
def test_comparisons_return_bool_tensors_without_grad(op, np_op):
    a, b = f64(X), f64([[0.3], [0.0]])
    dunder = {"eq": "__eq__", "ne": "__ne__", "lt": "__lt__", "le": "__le__", "gt": "__gt__",
              "ge": "__ge__"}[op]
    for got, want in [(getattr(mg, op)(a, b), np_op(X, [[0.3], [0.0]])),
                      (getattr(a, op)(b), np_op(X, [[0.3], [0.0]])),
                      (getattr(a, dunder)(b), np_op(X, [[0.3], [0.0]])),
                      (getattr(mg, op)(a, 0.3), np_op(X, 0.3)),
                      (getattr(mg, op)(0.3, a), np_op(0.3, X))]:
        assert got.dtype == mg.bool_ and not got.requires_grad and got.grad_fn is None
        np.testing.assert_array_equal(got.numpy(), want)
    assert ((0.3 < a).numpy() == (a > 0.3).numpy()).all()  # reflected operators


def test_repeated_indices_accumulate():
    x = f64([1.0, 2.0, 3.0])
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])
    y = f64(np.ones((2, 3)))
    idx = mg.tensor([1, 1])
    (y[idx, [2, 2]] * f64([1.0, 10.0], rg=False)).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0, 0, 0], [0, 0, 11.0]])


def test_mask_indexing_gradient_goes_to_selected_elements():
    x = f64(X)
    x[x > 0.5].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (X > 0.5).astype(float))


def test_var_defaults_to_the_unbiased_estimate():
    x = f64(X)
    np.testing.assert_allclose(x.var().item(), np.var(X, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(x.var(dim=1, correction=0).detach().numpy(), np.var(X, axis=1),
                               rtol=1e-12)


def test_softmax_family_is_stable_for_huge_logits():
    z = mg.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    for out in (z.softmax(), z.log_softmax(), z.logsumexp(dim=1)):
        assert np.isfinite(out.detach().numpy()).all()
        out.sum().backward()
        assert np.isfinite(z.grad.numpy()).all()
        z.grad = None
    np.testing.assert_allclose(z.log_softmax().detach().numpy(), [[0.0, -1000.0, -2000.0]])
    np.testing.assert_allclose(z.logsumexp().item(), 1000.0)


def test_sign_and_round_have_zero_gradient():
    x = f64([-1.7, 0.2, 2.6])
    (x.sign() + x.round()).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(3))


@pytest.mark.parametrize("fn", [lambda x: x.relu(), lambda x: x.abs(), lambda x: x.norm()])
def test_kinks_at_zero_give_zero_gradient(fn):
    x = f64([0.0, 0.0])
    fn(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_norm_p1_and_fro():
    x = f64(X)
    np.testing.assert_allclose(x.norm(p=1).item(), np.abs(X).sum())
    np.testing.assert_allclose(x.norm(p="fro").item(), np.linalg.norm(X))
    with pytest.raises(ValueError, match="p=3"):
        x.norm(p=3)


def test_stack_and_cat_split_the_gradient():
    a, b = f64([1.0, 2.0]), f64([3.0, 4.0])
    w = f64([[1.0, 2.0], [3.0, 4.0]], rg=False)
    (mg.stack([a, b], dim=1) * w).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 3.0])
    np.testing.assert_array_equal(b.grad.numpy(), [2.0, 4.0])


# ----------------------------------------------------------------------------- error messages
@pytest.mark.parametrize("fn, words", [
    (lambda: f64(np.ones((2, 3))) + f64(np.ones(4)), ["add", "(2, 3)", "(4,)"]),
    (lambda: f64(np.ones((2, 3))) * f64(np.ones((3, 2))), ["mul", "(2, 3)", "(3, 2)"]),
    (lambda: f64(np.ones((2, 3))) @ f64(np.ones((2, 3))), ["matmul", "(2, 3)"]),
    (lambda: f64(np.ones((2, 1, 3))) @ f64(np.ones((4, 3, 2))), ["matmul", "(2,)", "(4,)"]),
    (lambda: f64(np.ones((2, 3))).reshape(4, 2), ["reshape", "(2, 3)", "(4, 2)"]),
    (lambda: mg.cat([f64(np.ones((2, 3))), f64(np.ones((3, 2)))], dim=0),
     ["cat", "(3, 2)", "(2, 3)"]),
    (lambda: mg.stack([f64(np.ones(2)), f64(np.ones(3))]), ["stack", "(3,)", "(2,)"]),
    (lambda: mg.trace(f64(np.ones(3))), ["trace", "(3,)"]),
    (lambda: mg.outer(f64(np.ones((2, 2))), f64(np.ones(2))), ["outer", "(2, 2)", "(2,)"]),
    (lambda: f64(np.ones((2, 3))).sum(dim=2), ["sum", "2"]),
    (lambda: f64(np.ones((2, 3))).permute(0, 0), ["permute", "(2, 3)"]),
    (lambda: f64(np.ones((2, 3))).broadcast_to((4, 3)), ["broadcast_to", "(2, 3)", "(4, 3)"]),
    (lambda: mg.where(f64(np.ones(2)) > 0, f64(np.ones(2)), f64(np.ones(3))),
     ["where", "(2,)", "(3,)"]),
])
def test_errors_name_the_op_and_print_shapes_as_tuples(fn, words):
    with pytest.raises((ValueError, IndexError, TypeError)) as err:
        fn()
    msg = str(err.value)
    for w in words:
        assert w in msg, (w, msg)
    assert "[2, 3]" not in msg and "Size(" not in msg


def test_relu_gradient_is_zero_where_blocked_even_if_upstream_is_inf():
    x = mg.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        mg.sqrt(x.relu()).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.25])


def test_reductions_along_dim_0_of_a_0d_tensor_return_it():
    x = mg.tensor(3.0, requires_grad=True)
    for f in (lambda t: t.sum(0), lambda t: t.mean(0), lambda t: t.logsumexp(-1),
              lambda t: t.max(0).values):
        y = f(x)
        assert y.shape == () and y.item() == pytest.approx(3.0)
    x.sum(0, keepdim=True).backward()
    assert x.grad.item() == 1.0
    assert x.max(0).indices.item() == 0
    with pytest.raises(IndexError, match="0-d tensor"):
        x.sum(1)
