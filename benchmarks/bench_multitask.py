"""Multi-task step cost: each ``minigrad.multitask`` method against the plain summed loss.

Model: the 8x8 digits through a shared trunk (Linear 64->128, ReLU, Linear 128->64, ReLU) and
two heads: ``digit`` (Linear 64->10, cross-entropy over the class) and ``parity`` (Linear 64->2,
cross-entropy over odd/even). Batch 128, float32, SGD. One "step" is zero_grad, forward,
whatever the method needs to fill ``.grad`` (and its own bookkeeping), and ``opt.step()``.

Prints a markdown table: median time per step, the ratio to the summed loss, and the passes
each method makes. No goal: this shows what the costs in ``minigrad.multitask``'s docstring
mean in practice (m = 2 here, so the gradient-based methods make 2 backward passes).

    python benchmarks/bench_multitask.py [--device cuda] [--rounds 7]
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402

import _common  # noqa: E402,I001
import numpy as np  # noqa: E402

BATCH, LR = 128, 0.05


def build(device):
    import minigrad as mg
    from minigrad import nn, optim
    from minigrad.data.digits import load_digits
    from minigrad.nn import functional as F

    mg.manual_seed(0)
    X, y = load_digits(device=device)
    idx = np.random.default_rng(0).choice(X.shape[0], BATCH, replace=False)
    x = X[mg.tensor(idx, device=device)] / 16.0
    t_digit = y[mg.tensor(idx, device=device)]
    t_parity = mg.tensor(y.numpy()[idx] % 2, device=device)
    trunk = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU()).to(device)
    heads = nn.ModuleDict({"digit": nn.Linear(64, 10), "parity": nn.Linear(64, 2)}).to(device)
    shared = list(trunk.parameters())
    head = list(heads.parameters())
    opt = optim.SGD(shared + head, lr=LR)

    def forward():
        z = trunk(x)
        return z, {"digit": F.cross_entropy(heads["digit"](z), t_digit),
                   "parity": F.cross_entropy(heads["parity"](z), t_parity)}

    return forward, shared, head, opt


def methods(forward, shared, head, opt):
    import minigrad.multitask as mt

    uw = mt.UncertaintyWeighting(2, device=shared[0].device)
    dwa = mt.DWA(2)
    famo = mt.FAMO(2)
    gn_generic = mt.GradNorm(shared[-2:], num_tasks=2, device=shared[0].device)
    gn_analytic = mt.GradNorm(shared[-2:], num_tasks=2, analytic=True, device=shared[0].device)
    imtll = mt.IMTLL(2, device=shared[0].device)
    rlw = mt.RLW(2, seed=0)
    for s in (uw, imtll, gn_generic, gn_analytic):
        opt.add_param_group({"params": s.parameters()})

    def scalarized(fn, after=None):
        def step():
            opt.zero_grad()
            _, L = forward()
            fn(L).backward()
            opt.step()
            if after is not None:
                after(L)
        return step

    def famo_step():
        opt.zero_grad()
        _, L = forward()
        famo(L).backward()
        opt.step()
        _, L2 = forward()  # FAMO's extra forward: the same batch after the step
        famo.update(L2)

    def weighted(w):
        def step():
            opt.zero_grad()
            _, L = forward()
            mt.aggregate(L, shared, head, w)
            opt.step()
        return step

    def rep_step():
        opt.zero_grad()
        z, L = forward()
        mt.aggregate_rep(L, z, shared, head, mt.MGDA())
        opt.step()

    plain = scalarized(lambda L: L["digit"] + L["parity"])
    return {
        "summed loss (baseline)": (plain, "1 backward"),
        "FixedWeights": (scalarized(mt.FixedWeights([0.7, 0.3])), "1 backward"),
        "UncertaintyWeighting": (scalarized(uw), "1 backward"),
        "DWA": (scalarized(dwa, dwa.update), "1 backward"),
        "FAMO": (famo_step, "1 backward + 1 forward"),
        "GradNorm (analytic)": (scalarized(gn_analytic, lambda L: gn_analytic.update()),
                                "1 + m backward (last layer)"),
        "GradNorm (double backward)": (scalarized(gn_generic, lambda L: gn_generic.update()),
                                       "1 + m backward + double backward"),
        "MGDA": (weighted(mt.MGDA()), "m backward"),
        "PCGrad": (weighted(mt.PCGrad(seed=0)), "m backward"),
        "CAGrad": (weighted(mt.CAGrad(0.5)), "m backward"),
        "IMTLG": (weighted(mt.IMTLG()), "m backward"),
        "AlignedMTL": (weighted(mt.AlignedMTL()), "m backward"),
        "UPGrad": (weighted(mt.UPGrad()), "m backward"),
        "MGDA-UB (aggregate_rep)": (rep_step, "m head passes + 1 trunk pass"),
        "IMTLL": (scalarized(imtll), "1 backward"),
        "RLW": (scalarized(rlw), "1 backward"),
        "DualProj": (weighted(mt.DualProj()), "m backward"),
        "ConFIG": (weighted(mt.ConFIG()), "m backward"),
        "GradVac": (weighted(mt.GradVac(seed=0)), "m backward"),
        "NashMTL": (weighted(mt.NashMTL()), "m backward"),
        "FairGrad": (weighted(mt.FairGrad(2.0)), "m backward"),
        "TrimmedMean": (weighted(mt.TrimmedMean(0)), "m backward"),
        "GradDrop": (weighted(mt.GradDrop()), "m backward"),
        "ExcessMTL": (weighted(mt.ExcessMTL(2)), "m backward"),
        "Random": (weighted(mt.Random(seed=0)), "m backward"),
    }


def run(device="cpu", rounds=7, target_s=0.05):
    forward, shared, head, opt = build(device)
    table = methods(forward, shared, head, opt)
    timings = _common.measure({k: v[0] for k, v in table.items()}, rounds=rounds,
                              target_s=target_s)
    base = timings["summed loss (baseline)"]["median"]
    lines = [f"Two-head digits model, batch {BATCH}, float32, device {device}, m = 2 tasks",
             "", "| method | ms / step | x summed loss | passes per step |", "|---|---|---|---|"]
    for name, (_, passes) in table.items():
        t = timings[name]["median"]
        lines.append(f"| {name} | {t * 1e3:.2f} | {t / base:.2f}x | {passes} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--target-s", type=float, default=0.05)
    args = ap.parse_args()
    print(run(args.device, args.rounds, args.target_s))


if __name__ == "__main__":
    main()
