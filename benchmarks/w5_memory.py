"""W5: memory over 2,000 W2 training steps. Goal: peak RSS flat (no growth from step 200 to step
2,000 beyond noise) and within 25 MB of the hand-written NumPy floor's peak.

Each implementation runs in its own fresh Python process (``--worker NAME``), so one's heap
cannot hide the other's; a worker reports its peak resident set size (``ru_maxrss``) after step
200 and after the last step. A graph that is not freed after ``backward`` (a reference cycle, a
node holding its output, saved arrays kept) shows up as peak RSS growing with the step count.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import _common  # noqa: E402,I001

STEPS, MARK = 2000, 200
GROWTH_TOL_MB = 1.0  # "flat": allocator noise only
GAP_GOAL_MB = 25.0


def _status_mb(field: str) -> float | None:
    """A ``/proc/self/status`` memory field in MB (Linux), or None where there is none."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return None


def _peak_mb() -> float:
    """Peak RSS of this process. VmHWM, not ``ru_maxrss``: on Linux ``ru_maxrss`` survives
    ``exec`` and so would report the (large) parent's RSS at the moment it forked us."""
    v = _status_mb("VmHWM")
    return v if v is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _current_mb() -> float:
    v = _status_mb("VmRSS")
    return v if v is not None else float("nan")


def worker(name: str, steps: int, mark: int) -> dict:
    import w2_mlp

    d = w2_mlp.make_data()
    step = {"floor": w2_mlp.build_floor, "minigrad": w2_mlp.build_minigrad}[name](d)[0]
    out = {"name": name, "start_mb": _peak_mb()}
    for i in range(1, steps + 1):
        step()
        if i == mark:
            out["peak_mark_mb"], out["rss_mark_mb"] = _peak_mb(), _current_mb()
    out["peak_end_mb"], out["rss_end_mb"] = _peak_mb(), _current_mb()
    out["steps"], out["mark"] = steps, mark
    return out


def _spawn(name: str, steps: int, mark: int) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", name, "--steps", str(steps),
           "--mark", str(mark)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"W5 worker {name} failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def run(quick=False, peers=True) -> dict:
    steps, mark = (60, 20) if quick else (STEPS, MARK)
    mg, fl = _spawn("minigrad", steps, mark), _spawn("floor", steps, mark)
    growth = mg["peak_end_mb"] - mg["peak_mark_mb"]
    floor_growth = fl["peak_end_mb"] - fl["peak_mark_mb"]
    gap = mg["peak_end_mb"] - fl["peak_end_mb"]
    met = growth <= GROWTH_TOL_MB and gap <= GAP_GOAL_MB
    return {
        "id": "W5", "title": f"{steps} W2 steps: peak RSS", "kind": "memory",
        "minigrad": mg, "floor": fl, "growth_mb": growth, "floor_growth_mb": floor_growth,
        "gap_mb": gap, "met": met, "check": "ok",
        "minigrad_cell": f"{mg['peak_end_mb']:.1f} MB (+{growth:.2f} MB from step {mark})",
        "floor_cell": f"{fl['peak_end_mb']:.1f} MB (+{floor_growth:.2f} MB from step {mark})",
        "ratio_cell": f"{gap:+.1f} MB",
        "goal_cell": f"flat, ≤ {GAP_GOAL_MB:.0f} MB over floor",
        "note": "",
    }


if __name__ == "__main__":
    if "--worker" in sys.argv:
        import argparse

        p = argparse.ArgumentParser()
        p.add_argument("--worker", required=True)
        p.add_argument("--steps", type=int, default=STEPS)
        p.add_argument("--mark", type=int, default=MARK)
        a = p.parse_args()
        print(json.dumps(worker(a.worker, a.steps, a.mark)))
    else:
        args = _common.parse_args(__doc__.splitlines()[0])
        _common.emit([run(args.quick)], args.json)
