"""Determinism: ``manual_seed`` fixes initialisation, dropout masks and shuffling, so a training
run repeats bit for bit, in one process and across processes.

Also covered elsewhere (not repeated here): ``python -m minigrad tour --quick`` twice prints the
same table (tests/test_tour.py::test_same_seed_prints_the_same_table), and every lesson seeds
once in its first code cell (tests/lessons/test_lessons.py::test_lesson_structure).
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.data import DataLoader

pytestmark = [pytest.mark.ex3_2, pytest.mark.ex3_5]


def _init(seed):
    mg.manual_seed(seed)
    return [p.detach().numpy().copy() for p in
            nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 2)).parameters()]


def test_seed_fixes_initialisation():
    a, b, c = _init(3), _init(3), _init(4)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, z) for x, z in zip(a, c))


def _masks(seed, n=3):
    mg.manual_seed(seed)
    drop = nn.Dropout(0.5)
    return [(drop(mg.ones(4, 6)).numpy() == 0) for _ in range(n)]


def test_seed_fixes_dropout_masks():
    a, b, c = _masks(0), _masks(0), _masks(1)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], a[1])  # a new mask every call ...
    assert any(not np.array_equal(x, z) for x, z in zip(a, c))  # ... and per seed
    assert 0 < a[0].sum() < a[0].size


def _orders(loader, epochs=2):
    return [np.concatenate([b.numpy() for b in loader]) for _ in range(epochs)]


def test_seed_fixes_shuffling():
    data = mg.arange(20)
    mg.manual_seed(5)
    a = _orders(DataLoader(data, batch_size=6, shuffle=True))
    mg.manual_seed(5)
    b = _orders(DataLoader(data, batch_size=6, shuffle=True))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert sorted(a[0].tolist()) == list(range(20))
    assert not np.array_equal(a[0], a[1])  # a new order each epoch
    assert not np.array_equal(a[0], np.arange(20))
    # a loader's own seed: the same order whatever the global seed
    mg.manual_seed(1)
    c = _orders(DataLoader(data, batch_size=6, shuffle=True, seed=9))
    mg.manual_seed(2)
    d = _orders(DataLoader(data, batch_size=6, shuffle=True, seed=9))
    for x, y in zip(c, d):
        np.testing.assert_array_equal(x, y)


RUN = """
import minigrad as mg
from minigrad import nn, optim
from minigrad.data import DataLoader, TensorDataset
mg.manual_seed(SEED)
x = mg.randn(64, 6)
y = (x[:, 0] > 0).long()
model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
opt = optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(3):
    for xb, yb in DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
"""


def _train(seed):
    scope = {}
    exec(RUN.replace("SEED", str(seed)), scope)
    return scope["losses"], [p.detach().numpy().copy() for p in scope["model"].parameters()]


def test_a_training_run_repeats_bit_for_bit():
    (la, pa), (lb, pb), (lc, _) = _train(0), _train(0), _train(1)
    assert la == lb and len(la) == 12
    for x, y in zip(pa, pb):
        np.testing.assert_array_equal(x, y)
    assert la != lc


def test_a_training_run_repeats_across_processes():
    """Two fresh interpreters (different hash seeds) print the same losses as this one."""
    code = RUN.replace("SEED", "0") + "\nprint(repr(losses))"
    outs = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, OPENBLAS_NUM_THREADS="1",
                   OMP_NUM_THREADS="1")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        outs.append(proc.stdout.strip())
    assert outs[0] == outs[1] == repr(_train(0)[0])
