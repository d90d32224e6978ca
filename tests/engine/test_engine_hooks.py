"""Tensor hooks and retain_grad, as the engine runs them."""
import numpy as np
import pytest

import minigrad as mg

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def f64(a, rg=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=rg)


def _record(log, tag, ret=None):
    def hook(g):
        log.append((tag, g.numpy().copy() if not g.requires_grad else g.detach().numpy().copy()))
        return ret(g) if ret else None

    return hook


def test_leaf_and_intermediate_hooks_see_the_total_gradient_once_per_pass():
    x = f64([1.0, 2.0])
    h = x * 3.0
    log = []
    x.register_hook(_record(log, "x"))
    h.register_hook(_record(log, "h"))
    (h * h + h + x).sum().backward(retain_graph=True)  # h used three times, x twice
    assert [t for t, _ in log] == ["h", "x"]  # intermediate before the leaf it feeds
    np.testing.assert_allclose(log[0][1], 2 * 3 * np.array([1.0, 2.0]) + 1)
    np.testing.assert_allclose(log[1][1], 3 * log[0][1] + 1)
    log.clear()
    (h * h).sum().backward()
    assert [t for t, _ in log] == ["h", "x"]  # once per pass, again on the next pass


def test_replacement_and_none():
    x = f64([1.0, 2.0])
    h = x * 2.0
    h.register_hook(lambda g: g * 10.0)  # replaces what flows on
    h.register_hook(lambda g: None)  # keeps it
    x.register_hook(lambda g: g + 1.0)  # replaces what accumulates
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [21.0, 21.0])


def test_hooks_run_in_registration_order_and_chain():
    x = f64([1.0])
    seen = []
    x.register_hook(lambda g: seen.append(("a", g.item())) or g * 2)
    x.register_hook(lambda g: seen.append(("b", g.item())) or g + 1)
    (x * 5.0).sum().backward()
    assert seen == [("a", 5.0), ("b", 10.0)]
    assert x.grad.item() == 11.0


def test_handle_remove():
    x = f64([1.0])
    calls = []
    keep = x.register_hook(lambda g: calls.append("keep"))
    gone = x.register_hook(lambda g: calls.append("gone"))
    gone.remove()
    gone.remove()  # removing twice is harmless
    (x * 2).sum().backward()
    assert calls == ["keep"]
    keep.remove()
    (x * 2).sum().backward()
    assert calls == ["keep"]


def test_retain_grad_stores_the_value_after_hooks():
    x = f64([1.0, 2.0])
    h = x * 2.0
    h.retain_grad()
    h.register_hook(lambda g: g * 3.0)
    (h * 1.0).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [3.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_hook_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0]).register_hook(lambda g: g)
    with mg.no_grad():
        y = f64([1.0]) * 2
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.retain_grad()


def test_intermediate_hook_in_grad_and_for_non_leaf_inputs():
    x = f64([1.0, 2.0])
    h = x * 2.0
    h.register_hook(lambda g: g * 0.5)
    (gh, gx) = mg.grad((h * h).sum(), [h, x])
    np.testing.assert_allclose(gh.numpy(), [2.0, 4.0])  # the hooked value, as backward sees it
    np.testing.assert_allclose(gx.numpy(), [4.0, 8.0])
    assert x.grad is None and h.grad is None


def test_a_hook_must_return_a_tensor_of_the_same_shape_or_none():
    x = f64([1.0, 2.0])
    x.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match=r"\(\).*\(2,\)"):
        (x * 2).sum().backward()
    y = f64([1.0, 2.0])
    h = y * 2
    h.register_hook(lambda g: g.numpy())  # an array is not a gradient
    with pytest.raises(TypeError, match="ndarray"):
        h.sum().backward()
