"""The Optimizer machinery: parameter groups, duplicates, in-place updates, zero_grad, state dicts,
and several optimizers over shared tensors (the lessons' multi-loss patterns)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex3_4,
              pytest.mark.ex3_5]


def leaf(*values):
    return mg.tensor(list(values), requires_grad=True)


def set_grad(p, *values):
    p.grad = mg.tensor(list(values), dtype=p.dtype)


def test_plain_leaf_tensors_are_accepted_and_updated_in_place():
    w = leaf(1.0, 2.0)
    alias = w.detach()  # shares the array
    before = w._version
    opt = optim.SGD([w], lr=0.5)
    set_grad(w, 1.0, 1.0)
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.5, 1.5])
    np.testing.assert_allclose(alias.numpy(), [0.5, 1.5])  # same memory, updated in place
    assert w._version == before + 1


def test_tensors_without_grad_are_skipped():
    a, b = leaf(1.0), leaf(1.0)
    opt = optim.Adam([a, b], lr=0.1)
    set_grad(a, 1.0)
    opt.step()
    assert b.item() == 1.0 and a.item() != 1.0
    assert b not in opt.state and opt.state[a]["step"] == 1


def test_bad_params_are_refused_with_clear_errors():
    w = leaf(1.0)
    with pytest.raises(TypeError, match="wrap it in a list"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(TypeError, match="Tensors"):
        optim.SGD([[1.0, 2.0]], lr=0.1)


def test_the_same_tensor_twice_is_refused_naming_it():
    w = leaf(1.0, 2.0)
    w.name = "trunk.weight"
    with pytest.raises(ValueError, match=r"'trunk.weight' .*given twice .*parameter 0 of group 0 "
                                         r"and parameter 1 of group 0"):
        optim.SGD([w, w], lr=0.1)
    model = nn.Linear(2, 2)
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    with pytest.raises(ValueError, match=r"'weight' \(of shape \(2, 2\), float32\) is given twice"):
        opt.add_param_group({"params": [("weight", model.weight)]})
    unnamed = leaf(0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match=r"tensor of shape \(3,\), float32 is given twice"):
        optim.Adam([{"params": [unnamed]}, {"params": [unnamed]}])


def test_param_groups_have_their_own_hyperparameters():
    a, b = leaf(1.0), leaf(1.0)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.0)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    set_grad(a, 1.0)
    set_grad(b, 1.0)
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.5])
    c = leaf(1.0)
    opt.add_param_group({"params": c, "lr": 1.0})
    set_grad(c, 1.0)
    opt.step()
    assert c.item() == 0.0 and len(opt.param_groups) == 3


def test_zero_grad_to_none_or_zeros():
    w = leaf(1.0, 2.0)
    opt = optim.SGD([w], lr=0.1)
    set_grad(w, 3.0, 4.0)
    opt.zero_grad(set_to_none=False)
    assert w.grad.numpy().tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_closure_is_called_and_its_loss_returned():
    w = leaf(2.0)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with mg.no_grad():  # the closure records its graph even so
        loss = opt.step(closure)
    assert loss.item() == 4.0 and w.item() == 1.0


# ----------------------------------------------------------------------------- shared tensors
def test_one_optimizer_on_the_sum_of_two_losses():
    w, a, b = leaf(1.0), leaf(2.0), leaf(3.0)
    opt = optim.SGD([w, a, b], lr=0.1)
    ((w * a).sum() + (w * b).sum()).backward()
    np.testing.assert_allclose(w.grad.numpy(), [5.0])  # fan-out: the two heads' gradients add
    opt.step()
    np.testing.assert_allclose([w.item(), a.item(), b.item()], [0.5, 1.9, 2.9])


def test_two_optimizers_in_the_same_step_both_move_the_shared_tensor():
    w, a, b = leaf(1.0), leaf(2.0), leaf(3.0)
    opt_a = optim.SGD([w, a], lr=0.1)
    opt_b = optim.SGD([w, b], lr=0.01)
    ((w * a).sum() + (w * b).sum()).backward()
    opt_a.step()
    opt_b.step()
    np.testing.assert_allclose(w.item(), 1.0 - 0.1 * 5 - 0.01 * 5, rtol=1e-6)


def test_two_optimizers_alternating_keep_separate_state():
    w, a, b = leaf(1.0), leaf(2.0), leaf(3.0)
    opt_a = optim.Adam([w, a], lr=0.1)
    opt_b = optim.Adam([w, b], lr=0.1)
    for step in range(4):
        opt, loss = (opt_a, lambda: (2 * w + a * a).sum()) if step % 2 == 0 else \
            (opt_b, lambda: (3 * w + b * b).sum())
        opt.zero_grad()
        loss().backward()
        opt.step()
    assert opt_a.state[w]["step"] == 2 and opt_b.state[w]["step"] == 2
    assert opt_a.state[w] is not opt_b.state[w]
    # each optimizer's own steps on w: Adam with a constant gradient moves lr per step
    np.testing.assert_allclose(w.item(), 1.0 - 4 * 0.1, rtol=1e-6)
    assert a.item() < 2.0 and b.item() < 3.0


def test_optimizer_updates_a_model_moved_after_construction():
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    model.to(mg.float64)
    model(mg.ones(1, 2, dtype=mg.float64)).sum().backward()
    b0 = model.bias.item()
    opt.step()
    assert model.bias.dtype == mg.float64 and model.bias.item() == pytest.approx(b0 - 0.1)


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
    lambda ps: optim.Adam(ps, lr=0.1, amsgrad=True),
    lambda ps: optim.AdamW(ps, lr=0.1),
    lambda ps: optim.RMSprop(ps, lr=0.1, momentum=0.5, centered=True),
], ids=["sgd", "adam", "adamw", "rmsprop"])
def test_steps_run_on_the_strict_device_stand_in(make):
    w = mg.tensor([1.0, -2.0], requires_grad=True, device="strict")
    opt = make([w])
    for _ in range(3):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    assert w.device == "strict" and abs(w.detach().cpu().numpy()).max() < 2.0


# ----------------------------------------------------------------------------- state dicts
def _train(model, opt, steps, seed):
    mg.manual_seed(seed)
    for _ in range(steps):
        x = mg.randn(8, 3)
        opt.zero_grad()
        ((model(x) - 1.0) ** 2).mean().backward()
        opt.step()


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: optim.Adam(ps, lr=0.05, amsgrad=True),
    lambda ps: optim.RMSprop(ps, lr=0.01, centered=True),
], ids=["sgd", "adam", "rmsprop"])
def test_state_dict_resume_through_a_file_continues_identically(make, tmp_path):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    opt = make(model.parameters())
    _train(model, opt, 3, seed=1)
    mg.save({"model": model.state_dict(), "optim": opt.state_dict()}, tmp_path / "ckpt")
    _train(model, opt, 3, seed=2)
    reference = model(mg.ones(1, 3)).item()

    mg.manual_seed(5)
    model2 = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    opt2 = make(model2.parameters())
    ckpt = mg.load(tmp_path / "ckpt")
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optim"])
    _train(model2, opt2, 3, seed=2)
    assert model2(mg.ones(1, 3)).item() == reference


def test_state_dict_layout_follows_pytorch():
    a, b = leaf(1.0), leaf(2.0, 3.0)
    opt = optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.5}])
    set_grad(b, 1.0, 1.0)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert list(sd["state"]) == [1]
    assert set(sd["state"][1]) == {"step", "exp_avg", "exp_avg_sq"}
    assert sd["state"][1]["exp_avg"].shape == (2,)


def test_load_state_dict_checks_group_sizes_and_restores_hyperparameters():
    a, b = leaf(1.0), leaf(1.0)
    sd = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.3}], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="2 parameter group"):
        optim.SGD([a, b], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="group 1 has 1 parameter"):
        optim.SGD([{"params": [a]}, {"params": [b, leaf(0.0)]}], lr=0.1).load_state_dict(sd)
    opt = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.9)
    opt.load_state_dict(sd)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.3]
    assert opt.param_groups[0]["params"][0] is a


def test_loaded_state_is_cast_to_each_parameters_dtype():
    w = leaf(1.0, 2.0)
    opt = optim.Adam([w], lr=0.1)
    set_grad(w, 1.0, 1.0)
    opt.step()
    w64 = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    opt64 = optim.Adam([w64], lr=0.1)
    opt64.load_state_dict(opt.state_dict())
    assert opt64.state[w64]["exp_avg"].dtype == mg.float64
    assert opt64.state[w64]["exp_avg"] is not opt.state[w]["exp_avg"]
    assert "Adam (" in repr(opt64) and "lr: 0.1" in repr(opt64)
