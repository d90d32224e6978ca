"""Optional: the optimizers and schedulers against PyTorch itself, trajectory by trajectory (skipped
when torch is not installed; minigrad never needs it)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from minigrad.optim import lr_scheduler

pytestmark = [pytest.mark.ex3_4, pytest.mark.ex3_5]

torch = pytest.importorskip("torch")

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.95), eps=1e-4, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.05, maximize=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.7, centered=True, weight_decay=0.1)),
]


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_torch(name, kw):
    rng = np.random.default_rng(0)
    init = rng.normal(size=(3, 2))
    grads = rng.normal(size=(12, 3, 2))
    w = mg.tensor(init, dtype=mg.float64, requires_grad=True)
    tw = torch.tensor(init, dtype=torch.float64, requires_grad=True)
    opt, topt = getattr(optim, name)([w], **kw), getattr(torch.optim, name)([tw], **kw)
    for g in grads:
        w.grad = mg.tensor(g, dtype=mg.float64)
        tw.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        topt.step()
        np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-12,
                                   atol=1e-14)


@pytest.mark.parametrize("name,kw", [("StepLR", dict(step_size=3, gamma=0.5)),
                                     ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01))])
def test_schedules_match_torch(name, kw):
    w = mg.zeros(1, requires_grad=True)
    tw = torch.zeros(1, requires_grad=True)
    opt, topt = optim.SGD([w], lr=0.3), torch.optim.SGD([tw], lr=0.3)
    s, ts = getattr(lr_scheduler, name)(opt, **kw), getattr(torch.optim.lr_scheduler, name)(
        topt, **kw)
    for _ in range(20):
        opt.step()
        topt.step()
        s.step()
        ts.step()
        assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-10)
