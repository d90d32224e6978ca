"""CPU vs CUDA parity for whole training runs, in-place ops and memory (all ``gpu``: skipped
cleanly without CuPy and a GPU, by tests/conftest.py).

The op-by-op parity (every op's forward, gradient and second-order product, to 1e-5 normwise in
float32 and 1e-10 in float64) is tests/engine/test_backend_parity.py::test_cupy_matches_numpy
and ::test_cupy_beyond_the_op_table; it is not repeated here.
"""
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader, load_digits, train_test_split

pytestmark = pytest.mark.gpu

ROOT = Path(__file__).resolve().parents[2]


def _normwise(got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    return np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-300)


def _mlp(dtype, device):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                          nn.Linear(64, 10))
    return model.to(dtype=dtype).to(device=device)


def _sgd_full_batch(device, dtype=mg.float64, steps=20):
    model = _mlp(dtype, device)
    X, y = load_digits(dtype=dtype, device=device)
    X, y = X[:512] / 16.0, y[:512]
    opt = optim.SGD(model.parameters(), lr=0.5)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(p.device.startswith(device) for p in model.parameters())
    return np.array(losses), [p.detach().cpu().numpy() for p in model.parameters()]


def test_twenty_sgd_steps_in_float64_match_to_1e_10():
    loss_cpu, p_cpu = _sgd_full_batch("cpu")
    loss_gpu, p_gpu = _sgd_full_batch("cuda")
    assert loss_cpu[-1] < 0.7 * loss_cpu[0]  # it trains
    assert _normwise(loss_gpu, loss_cpu) <= 1e-10
    for a, b in zip(p_gpu, p_cpu):
        assert _normwise(a, b) <= 1e-10


def _minibatch_run(device, epochs=3):
    model = _mlp(mg.float32, device)
    X, y = load_digits(device=device)
    Xtr, _, ytr, _ = train_test_split(X / 16.0, y, test_size=0.25, stratify=True, seed=0)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(epochs):
        for xb, yb in DataLoader((Xtr, ytr), batch_size=64, shuffle=True, seed=0):
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return np.array(losses)


def test_float32_loss_curve_matches_to_1e_3_relative():
    cpu, gpu = _minibatch_run("cpu"), _minibatch_run("cuda")
    assert len(cpu) == len(gpu) > 50 and cpu[-1] < 0.3 * cpu[0]
    assert np.max(np.abs(gpu - cpu) / np.abs(cpu)) <= 1e-3


def _inplace_program(device):
    a = mg.tensor(np.linspace(-1, 1, 12).reshape(3, 4), dtype=mg.float64, device=device,
                  requires_grad=True)
    y = a.tanh()
    y += a * 2.0
    y[:, 1] = a[:, 0].exp()
    y[mg.tensor([0, 2], device=device)] *= 3.0
    buf = mg.zeros(3, 4, dtype=mg.float64, device=device)
    buf.copy_(y)
    buf[buf > 1.0] = 0.5
    loss = (buf * y).sum()
    loss.backward()
    return loss.item(), a.grad.cpu().numpy(), (y._version, buf._version)


def test_in_place_ops_on_cuda_match_the_cpu():
    lc, gc, vc = _inplace_program("cpu")
    lg, gg, vg = _inplace_program("cuda")
    assert lg == pytest.approx(lc, rel=1e-12) and vg == vc
    assert _normwise(gg, gc) <= 1e-10


def test_backward_after_a_step_fails_loudly_on_cuda():
    model = _mlp(mg.float32, "cuda")
    opt = optim.Adam(model.parameters(), lr=1e-3)
    h = model(mg.randn(8, 64, device="cuda"))
    l1, l2 = h.sum(), h.square().sum()
    l1.backward(retain_graph=True)
    last = model[4].weight
    before = last._version
    opt.step()
    assert last._version == before + 1
    with pytest.raises(RuntimeError) as exc:
        l2.backward()
    msg = str(exc.value)
    assert re.match(r"(MatMul|Linear)Backward: ", msg) and "(10, 64)" in msg
    assert f"version {before + 1}" in msg and f"saved version {before}" in msg


def test_device_memory_is_flat_over_training_steps():
    cp = pytest.importorskip("cupy")
    pool = cp.get_default_memory_pool()
    model = _mlp(mg.float32, "cuda")
    opt = optim.Adam(model.parameters(), lr=1e-3)
    X = mg.randn(256, 64, device="cuda")
    y = mg.tensor(np.arange(256) % 10, device="cuda")
    used = []
    for step in range(60):
        opt.zero_grad()
        F.cross_entropy(model(X), y).backward()
        opt.step()
        if step in (9, 59):
            cp.cuda.Device().synchronize()
            used.append(pool.used_bytes())
    assert used[0] == used[1], used


def test_lesson_11_runs_on_cuda_and_agrees_with_the_cpu(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    spec = importlib.util.spec_from_file_location("_lessons_render", ROOT / "lessons" / "render.py")
    render = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render)
    nb = nbformat.read(ROOT / "lessons" / "11_running_on_a_gpu.ipynb", as_version=4)
    executed, seconds = render.execute(nb, tmp_path, mpl_backend="Agg", cell_timeout=300)
    text = "\n".join(o.get("text", "") for c in executed.cells if c.cell_type == "code"
                     for o in c.get("outputs", []) if o.get("output_type") == "stream")
    assert "running on cuda" in text
    m = re.search(r"largest difference between CPU and GPU parameters after 20 steps: (\S+)",
                  text)
    assert m and float(m.group(1)) < 1e-9, text[-2000:]
    assert "GPU / CPU time:" in text and "skipped" not in text
