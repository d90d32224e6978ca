"""Hidden tests: instructor-only (never written into a student copy), run by ``grade`` next to
the visible tests of tests/assignments/exercises/. They check each exercise through the public
API, where the visible tests call its function directly, so an answer fitted to the visible
tests alone does not pass them. ``points`` weights them in their exercise's points."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.multitask import PCGrad, UncertaintyWeighting
from minigrad.optim import SGD, Adam
from minigrad.testing import gradcheck

RNG = np.random.default_rng(11)


def _t(shape, grad=True):
    return mg.tensor(RNG.normal(size=shape), dtype=mg.float64, requires_grad=grad)


@pytest.mark.ex1_1
@pytest.mark.points(2)
def test_mul_gradcheck_with_broadcasting():
    assert gradcheck(lambda a, b: a * b, [_t((2, 3)), _t((3,))])


@pytest.mark.ex1_2
@pytest.mark.points(2)
def test_div_gradcheck_with_broadcasting():
    b = mg.tensor(RNG.uniform(1.0, 2.0, size=(2, 1)), dtype=mg.float64, requires_grad=True)
    assert gradcheck(lambda a, b: a / b, [_t((2, 3)), b])


@pytest.mark.ex1_3
def test_tanh_gradient_vanishes_when_saturated():
    x = mg.tensor([-40.0, 0.0, 40.0], dtype=mg.float64, requires_grad=True)
    (g,) = mg.grad(x.tanh().sum(), x)
    np.testing.assert_allclose(g.numpy(), [0.0, 1.0, 0.0], atol=1e-12)


@pytest.mark.ex1_4
@pytest.mark.points(2)
def test_batched_matmul_gradcheck():
    assert gradcheck(lambda a, b: a @ b, [_t((2, 3, 4)), _t((4, 2))])


@pytest.mark.ex1_5
@pytest.mark.points(2)
def test_broadcast_add_gradient_sums_back():
    a, b = _t((2, 1, 3)), _t((4, 1))
    ga, gb = mg.grad((a + b).sum(), [a, b])
    np.testing.assert_allclose(ga.numpy(), np.full((2, 1, 3), 4.0))
    np.testing.assert_allclose(gb.numpy(), np.full((4, 1), 6.0))


@pytest.mark.ex2_1
@pytest.mark.points(2)
def test_diamond_graph_gradient():
    x = mg.tensor(1.5, dtype=mg.float64, requires_grad=True)
    a = x * x
    y = a * 3.0 + a.tanh()          # a feeds two paths: its gradient must be complete first
    (g,) = mg.grad(y, x)
    assert g.item() == pytest.approx((3.0 + 1 - math.tanh(2.25) ** 2) * 3.0, rel=1e-12)


@pytest.mark.ex2_2
def test_two_backward_calls_accumulate():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0])


@pytest.mark.ex2_3
def test_no_grad_inside_a_function_called_in_a_loop():
    x = mg.tensor([1.0], requires_grad=True)
    for _ in range(3):
        with mg.no_grad():
            y = x * 2
        assert not y.requires_grad and mg.is_grad_enabled()


@pytest.mark.ex3_1
def test_softmax_gradcheck_on_three_dims():
    assert gradcheck(lambda x: mg.softmax(x, 1) * mg.softmax(x, 1), [_t((2, 3, 2))])


@pytest.mark.ex3_2
def test_log_softmax_gradcheck_on_three_dims():
    assert gradcheck(lambda x: mg.log_softmax(x, dim=1), [_t((2, 3, 2))])


@pytest.mark.ex3_3
@pytest.mark.points(2)
def test_cross_entropy_with_soft_targets_gradcheck():
    p = RNG.uniform(size=(4, 3))
    target = mg.tensor(p / p.sum(1, keepdims=True), dtype=mg.float64)
    import minigrad.nn.functional as F
    assert gradcheck(lambda x: F.cross_entropy(x, target), [_t((4, 3))])


@pytest.mark.ex3_4
def test_sgd_minimises_a_quadratic():
    p = mg.tensor([3.0, -2.0], dtype=mg.float64, requires_grad=True)
    opt = SGD([p], lr=0.1, momentum=0.5)
    for _ in range(200):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    np.testing.assert_allclose(p.detach().numpy(), 0.0, atol=1e-8)


@pytest.mark.ex3_5
def test_adam_first_step_moves_each_parameter_by_lr():
    p = mg.tensor([3.0, -2.0, 1e-3], dtype=mg.float64, requires_grad=True)
    opt = Adam([p], lr=0.01)
    p.grad = mg.tensor([10.0, -0.001, 5.0], dtype=mg.float64)
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), [2.99, -1.99, 1e-3 - 0.01], rtol=1e-5)


@pytest.mark.ex4_1
def test_uncertainty_weighting_learns_log_losses():
    uw = UncertaintyWeighting(2, dtype=mg.float64)
    opt = SGD(uw.parameters(), lr=0.5)
    for _ in range(300):
        opt.zero_grad()
        uw([mg.tensor(v, dtype=mg.float64, requires_grad=True) for v in (4.0, 0.25)]).backward()
        opt.step()
    np.testing.assert_allclose(uw.log_vars.detach().numpy(), np.log([4.0, 0.25]), atol=1e-6)


@pytest.mark.ex4_2
@pytest.mark.points(2)
def test_pcgrad_three_conflicting_tasks_never_hurt_a_task():
    J = mg.tensor(np.array([[1.0, 0.2, 0.0], [-0.8, 1.0, 0.1], [0.1, -0.9, 1.0]]))
    for seed in range(3):
        d = PCGrad(seed=seed)(J).numpy()
        assert d.shape == (3,) and np.isfinite(d).all()
        assert np.dot(J.numpy().sum(0), d) > 0
