"""Run every workload (W1-W5, digits, CNN) in one process; print the markdown table for the README.

    python benchmarks/run_all.py            # the full run (a few minutes; one BLAS thread)
    python benchmarks/run_all.py --quick    # seconds: checks the scripts still work
    python benchmarks/run_all.py --only W1,W3 --json

Ratios are minigrad's (or a peer's) median time over the hand-written NumPy floor's median time,
measured in interleaved rounds in the same process. Peers (HIPS autograd, PyTorch) are timed only
if importable; a missing peer shows as n/a.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import _common  # noqa: E402,I001
import cnn_digits  # noqa: E402
import digits_train  # noqa: E402,I001
import w1_elementwise  # noqa: E402
import w2_mlp  # noqa: E402
import w2s_small_mlp  # noqa: E402
import w3_matmul  # noqa: E402
import w4_multiloss  # noqa: E402
import w5_memory  # noqa: E402

WORKLOADS = {"W1": w1_elementwise, "W2": w2_mlp, "W2S": w2s_small_mlp, "W3": w3_matmul,
             "W4": w4_multiloss, "W5": w5_memory, "DIGITS": digits_train, "CNN": cnn_digits}


def machine_line(m: dict) -> str:
    peers = ", ".join(f"{k} {m[k]}" for k in ("autograd", "torch", "dezero") if k in m) or "none"
    return (f"Measured on {m['cpu']} ({m['cores']} cores visible, 1 thread used), Python "
            f"{m['python']}, NumPy {m['numpy']} ({m['blas']}); peers: {peers}.")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny run to check the scripts work")
    p.add_argument("--json", action="store_true", help="print all results as JSON")
    _common.add_peer_args(p)
    p.add_argument("--json-out", default="", help="also write the JSON results to this file")
    p.add_argument("--only", default="", help="comma-separated workload ids, e.g. W1,W3")
    args = p.parse_args()
    wanted = [w.strip().upper() for w in args.only.split(",") if w.strip()] or list(WORKLOADS)
    unknown = [w for w in wanted if w not in WORKLOADS]
    if unknown:
        p.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    t0 = time.perf_counter()
    peers = _common.peer_choice(args)
    results = [WORKLOADS[w].run(args.quick, peers) for w in wanted]
    results = [r for r in results if r is not None]  # digits needs minigrad.nn
    machine = _common.machine_info()
    payload = {"machine": machine, "results": results, "wall_s": time.perf_counter() - t0}
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(payload, f, default=float, indent=1)
    if args.json:
        print(json.dumps(payload, default=float))
        return
    print(machine_line(machine))
    print()
    _common.emit(results, as_json=False)
    print(f"\n(total {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
