"""gradcheck on graphs with a custom rule fails as it should and names the custom nodes."""
import re

import numpy as np
import pytest
from oja_pca_example import pca_loss_custom, pca_loss_function, pca_loss_hooked, pca_loss_scoped

import minigrad as mg
from minigrad.ops.pca import pca_loss
from minigrad.testing import GradcheckError, custom_backward_nodes, gradcheck

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_3]


def f64(a, rg=True):
    return mg.tensor(np.asarray(a, dtype=np.float64), dtype=mg.float64, requires_grad=rg)


@pytest.fixture
def WS():
    rng = np.random.default_rng(9)
    A = rng.standard_normal((4, 4))
    return f64(rng.standard_normal((4, 2))), f64(A @ A.T / 4)


def test_plain_pca_graph_passes_and_has_no_custom_nodes(WS):
    W, S = WS
    assert gradcheck(lambda W, S: pca_loss(W, S) * 2, (W, S))
    assert custom_backward_nodes(pca_loss(W, S) * 2) == []


@pytest.mark.parametrize("fn, expected", [
    (pca_loss_scoped, r"PCALossBackward \(rule swapped by override_gradient\)"),
    (pca_loss_custom, r"pca_loss_customBackward \(custom_gradient oja_pca_example\."
                      r"pca_loss_custom\)"),
    (pca_loss_hooked, r"MulBackward output hook\(s\)"),
    (pca_loss_function, r"OjaPCALossBackward \(user Function oja_pca_example\.OjaPCALoss\)"),
], ids=["override_gradient", "custom_gradient", "hook", "user-Function"])
def test_oja_rule_fails_gradcheck_and_is_named(WS, fn, expected):
    W, S = WS
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda W, S: fn(W, S) * 2, (W, S))
    msg = str(info.value)
    assert "input 0 (shape (4, 2))" in msg  # W's gradient is the one that differs
    assert "custom backward in the graph" in msg
    assert len(re.findall(expected, msg)) == 1, msg


def test_leaf_hook_is_named():
    x = f64([0.5, 1.0])
    x.register_hook(lambda g: g * 2)
    with pytest.raises(GradcheckError, match=r"leaf of shape \(2,\) with hook\(s\)"):
        gradcheck(lambda t: (t * t).sum(), (x,))


def test_correct_custom_rules_still_pass_but_are_listed():
    @mg.custom_gradient
    def exact_square(x):
        return x * x, lambda g: 2 * x * g

    x = f64([0.3, -0.4])
    assert gradcheck(exact_square, (x,))  # a right rule passes; being custom is not an error
    assert custom_backward_nodes(exact_square(x)) == [
        f"exact_squareBackward (custom_gradient {__name__}.exact_square)"]
