"""Differential tests: the same random graphs (fan-out, broadcasting, views, reductions, matmul,
piecewise ops; see _graphs.py) give the same loss, gradients and Hessian-vector products in
minigrad as in PyTorch (when installed), in HIPS autograd, and as float64 central differences.
Only the public API is used: ``minigrad.tensor``, Tensor methods, ``backward`` and
``minigrad.grad``. Seeded; the whole file runs in a few seconds."""
import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import minigrad as mg

from ._graphs import LEAVES, describe, make_program, run

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex3_1, pytest.mark.ex3_2]

SEEDS = range(40)
DTYPES = {"float32": (mg.float32, np.float32), "float64": (mg.float64, np.float64)}
# (rtol, atol) against the reference, scaled by the reference's largest magnitude
TOL = {"float32": (2e-4, 2e-5), "float64": (1e-9, 1e-11)}


def _directions(program, seed):
    rng = np.random.default_rng(10_000 + seed)
    return [rng.standard_normal(program.values[k].shape) for k in LEAVES]


def minigrad_derivatives(program, dtype, directions):
    """(loss, gradients via backward(), Hessian-vector products via grad(create_graph=True))."""
    leaves = {k: mg.tensor(v, dtype=dtype, requires_grad=True) for k, v in program.values.items()}
    const = lambda w: mg.tensor(w, dtype=dtype)
    loss = run(program, "mg", leaves, const)
    loss.backward()
    grads = [leaves[k].grad.numpy() for k in LEAVES]
    for k in LEAVES:
        leaves[k].grad = None
    loss = run(program, "mg", leaves, const)
    g = mg.grad(loss, [leaves[k] for k in LEAVES], create_graph=True)
    dot = sum((gi * const(d)).sum() for gi, d in zip(g, directions))
    hvp = mg.grad(dot, [leaves[k] for k in LEAVES])
    assert all(x.dtype == dtype for x in hvp)
    return float(loss.item()), grads, [h.numpy() for h in hvp]


def torch_derivatives(torch, program, dtype, directions):
    tdt = getattr(torch, dtype)
    leaves = {k: torch.tensor(v, dtype=tdt, requires_grad=True)
              for k, v in program.values.items()}
    const = lambda w: torch.tensor(w, dtype=tdt)
    loss = run(program, "th", leaves, const)
    g = torch.autograd.grad(loss, [leaves[k] for k in LEAVES], create_graph=True)
    dot = sum((gi * const(d)).sum() for gi, d in zip(g, directions))
    hvp = torch.autograd.grad(dot, [leaves[k] for k in LEAVES])
    return (float(loss.item()), [x.detach().numpy() for x in g],
            [h.detach().numpy() for h in hvp])


def autograd_derivatives(program, directions):
    f = lambda xs: run(program, "ag", dict(zip(LEAVES, xs)), None)
    xs = tuple(program.values[k] for k in LEAVES)
    grads = autograd.grad(f)(xs)
    dot = lambda xs: sum(anp.sum(gi * d) for gi, d in zip(autograd.grad(f)(xs), directions))
    return float(f(xs)), list(grads), list(autograd.grad(dot)(xs))


def assert_same(got, want, dtype_name, what, program):
    rtol, atol = TOL[dtype_name]
    for name, a, b in zip(LEAVES, got, want):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        assert a.shape == b.shape, f"{what} wrt {name}: shape {a.shape} vs {b.shape}"
        scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * scale,
                                   err_msg=f"{what} wrt {name} ({describe(program)})")


def _compare(mine, ref, dtype_name, program, ref_name):
    (l1, g1, h1), (l2, g2, h2) = mine, ref
    rtol, atol = TOL[dtype_name]
    assert abs(l1 - l2) <= atol * max(1.0, abs(l2)) + rtol * abs(l2), \
        f"loss {l1} vs {ref_name} {l2} ({describe(program)})"
    assert_same(g1, g2, dtype_name, f"gradient vs {ref_name}", program)
    assert_same(h1, h2, dtype_name, f"Hessian-vector product vs {ref_name}", program)


@pytest.mark.parametrize("dtype_name", list(DTYPES))
@pytest.mark.parametrize("seed", SEEDS)
def test_matches_pytorch(seed, dtype_name):
    torch = pytest.importorskip("torch")
    program = make_program(seed)
    d = _directions(program, seed)
    mine = minigrad_derivatives(program, DTYPES[dtype_name][0], d)
    _compare(mine, torch_derivatives(torch, program, dtype_name, d), dtype_name, program,
             "torch")


@pytest.mark.parametrize("dtype_name", list(DTYPES))
@pytest.mark.parametrize("seed", SEEDS)
def test_matches_hips_autograd(seed, dtype_name):
    """HIPS autograd computes in float64; float32 minigrad is held to float32 tolerances."""
    program = make_program(seed)
    d = _directions(program, seed)
    mine = minigrad_derivatives(program, DTYPES[dtype_name][0], d)
    _compare(mine, autograd_derivatives(program, d), dtype_name, program, "HIPS autograd")


@pytest.mark.parametrize("seed", SEEDS)
def test_matches_central_differences(seed):
    """Directional derivatives of the loss and of the gradient, float64, h = 1e-6: checks the
    first and second order with no other library involved (smooth ops only)."""
    program = make_program(seed, smooth_only=True)
    d = _directions(program, seed)
    loss, grads, hvp = minigrad_derivatives(program, mg.float64, d)
    h = 1e-6

    def at(sign):
        shifted = {k: v + sign * h * dk for (k, v), dk in
                   zip(((k, program.values[k]) for k in LEAVES), d)}
        leaves = {k: mg.tensor(v, dtype=mg.float64, requires_grad=True)
                  for k, v in shifted.items()}
        out = run(program, "mg", leaves, lambda w: mg.tensor(w, dtype=mg.float64))
        g = mg.grad(out, [leaves[k] for k in LEAVES])
        return out.item(), [x.numpy() for x in g]

    (lp, gp), (lm, gm) = at(+1), at(-1)
    directional = sum(float(np.sum(g * dk)) for g, dk in zip(grads, d))
    fd = (lp - lm) / (2 * h)
    assert abs(directional - fd) <= 1e-6 * max(1.0, abs(fd)), describe(program)
    fd_hvp = [(a - b) / (2 * h) for a, b in zip(gp, gm)]
    for name, mine, ref in zip(LEAVES, hvp, fd_hvp):
        scale = max(1.0, float(np.max(np.abs(ref), initial=0.0)))
        np.testing.assert_allclose(mine, ref, rtol=1e-5, atol=1e-5 * scale,
                                   err_msg=f"HVP wrt {name} ({describe(program)})")


def test_the_programs_cover_every_op_and_fan_out():
    """The seeds used above exercise every op, and values with several consumers."""
    from ._graphs import OPS
    used, fanned = set(), 0
    for seed in SEEDS:
        program = make_program(seed)
        used |= {op.name for op, _, _ in program.steps}
        counts = np.bincount([i for _, idx, _ in program.steps for i in idx])
        fanned += int(np.sum(counts > 1))
    assert used == {op.name for op in OPS}
    assert fanned > len(SEEDS)
