"""DWA and FAMO against their update rules computed by hand."""
import math

import numpy as np
import pytest
from mt_toy import two_heads

import minigrad as mg
import minigrad.multitask as mt

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_3, pytest.mark.ex3_1]

pytestmark = [*(pytestmark if isinstance(pytestmark, list) else [pytestmark]), pytest.mark.ex3_5]


def _consts(*vals):
    x = mg.tensor(1.0, dtype=mg.float64, requires_grad=True)
    return [x * v for v in vals]


def test_dwa_weights_from_the_last_two_epoch_means():
    dwa = mt.DWA(2, T=2.0)
    assert dwa.weights == [1.0, 1.0]  # first two epochs
    for a, b in [(3.0, 1.0), (1.0, 1.0)]:  # epoch 1 means: (2, 1)
        dwa.update(_consts(a, b))
    dwa.end_epoch()
    assert dwa.weights == [1.0, 1.0]
    dwa.update(_consts(1.0, 1.0))  # epoch 2 means: (1, 1)
    dwa.end_epoch()
    assert dwa.history == [[2.0, 1.0], [1.0, 1.0]]
    r = np.array([0.5, 1.0])
    expect = 2 * np.exp(r / 2) / np.exp(r / 2).sum()
    np.testing.assert_allclose(dwa.weights, expect, rtol=1e-14)
    assert abs(sum(dwa.weights) - 2) < 1e-14
    total = dwa(_consts(4.0, 5.0))
    np.testing.assert_allclose(total.item(), expect @ [4.0, 5.0], rtol=1e-14)
    with pytest.raises(RuntimeError, match="no losses were recorded"):
        dwa.end_epoch()


def test_famo_gradient_weights_sum_to_one_and_match_the_rule():
    (W, A, B), losses = two_heads()
    famo = mt.FAMO(2)
    famo.xi = np.array([0.3, -0.2])  # some state
    L = losses()
    vals = [L["a"].item(), L["b"].item()]
    total = famo(L)
    z = np.exp(famo.xi) / np.exp(famo.xi).sum()
    D = np.array(vals) + 1e-8
    c = (z / D).sum()
    np.testing.assert_allclose(famo.weights, z / (c * D), rtol=1e-12)
    assert abs(sum(famo.weights) - 1) < 1e-14
    (g,) = mg.grad(total, W)
    ga = mg.grad(losses()["a"], W)[0].numpy()
    gb = mg.grad(losses()["b"], W)[0].numpy()
    expect = famo.weights[0] * ga + famo.weights[1] * gb
    np.testing.assert_allclose(g.numpy(), expect, rtol=1e-11)
    np.testing.assert_allclose(total.item(), (z / c) @ np.log(D), rtol=1e-12)


def test_famo_update_is_one_adam_step_towards_the_slower_task():
    famo = mt.FAMO(2, lr=0.025)
    famo(_consts(1.0, 1.0))
    famo.update(_consts(0.5, 0.9))  # task 1 fell by log 2, task 2 only by log(1/0.9)
    delta = np.array([math.log(2.0), math.log(1 / 0.9)])
    g = 0.5 * (delta - delta.mean())  # softmax VJP at xi = 0
    # Adam's first step is lr * g / (|g| + eps) (bias corrections cancel)
    np.testing.assert_allclose(famo.xi, -0.025 * g / (np.abs(g) + 1e-8), rtol=1e-12)
    assert famo.task_weights[1] > famo.task_weights[0]  # the slower task gains weight
    with pytest.raises(RuntimeError, match="before update"):
        famo.update(_consts(0.4, 0.8))
    with pytest.raises(ValueError, match="not above its min_losses"):
        mt.FAMO(2, min_losses=[2.0, 0.0])(_consts(1.0, 1.0))
    assert famo.parameters() == []
