"""Memory: after backward and zeroing the gradients, nothing the graph made stays alive.

Every Tensor made while the test runs, every NumPy array wrapped in one, and every gradient array
the engine passes between nodes is watched through a weak reference. The garbage collector is
off while it runs: minigrad's graph must be freed by reference counting alone (no cycles), or a
training loop would hold several steps of graphs until the next collection.

(Peak memory over 2,000 training steps is a benchmark, not a test: ``benchmarks/w5_memory.py``.)
"""
import contextlib
import gc
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.autograd import extend
from minigrad.autograd.function import Context
from minigrad.tensor import Tensor

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex3_2,
              pytest.mark.ex3_4, pytest.mark.ex3_5]


@contextlib.contextmanager
def watch():
    """Yield a list that collects weak references to every Tensor made, its ndarray, every graph
    node and every gradient array the engine hands between nodes, while the block runs."""
    refs = []
    orig, orig_node = Tensor.__init__, Context.__init__

    def init(self, data, *args, **kwargs):
        orig(self, data, *args, **kwargs)
        refs.append(("tensor", weakref.ref(self)))
        if isinstance(data, np.ndarray):
            refs.append(("array", weakref.ref(data)))

    def observe(node, gout, gin):
        for g in (*gout, *gin):
            if isinstance(g, np.ndarray):
                refs.append((f"gradient at {node.name}", weakref.ref(g)))

    def node_init(self, *args):
        orig_node(self, *args)
        refs.append(("node", weakref.ref(self)))

    Tensor.__init__, Context.__init__ = init, node_init
    extend.on_backward.append(observe)
    gc.disable()
    try:
        yield refs
    finally:
        gc.enable()
        Tensor.__init__, Context.__init__ = orig, orig_node
        extend.on_backward.remove(observe)


def alive(refs, keep=()):
    """What is still alive, except the objects in ``keep`` (and their arrays)."""
    kept = {id(o) for o in keep} | {id(o.array) for o in keep if isinstance(o, Tensor)}
    return [kind for kind, r in refs if r() is not None and id(r()) not in kept]


def _model():
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(),
                         nn.Linear(16, 3))


def test_after_backward_and_zero_grad_no_graph_array_stays_alive():
    model = _model()
    params = list(model.parameters())
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    x = mg.randn(32, 8)
    y = mg.tensor(np.random.default_rng(0).integers(0, 3, 32))
    for _ in range(2):  # the second step runs with momentum buffers already made
        with watch() as refs:
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            momentum = [opt.state[p]["momentum_buffer"] for p in params]
            opt.zero_grad()
            del loss
            left = alive(refs, keep=[*params, *momentum])
            assert left == [], left


def test_saved_values_are_freed_by_backward_while_the_loss_lives():
    w = mg.randn(16, 16, requires_grad=True)
    x = mg.randn(4, 16)
    with watch() as refs:
        loss = (x @ w).tanh().exp().square().mean()
        loss.backward()
        w.grad = None
        left = alive(refs, keep=[loss, w])
    assert set(left) == {"node"}, left  # the loss's graph nodes, which no longer hold arrays


def test_a_retained_graph_is_freed_with_its_outputs():
    w = mg.randn(8, 8, requires_grad=True)
    with watch() as refs:
        h = (mg.randn(4, 8) @ w).relu()
        l1, l2 = h.sum(), h.square().sum()
        l1.backward(retain_graph=True)
        l2.backward()
        w.grad = None
        del h, l1, l2
        assert alive(refs, keep=[w]) == []


def test_create_graph_gradients_are_freed_once_grad_is_reset():
    """``backward(create_graph=True)`` makes ``w.grad`` a graph that refers back to ``w`` (a
    cycle, as in PyTorch); setting ``w.grad = None`` breaks it."""
    w = mg.randn(5, dtype=mg.float64, requires_grad=True)
    with watch() as refs:
        loss = (w.sin() * w).sum()
        loss.backward(create_graph=True)
        (gg,) = mg.grad(w.grad.sum(), w)
        assert gg.shape == (5,)
        del loss, gg
        w.grad = None
        assert alive(refs, keep=[w]) == []


def test_live_tensors_stay_flat_over_many_steps():
    model = _model()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x = mg.randn(16, 8)
    y = mg.tensor(np.random.default_rng(1).integers(0, 3, 16))
    counts = []
    with watch() as refs:
        for step in range(60):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            if step in (9, 59):
                counts.append(len(alive(refs)))
    assert counts[0] == counts[1], counts  # Adam's state is made once; nothing else piles up


@pytest.mark.parametrize("inplace", ["+=", "setitem"])
def test_in_place_rebasing_leaves_no_garbage(inplace):
    w = mg.randn(6, requires_grad=True)
    with watch() as refs:
        y = w * 2.0
        if inplace == "+=":
            y += w.exp()
        else:
            y[1:3] = w[:2].sin()
        y.sum().backward()
        w.grad = None
        del y
        assert alive(refs, keep=[w]) == []
