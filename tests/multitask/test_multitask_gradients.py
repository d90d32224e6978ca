"""head_grads, jacobian, gramian, flatten/unflatten, balance_alpha and the bad-input errors."""
import math

import numpy as np
import pytest
from mt_toy import two_heads

import minigrad as mg
import minigrad.multitask as mt

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_3]


def test_per_head_grads_sum_to_grad_of_summed_loss():
    (W, A, B), losses = two_heads()
    hg = mt.head_grads(losses(), [W, A, B])
    L = losses()
    total = mg.grad(L["a"] + L["b"], [W, A, B])
    for k in range(3):
        summed = hg.grads["a"][k] + hg.grads["b"][k]
        np.testing.assert_allclose(summed.numpy(), total[k].numpy(), rtol=1e-12, atol=1e-14)
    assert W.grad is None and A.grad is None  # head_grads writes no .grad


def test_head_params_get_exactly_zero_from_other_heads():
    (W, A, B), losses = two_heads()
    hg = mt.head_grads(losses(), {"W": W, "A": A, "B": B})
    assert hg.reached == {"a": [True, True, False], "b": [True, False, True]}
    assert np.all(hg.grads["a"][2].numpy() == 0.0) and np.all(hg.grads["b"][1].numpy() == 0.0)
    assert hg.shared == ["W"]
    assert hg.norms["a"].per_param["B"] == 0.0
    # norms: per parameter and total agree with the gradients themselves
    ga = mg.grad(losses()["a"], [W, A])
    np.testing.assert_allclose(hg.norms["a"].per_param["W"], np.linalg.norm(ga[0].numpy()))
    np.testing.assert_allclose(hg.norms["a"].total, math.hypot(*(np.linalg.norm(g.numpy())
                                                                  for g in ga)))
    assert "(shared)" in hg.summary()


def test_cosine_over_shared_gradients_and_nan_for_zero_norm():
    (W, A, B), losses = two_heads()
    hg = mt.head_grads(losses(), [W, A, B])
    ga, gb = (mg.grad(losses()[k], W)[0].numpy().ravel() for k in "ab")
    expect = ga @ gb / np.linalg.norm(ga) / np.linalg.norm(gb)
    np.testing.assert_allclose(hg.cosine.numpy()[0, 1], expect, rtol=1e-12)
    np.testing.assert_allclose(np.diag(hg.cosine.numpy()), [1.0, 1.0])
    # a loss that reaches W with an exactly-zero gradient: cosine is NaN in its row/column
    L = losses()
    zero = (W * 0.0).sum()
    hg = mt.head_grads({"a": L["a"], "z": zero}, [W])
    cos = hg.cosine.numpy()
    assert math.isnan(cos[0, 1]) and math.isnan(cos[1, 0]) and math.isnan(cos[1, 1])
    assert cos[0, 0] == 1.0


def test_unreached_parameter_raises_naming_it_unless_allowed():
    (W, A, B), losses = two_heads()
    C = mg.randn(2, dtype=mg.float64, requires_grad=True)
    with pytest.raises(ValueError, match="'C'.*not reached by any loss.*allow_unused"):
        mt.head_grads(losses(), {"W": W, "C": C})
    hg = mt.head_grads(losses(), {"W": W, "C": C}, allow_unused=True)
    assert hg.unreached == ["C"] and np.all(hg.grads["a"][1].numpy() == 0)
    with pytest.raises(ValueError, match="not reached"):
        mt.jacobian(losses(), [W, C])


def test_bad_losses_are_named():
    (W, A, B), losses = two_heads()
    L = losses()
    with pytest.raises(ValueError, match=r"'b' has shape \(2,\).*scalar"):
        mt.head_grads({"a": L["a"], "b": (W.sum(0)[:2])}, [W])
    with pytest.raises(ValueError, match="'b' is nan"):
        mt.jacobian({"a": L["a"], "b": L["b"] * float("nan")}, [W])
    with pytest.raises(ValueError, match=r"'losses\[1\]' does not require grad"):
        mt.jacobian([L["a"], mg.tensor(1.0)], [W])
    with pytest.raises(TypeError, match="several losses"):
        mt.jacobian(L["a"], [W])


def test_mismatched_devices_are_named():
    pytest.importorskip("array_api_strict")
    (W, A, B), losses = two_heads()
    Ws = W.detach().to("strict").requires_grad_()
    Ws.name = "W_strict"
    with pytest.raises(ValueError, match="'W_strict' is on strict but loss 'a' is on cpu"):
        mt.jacobian(losses(), [W, Ws])
    L = losses()
    other = (Ws * Ws).sum()
    with pytest.raises(ValueError, match="loss 'b' is on strict but loss 'a' is on cpu"):
        mt.jacobian({"a": L["a"], "b": other}, [W])


def test_jacobian_rows_gramian_and_flatten_roundtrip():
    (W, A, B), losses = two_heads()
    J = mt.jacobian(losses(), [W, A, B])
    assert J.shape == (2, W.numel() + A.numel() + B.numel())
    ga = mg.grad(losses()["a"], [W, A])
    row = np.concatenate([g.numpy().ravel() for g in ga] + [np.zeros(B.numel())])
    np.testing.assert_array_equal(J.numpy()[0], row)
    G = mt.gramian(J)
    np.testing.assert_allclose(G.numpy(), J.numpy() @ J.numpy().T, rtol=1e-13)
    v = mt.flatten([W, A, B])
    parts = mt.unflatten(v.detach(), [W, A, B])
    for p, q in zip(parts, [W, A, B]):
        assert p.shape == q.shape
        np.testing.assert_array_equal(p.numpy(), q.detach().numpy())
    with pytest.raises(ValueError, match="has 5 entries but"):
        mt.unflatten(mg.zeros(5), [W])
    with pytest.raises(ValueError, match="2-D"):
        mt.gramian(mg.zeros(3))


def test_jacobian_stays_on_device_strict():
    pytest.importorskip("array_api_strict")
    (W, A, B), _ = two_heads()
    Ws = W.detach().to("strict").requires_grad_()
    x = mg.randn(5, 3, dtype=mg.float64).to("strict")
    losses = {"a": (x @ Ws).tanh().sum(), "b": ((x @ Ws) ** 2).mean()}
    J = mt.jacobian(losses, [Ws])
    assert J.device == "strict"
    assert mt.gramian(J).device == "strict"


def test_balance_alpha_equalises_the_weighted_norms():
    (W, A, B), losses = two_heads()
    L = losses()
    alpha = mt.balance_alpha(L["a"], L["b"], [W])
    g1, g2 = (np.linalg.norm(mg.grad(L[k], W, retain_graph=True)[0].numpy()) for k in "ab")
    np.testing.assert_allclose(alpha * g1, (1 - alpha) * g2, rtol=1e-12)
    with pytest.raises(ValueError, match="both gradients are exactly zero"):
        mt.balance_alpha((W * 0).sum(), (W * 0).mean(), [W])
