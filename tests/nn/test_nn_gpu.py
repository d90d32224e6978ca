"""nn, optim and data on a CUDA GPU (skipped without CuPy and a GPU): the same code paths as on
the CPU, with the arrays living on the device."""
import copy

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader, load_digits, train_test_split

pytestmark = pytest.mark.gpu


def _train(model, device, epochs=2):
    mg.manual_seed(1)  # same dropout masks on both devices (drawn on the host)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    model.to(device)  # after building the optimizer: the same Parameter objects move
    X, y = load_digits(dtype=mg.float64, device=device)
    Xtr, Xte, ytr, yte = train_test_split(X / 16, y, test_size=0.25, stratify=True, seed=0)
    assert Xtr.device == model[0].weight.device and ytr.device == Xtr.device
    for _ in range(epochs):
        for xb, yb in DataLoader((Xtr, ytr), batch_size=128, shuffle=True, seed=0):
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb, label_smoothing=0.05)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
    model.eval()
    with mg.no_grad():
        acc = (model(Xte).argmax(dim=1) == yte).float().mean().item()
    return acc, opt


def test_training_on_cuda_matches_the_cpu():
    mg.manual_seed(0)
    cpu = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.1), nn.LayerNorm(32),
                        nn.Linear(32, 10)).double()
    gpu = copy.deepcopy(cpu)
    params = list(gpu.parameters())
    acc_cpu, _ = _train(cpu, "cpu")
    acc_gpu, opt = _train(gpu, "cuda")
    assert all(p is q and p.device == "cuda:0" for p, q in zip(gpu.parameters(), params))
    assert opt.state[params[0]]["exp_avg"].device == "cuda:0"
    for (k, a), b in zip(cpu.state_dict().items(), gpu.state_dict().values()):
        np.testing.assert_allclose(b.cpu().numpy(), a.numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=k)
    assert acc_gpu == acc_cpu > 0.8


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda ps: optim.AdamW(ps, lr=0.1, amsgrad=True),
    lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
], ids=["sgd", "adamw", "rmsprop"])
def test_optimizer_steps_match_the_cpu(make):
    init = np.random.default_rng(0).normal(size=(4, 3))
    cpu = mg.tensor(init, dtype=mg.float64, requires_grad=True)
    gpu = mg.tensor(init, dtype=mg.float64, requires_grad=True, device="cuda")
    oc, og = make([cpu]), make([gpu])
    for _ in range(5):
        for w, o in ((cpu, oc), (gpu, og)):
            o.zero_grad()
            ((w * w).sum() + w.sum()).backward()
            o.step()
    np.testing.assert_allclose(gpu.detach().cpu().numpy(), cpu.detach().numpy(), rtol=1e-10)


def test_losses_and_layers_on_cuda_match_the_cpu():
    x = mg.randn(6, 5, dtype=mg.float64)
    t = mg.tensor([0, 4, -100, 2, 2, 1])
    w = mg.tensor([1.0, 2.0, 0.5, 1.0, 3.0], dtype=mg.float64)
    ce_cpu = F.cross_entropy(x, t, weight=w).item()
    ce_gpu = F.cross_entropy(x.cuda(), t.cuda(), weight=w.cuda()).item()
    assert ce_gpu == pytest.approx(ce_cpu, rel=1e-12)
    y = mg.rand(6, 5, dtype=mg.float64)
    assert F.binary_cross_entropy_with_logits(x.cuda(), y.cuda()).item() == pytest.approx(
        F.binary_cross_entropy_with_logits(x, y).item(), rel=1e-12)
    emb = nn.Embedding(5, 3, padding_idx=0).cuda()
    out = emb(mg.tensor([[0, 1], [4, 4]], device="cuda"))
    out.sum().backward()
    assert out.device == "cuda:0" and not emb.weight.grad.cpu().numpy()[0].any()


def test_checkpoint_round_trip_from_cuda(tmp_path):
    model = nn.Linear(3, 2).cuda()
    opt = optim.Adam(model.parameters())
    model(mg.randn(4, 3, device="cuda")).sum().backward()
    opt.step()
    mg.save({"model": model.state_dict(), "optim": opt.state_dict()}, tmp_path / "ck")
    ck = mg.load(tmp_path / "ck", map_location="cuda")
    fresh = nn.Linear(3, 2).cuda()
    fresh.load_state_dict(ck["model"])
    opt2 = optim.Adam(fresh.parameters())
    opt2.load_state_dict(ck["optim"])
    assert opt2.state[fresh.weight]["exp_avg"].device == "cuda:0"
    np.testing.assert_array_equal(fresh.weight.detach().cpu().numpy(),
                                  model.weight.detach().cpu().numpy())


def test_dlpack_between_minigrad_and_cupy():
    cp = mg.backend.cupy()
    a = cp.arange(6, dtype=cp.float32).reshape(2, 3)
    t = mg.from_dlpack(a)
    assert t.device == "cuda:0"
    back = cp.from_dlpack(t)
    a[0, 0] = 9
    assert float(back[0, 0]) == 9.0
