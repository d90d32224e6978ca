"""Shared helpers for the benchmark scripts: one BLAS thread, interleaved timing, peers, tables.

Every script sets the thread variables itself before importing NumPy (so it can run alone); this
module does it too, in case it is the first import. Timing is *interleaved*: each round times
every implementation once, in a rotating order, so that a slow patch of the machine (other jobs on
a shared box) hits all of them alike; the reported figure is the median over rounds.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # run from a checkout without installing (PYTHONPATH still wins)
    sys.path.append(ROOT)


# ----------------------------------------------------------------------------- peers
def load_torch():
    """PyTorch (one thread) if importable, else None. Never required."""
    try:
        import torch
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        return None
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set in this process
        pass
    return torch


def load_autograd():
    """HIPS autograd (``autograd``, ``autograd.numpy``) if importable, else None."""
    try:
        import autograd
        import autograd.numpy as anp
    except Exception:  # noqa: BLE001
        return None
    return autograd, anp


def load_dezero():
    """DeZero (``dezero`` on the package index, the book's library) if importable, else None.
    Its 0.0.13 release still spells ``np.int``, which NumPy 2 removed: the alias is put back in
    this benchmark process only (it is the builtin ``int``, as NumPy's deprecation note says)."""
    if not hasattr(np, "int"):
        np.int = int  # type: ignore[attr-defined]
    try:
        import dezero
        import dezero.functions
        import dezero.layers
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        return None
    return dezero


def wants(peers, name: str) -> bool:
    """``peers`` is True (all), False (none) or a collection of peer names."""
    return peers is True or (bool(peers) and name in peers)


def peer_choice(args):
    """The ``peers`` argument of the ``run`` functions from ``--no-peers``/``--peers``."""
    if args.no_peers:
        return False
    return {p.strip() for p in args.peers.split(",") if p.strip()}


def peer_versions() -> dict:
    """Versions of the peers this process actually loaded (none is imported just to ask)."""
    out = {}
    if "torch" in sys.modules:
        out["torch"] = sys.modules["torch"].__version__
    if "autograd" in sys.modules:
        from importlib.metadata import PackageNotFoundError, version

        try:
            out["autograd"] = version("autograd")
        except PackageNotFoundError:  # importable without metadata (a copied source tree)
            out["autograd"] = getattr(sys.modules["autograd"], "__version__", "unknown")
    if "dezero" in sys.modules:
        from importlib.metadata import PackageNotFoundError, version

        try:
            out["dezero"] = version("dezero")
        except PackageNotFoundError:
            out["dezero"] = "unknown"
    return out


# ----------------------------------------------------------------------------- timing
def measure(fns: dict, *, rounds: int, target_s: float, warmup: int = 3,
            collect: bool = True) -> dict:
    """Median seconds per call of each callable in ``fns``.

    Each callable is warmed up, then timed in ``rounds`` interleaved rounds; in a round each one
    runs ``inner`` times back to back (``inner`` chosen so a block lasts about ``target_s``).
    Returns ``{name: {"median": s, "min": s, "times": [...], "inner": n}}``.
    """
    names = list(fns)
    inner = {}
    for n in names:
        f = fns[n]
        for _ in range(warmup):
            f()
        t0 = time.perf_counter()
        f()
        dt = max(time.perf_counter() - t0, 1e-7)
        inner[n] = max(1, int(target_s / dt))
    times = {n: [] for n in names}
    for r in range(rounds):
        k = r % len(names)
        for n in names[k:] + names[:k]:
            f, m = fns[n], inner[n]
            if collect:
                gc.collect()
            t0 = time.perf_counter()
            for _ in range(m):
                f()
            times[n].append((time.perf_counter() - t0) / m)
    return {n: {"median": statistics.median(v), "min": min(v), "times": v, "inner": inner[n]}
            for n, v in times.items()}


def check_close(name: str, got: list, want: list, rtol: float, atol: float) -> str:
    """'ok', or a short description of the first mismatch (an implementation bug somewhere)."""
    if len(got) != len(want):
        return f"{name}: {len(got)} arrays vs {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        if g.shape != w.shape:
            return f"{name}: array {i} has shape {g.shape}, floor {w.shape}"
        if not np.allclose(g, w, rtol=rtol, atol=atol):
            err = float(np.max(np.abs(g - w)))
            return f"{name}: array {i} differs from the floor (max abs diff {err:.3g})"
    return "ok"


# ----------------------------------------------------------------------------- reporting
def machine_info() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        blas = np.__config__.CONFIG["Build Dependencies"]["blas"]
        blas = f"{blas['name']} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001
        blas = "unknown"
    mg = sys.modules.get("minigrad")
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "blas": blas, "threads": 1,
            "minigrad_path": getattr(mg, "__file__", None), **peer_versions()}


def fmt_time(seconds: float, unit: str) -> str:
    scale = {"s": 1.0, "ms": 1e3, "us": 1e6}[unit]
    v = seconds * scale
    num = f"{v:.0f}" if v >= 100 else f"{v:.3g}"
    return f"{num} {'µs' if unit == 'us' else unit}"


def ratio_cell(r) -> str:
    if r is None:
        return "n/a"
    return f"{r:.3f}x" if r < 1.5 else f"{r:.2f}x"


TABLE_HEAD = ("| workload | minigrad | floor (NumPy by hand) | ratio | goal | met | "
              "HIPS autograd | PyTorch | DeZero |\n|---|---|---|---|---|---|---|---|---|")


def table_row(res: dict) -> str:
    """One markdown row from a workload result (see ``result``)."""
    if res.get("kind") == "memory":
        return (f"| {res['id']}: {res['title']} | {res['minigrad_cell']} | {res['floor_cell']} | "
                f"{res['ratio_cell']} | {res['goal_cell']} | {'yes' if res['met'] else 'NO'} | "
                "n/a | n/a | n/a |")
    peers = res.get("peers", {})
    if res["goal"] is None:  # an informative row
        goal, met = "—", "—"
    else:
        goal = f"≤ {res['goal']:.2f}x" + (f" (stretch {res['stretch']:.1f}x)"
                                           if res.get("stretch") else "")
        met = "yes" if res["ratio"] <= res["goal"] else "NO"
    if res.get("check", "ok") != "ok":
        met += " (check failed)"
    return (f"| {res['id']}: {res['title']} | {fmt_time(res['minigrad'], res['unit'])} | "
            f"{fmt_time(res['floor'], res['unit'])} | {ratio_cell(res['ratio'])} | {goal} | "
            f"{met} | "
            f"{ratio_cell(peers.get('autograd'))} | {ratio_cell(peers.get('torch'))} | "
            f"{ratio_cell(peers.get('dezero'))} |")


def result(wid, title, unit, per, timings, goal, stretch=None, check="ok", note="") -> dict:
    """Bundle timings (seconds per call) into the result dict; ``per`` divides (e.g. 300 ops)."""
    floor = timings["floor"]["median"] / per
    mg = timings["minigrad"]["median"] / per
    peers = {k: timings[k]["median"] / per / floor for k in ("autograd", "torch", "dezero")
             if k in timings}
    return {"id": wid, "title": title, "kind": "time", "unit": unit, "minigrad": mg,
            "floor": floor, "ratio": mg / floor, "goal": goal, "stretch": stretch,
            "peers": peers, "peer_times": {k: timings[k]["median"] / per for k in peers},
            "min_ratio": timings["minigrad"]["min"] / timings["floor"]["min"],
            "check": check, "note": note}


def parse_args(description: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="tiny run to check the script works")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    add_peer_args(p)
    return p.parse_args()


def add_peer_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-peers", action="store_true",
                   help="skip the peers (HIPS autograd, PyTorch, DeZero)")
    p.add_argument("--peers", default="autograd,torch,dezero",
                   help="comma-separated peers to time if importable (default: all three)")


def settings(quick: bool) -> dict:
    """Rounds and block length: the full run is what counts; --quick only checks it works."""
    return {"rounds": 2, "target_s": 0.002, "warmup": 1, "collect": False} if quick else \
        {"rounds": 21, "target_s": 0.08, "warmup": 3, "collect": True}


def emit(results: list, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"machine": machine_info(), "results": results}, default=float))
        return
    print(TABLE_HEAD)
    for r in results:
        print(table_row(r))
    for r in results:
        if r.get("check", "ok") != "ok":
            print(f"\nCHECK FAILED for {r['id']}: {r['check']}")
        if r.get("note"):
            print(f"\n{r['id']}: {r['note']}")


def peer_builders(peers, build_autograd, build_torch, build_dezero=None) -> dict:
    """The peers' step builders, for those requested and installed: each takes the workload's
    data (and any further arguments) and gets the imported library added after the data."""
    out = {}
    if wants(peers, "autograd"):
        ag = load_autograd()
        if ag is not None:
            out["autograd"] = lambda d, *args, **kw: build_autograd(d, ag, *args, **kw)
    if wants(peers, "torch"):
        torch = load_torch()
        if torch is not None:
            out["torch"] = lambda d, *args, **kw: build_torch(d, torch, *args, **kw)
    if build_dezero is not None and wants(peers, "dezero"):
        dz = load_dezero()
        if dz is not None:
            out["dezero"] = lambda d, *args, **kw: build_dezero(d, dz, *args, **kw)
    return out
