"""The overrides on other array libraries: 'strict' (a CPU stand-in that refuses NumPy) and CUDA.

Every rule here is written with minigrad ops, so it must run wherever the tensors live."""
import itertools

import numpy as np
import pytest
from oja_pca_example import WAYS, make_problem, model_grads

import minigrad as mg

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex3_2]

DEVICES = ["strict", pytest.param("cuda", marks=pytest.mark.gpu)]


@pytest.mark.parametrize("device", DEVICES)
def test_four_oja_ways_agree_with_the_cpu(device):
    problem = make_problem(seed=1)
    cpu = model_grads(WAYS["override_gradient"], problem, x_requires_grad=True)
    grads = {name: model_grads(fn, problem, x_requires_grad=True, device=device)
             for name, fn in WAYS.items()}
    for name, leaf in itertools.product(grads, ("W", "V", "X")):
        np.testing.assert_allclose(grads[name][leaf], cpu[leaf], rtol=0, atol=1e-12,
                                   err_msg=f"{name} on {device}, {leaf}.grad")
    for a, b in itertools.combinations(sorted(grads), 2):
        np.testing.assert_allclose(grads[a]["W"], grads[b]["W"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
def test_estimators_and_hooks_on_device(device):
    xa = np.array([0.4, 1.6, -2.7])
    x = mg.tensor(xa, dtype=mg.float64, requires_grad=True, device=device)
    y = mg.straight_through_round(x) * 2 + mg.grad_reverse(x, 0.5) * 3
    x.register_hook(mg.clip_grad_hook(max_norm=0.1))
    y.sum().backward()
    assert x.grad.device == x.device
    want = np.full(3, 2.0 - 1.5)
    np.testing.assert_allclose(x.grad.numpy(), want * 0.1 / np.linalg.norm(want), rtol=1e-14)

    @mg.custom_gradient
    def cube(t):
        return t * t * t, lambda g: 3 * t * t * g

    x = mg.tensor(xa, dtype=mg.float64, requires_grad=True, device=device)  # without the hook
    (g,) = mg.grad(cube(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 3 * xa ** 2, rtol=1e-14)
