"""Where minigrad's time goes on W1 (per-op overhead), W2 (MLP step), W2s (small MLP step) and
W4: cProfile of the minigrad step, printed as the functions with the most own time (tottime)
and their share.

    python benchmarks/profile_overhead.py            # W1, W2, W2s and W4
    python benchmarks/profile_overhead.py W1 --top 30

cProfile inflates Python-level call costs (every call is instrumented), so read the shares as
"which functions", not as exact timings; benchmarks/PROFILE.md has the summary and the advice.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402

import _common  # noqa: E402,F401,I001 - sets the thread variables and sys.path
import w1_elementwise  # noqa: E402
import w2_mlp  # noqa: E402
import w2s_small_mlp  # noqa: E402
import w4_multiloss  # noqa: E402

STEPS = {"W1": (w1_elementwise, 200), "W2": (w2_mlp, 300), "W2S": (w2s_small_mlp, 2000),
         "W4": (w4_multiloss, 500)}


def profile(wid: str, top: int, steps: int | None = None) -> list:
    mod, n = STEPS[wid]
    data = mod.make_data() if hasattr(mod, "build_minigrad") else mod.small_data()
    step = (getattr(mod, "build_minigrad", None) or w2_mlp.build_minigrad)(data)[0]
    for _ in range(3):
        step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps or n):
        step()
    prof.disable()
    st = pstats.Stats(prof)
    total = st.total_tt
    rows = []
    for (file, line, fn), (cc, nc, tt, ct, _) in st.stats.items():
        where = f"{os.path.basename(file)}:{line}({fn})" if line else fn
        rows.append((tt, ct, nc, where))
    rows.sort(reverse=True)
    print(f"\n## {wid}: minigrad step x {steps or n}, total {total:.3f} s under cProfile\n")
    print("| own % | cum % | calls/step | function |\n|---:|---:|---:|---|")
    for tt, ct, nc, where in rows[:top]:
        print(f"| {100 * tt / total:.1f} | {100 * ct / total:.1f} | {nc / (steps or n):.0f} | "
              f"`{where}` |")
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workloads", nargs="*", default=list(STEPS))
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--steps", type=int, default=None)
    a = p.parse_args()
    for w in a.workloads:
        profile(w.upper(), a.top, a.steps)


if __name__ == "__main__":
    main()
