"""CPU vs GPU: milliseconds per training step of two MLPs in float32, as a markdown table.

One step is what a training loop does: ``zero_grad``, forward, cross-entropy, ``backward``, an
SGD step, then a device synchronisation (so GPU times are complete, not just launched). Each cell
is the median over timed steps after warm-up steps (the first CUDA steps compile kernels).

    small   64-256-256-10     batch 128    (launch overhead dominates: the GPU gains little)
    large   1024-4096-4096-10 batch 1024   (~21 M parameters: the matrix products dominate)

Runs on any machine: without CuPy or a CUDA device the GPU columns read ``n/a``. The CPU uses
all its cores by default (the honest comparison with a GPU); ``--threads 1`` pins BLAS to one
thread, like the other benchmarks. ``--quick`` times fewer steps.

    python benchmarks/bench_gpu.py [--quick] [--threads N] [--json]
"""
from __future__ import annotations

import os
import sys


def _threads_from_argv(argv) -> str | None:
    """``--threads N`` must take effect before NumPy is imported, so it is read here first."""
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return None


if __name__ == "__main__":
    _n = _threads_from_argv(sys.argv[1:])
    if _n is not None:
        for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[_var] = _n

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # run from a checkout without installing
    sys.path.append(ROOT)

import minigrad as mg  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
from minigrad import nn, optim  # noqa: E402

# name: (layer widths, batch, (warm-up steps, timed steps) for CPU, for GPU; quick variants)
CONFIGS = {
    "small": ((64, 256, 256, 10), 128, {"cpu": (5, 50), "gpu": (10, 100)},
              {"cpu": (2, 10), "gpu": (5, 20)}),
    "large": ((1024, 4096, 4096, 10), 1024, {"cpu": (1, 5), "gpu": (3, 30)},
              {"cpu": (1, 2), "gpu": (2, 10)}),
}


def _sync(device: str) -> None:
    if device != "cpu":
        mg.backend.cupy().cuda.Device().synchronize()


def time_steps(widths, batch, device, warmup, timed, seed=0) -> dict:
    """Median and spread of ms per training step of the MLP ``widths`` on ``device``."""
    mg.manual_seed(seed)
    layers = []
    for k, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b))
        if k < len(widths) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers).to(device=device)
    opt = optim.SGD(model.parameters(), lr=0.01)
    x = mg.randn(batch, widths[0], device=device)
    y = mg.tensor(np.random.default_rng(seed).integers(0, widths[-1], batch), device=device)
    times = []
    for i in range(warmup + timed):
        _sync(device)
        start = time.perf_counter()
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        _sync(device)
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1e3)
    final = loss.item()
    if not np.isfinite(final):
        raise RuntimeError(f"bench_gpu: the loss on {device} is {final}")
    return {"median_ms": statistics.median(times), "min_ms": min(times), "steps": timed,
            "loss": final}


def gpu_name() -> str | None:
    if not mg.cuda.is_available():
        return None
    cp = mg.backend.cupy()
    name = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def run(quick=False, configs=None) -> list[dict]:
    """One row per configuration: CPU and (when there is one) GPU timings."""
    gpu = mg.cuda.is_available()
    rows = []
    for name, (widths, batch, full, fast) in (configs or CONFIGS).items():
        reps = fast if quick else full
        row = {"name": name, "widths": list(widths), "batch": batch,
               "cpu": time_steps(widths, batch, "cpu", *reps["cpu"])}
        row["gpu"] = time_steps(widths, batch, "cuda", *reps["gpu"]) if gpu else None
        rows.append(row)
    return rows


def table(rows) -> str:
    lines = ["| model | batch | CPU ms/step | GPU ms/step | GPU speed-up |",
             "|---|---:|---:|---:|---:|"]
    for r in rows:
        model = "-".join(str(w) for w in r["widths"])
        cpu = r["cpu"]["median_ms"]
        if r["gpu"] is None:
            gpu_cell, ratio = "n/a", "n/a"
        else:
            g = r["gpu"]["median_ms"]
            gpu_cell, ratio = f"{g:.2f}", f"{cpu / g:.1f}x"
        lines.append(f"| {r['name']} {model} | {r['batch']} | {cpu:.2f} | {gpu_cell} | {ratio} |")
    return "\n".join(lines)


def header() -> str:
    threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    cpu = f"{os.cpu_count()} cores, BLAS threads: {threads or 'library default (all)'}"
    return (f"float32, SGD, medians per training step (zero_grad + forward + cross-entropy + "
            f"backward + step + sync)\nCPU: NumPy {np.__version__}, {cpu}\n"
            f"GPU: {gpu_name() or 'none (no CuPy or no CUDA device): GPU columns n/a'}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="time fewer steps")
    p.add_argument("--threads", help="BLAS threads on the CPU (default: the library's, all)")
    p.add_argument("--json", action="store_true", help="also print the rows as JSON")
    args = p.parse_args(argv)
    rows = run(args.quick)
    print(header())
    print()
    print(table(rows))
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
