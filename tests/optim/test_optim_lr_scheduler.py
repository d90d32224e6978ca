"""StepLR and CosineAnnealingLR: closed-form learning rates written into the optimizer."""
import math

import pytest

import minigrad as mg
from minigrad import optim
from minigrad.optim.lr_scheduler import CosineAnnealingLR, StepLR


def make_opt(lr=1.0):
    a, b = mg.zeros(1, requires_grad=True), mg.zeros(1, requires_grad=True)
    return optim.SGD([{"params": [a]}, {"params": [b], "lr": lr * 10}], lr=lr)


def test_step_lr_decays_every_step_size_epochs():
    opt = make_opt(0.5)
    sched = StepLR(opt, step_size=3, gamma=0.1)
    seen = []
    for _ in range(8):
        seen.append(sched.get_last_lr())
        opt.step()
        sched.step()
    for epoch, lrs in enumerate(seen):
        f = 0.1 ** (epoch // 3)
        assert lrs == pytest.approx([0.5 * f, 5.0 * f])
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 * 0.01)
    assert opt.param_groups[0]["initial_lr"] == 0.5
    with pytest.raises(ValueError, match="step_size"):
        StepLR(opt, step_size=0)


def test_cosine_annealing_follows_half_a_cosine():
    opt = make_opt(1.0)
    sched = CosineAnnealingLR(opt, T_max=10, eta_min=0.1)
    lrs = []
    for _ in range(21):
        lrs.append(opt.param_groups[0]["lr"])
        sched.step()
    for t, lr in enumerate(lrs):
        assert lr == pytest.approx(0.1 + 0.9 * (1 + math.cos(math.pi * t / 10)) / 2)
    assert lrs[0] == pytest.approx(1.0) and lrs[10] == pytest.approx(0.1)
    assert lrs[20] == pytest.approx(1.0)  # past T_max it rises along the same cosine


def test_scheduler_state_dict_resumes():
    opt = make_opt(1.0)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        sched.step()
    state = sched.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    opt2 = make_opt(1.0)
    opt2.load_state_dict(opt.state_dict())
    sched2 = StepLR(opt2, step_size=2, gamma=0.5, last_epoch=2)
    sched2.load_state_dict(state)
    sched.step()
    sched2.step()
    assert sched2.get_last_lr() == sched.get_last_lr() == pytest.approx([0.25, 2.5])


def test_resuming_without_initial_lr_is_explained():
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(make_opt(), step_size=2, last_epoch=4)
    with pytest.raises(TypeError, match="Optimizer"):
        StepLR(object(), step_size=2)
