"""HIPS autograd as an independent oracle: random expression graphs, built by hypothesis from
the ops below with broadcasting and fan-out (any earlier value may be used again), give the same
gradients and Hessian-vector products in minigrad and in autograd (float64, rtol 1e-9)."""
import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from oracle_programs import programs, run

import minigrad as mg

pytestmark = [pytest.mark.ex3_1, pytest.mark.ex3_2]

@pytest.mark.filterwarnings("ignore:Output seems independent of input")  # linear programs' HVP
@settings(max_examples=150)
@given(program=programs())
def test_gradients_and_hvp_match_hips_autograd(program):
    shapes, _, _, seed = program
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(s) for s in shapes] + [rng.standard_normal((4, 4)) * 0.5]
    vecs = [rng.standard_normal(v.shape) for v in values]

    def ag_f(xs):
        return run(program, xs[:-1], xs[-1], 1)

    def ag_hvp(xs):
        gs = autograd.grad(ag_f)(xs)
        return sum(anp.sum(g * v) for g, v in zip(gs, vecs))

    want_g = autograd.grad(ag_f)(values)
    want_hv = autograd.grad(ag_hvp)(values)

    ts = [mg.tensor(v, requires_grad=True) for v in values]
    loss = run(program, ts[:-1], ts[-1], 0)
    grads = mg.grad(loss, ts, create_graph=True, allow_unused=True)
    dot = sum(((g * mg.tensor(v)).sum() for g, v in zip(grads, vecs) if g is not None),
              mg.tensor(0.0, dtype=mg.float64))
    hv = mg.grad(dot, ts, allow_unused=True) if dot.requires_grad else [None] * len(ts)
    for t, g, h, wg, wh in zip(ts, grads, hv, want_g, want_hv):
        got_g = np.zeros(t.shape) if g is None else g.detach().numpy()
        got_h = np.zeros(t.shape) if h is None else h.numpy()
        np.testing.assert_allclose(got_g, wg, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(got_h, wh, rtol=1e-9, atol=1e-11)


@settings(max_examples=40)
@given(program=programs())
def test_backward_accumulation_matches_hips_autograd(program):
    shapes, _, _, seed = program
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(s) for s in shapes] + [rng.standard_normal((4, 4)) * 0.5]
    want = autograd.grad(lambda xs: run(program, xs[:-1], xs[-1], 1))(values)
    ts = [mg.tensor(v, requires_grad=True) for v in values]
    run(program, ts[:-1], ts[-1], 0).backward()
    for t, w in zip(ts, want):
        got = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(got, w, rtol=1e-9, atol=1e-11)
