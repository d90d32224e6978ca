"""The benchmark scripts keep working: each runs in its tiny ``--quick`` mode and its output has
the expected structure. Nothing here looks at timings (those belong to benchmarks/ alone), but
every implementation's gradients/updated weights must agree with the hand-written floor's."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
TIMED = ("W1", "W2", "W2s", "W3", "W4")


def _run(script, *args, timeout=120):
    res = subprocess.run([sys.executable, os.path.join(BENCH, script), *args],
                         capture_output=True, text=True, timeout=timeout, cwd=BENCH)
    assert res.returncode == 0, f"{script} {args} failed:\n{res.stderr[-3000:]}"
    return res.stdout


def _is_pos(x):
    return isinstance(x, float) and math.isfinite(x) and x > 0


@pytest.fixture(scope="module")
def all_quick():
    # HIPS autograd (a dev dependency) is the peer exercised here; PyTorch is optional and slow
    # to import, and takes the same code path
    out = _run("run_all.py", "--quick", "--json", "--peers", "autograd")
    return json.loads(out.strip().splitlines()[-1])


def test_run_all_reports_every_workload(all_quick):
    ids = [r["id"] for r in all_quick["results"]]
    assert ids[:6] == ["W1", "W2", "W2s", "W3", "W4", "W5"]
    assert ids[6:] in ([], ["digits"], ["digits", "CNN"])  # the digits run needs minigrad.nn
    m = all_quick["machine"]
    assert m["threads"] == 1 and m["numpy"] and m["cpu"]


def test_timed_results_have_times_ratio_and_goal(all_quick):
    for r in all_quick["results"]:
        if r["id"] not in TIMED:
            continue
        assert _is_pos(r["minigrad"]) and _is_pos(r["floor"]), r
        assert r["ratio"] == pytest.approx(r["minigrad"] / r["floor"])
        assert _is_pos(r["goal"])
        for name, ratio in r["peers"].items():
            assert name == "autograd" and _is_pos(ratio)


def test_every_implementation_agrees_with_the_floor(all_quick):
    for r in all_quick["results"]:
        assert r["check"] == "ok", (r["id"], r["check"])


def test_digits_row_trains_both_sides_alike(all_quick):
    rows = [r for r in all_quick["results"] if r["id"] == "digits"]
    for r in rows:  # absent until minigrad.nn exists
        assert r["goal"] is None and _is_pos(r["minigrad"]) and _is_pos(r["floor"])
        assert r["check"] == "ok" and "accuracy" in r["note"]


def test_memory_result_structure(all_quick):
    (w5,) = [r for r in all_quick["results"] if r["id"] == "W5"]
    for side in ("minigrad", "floor"):
        rep = w5[side]
        assert rep["name"] == side and rep["steps"] > rep["mark"] > 0
        assert rep["peak_end_mb"] >= rep["peak_mark_mb"] > 0
    assert w5["gap_mb"] == pytest.approx(w5["minigrad"]["peak_end_mb"] -
                                         w5["floor"]["peak_end_mb"])
    assert isinstance(w5["met"], bool)


def test_markdown_table_has_a_row_per_workload():
    out = _run("run_all.py", "--quick", "--no-peers", "--only", "W1,W5")
    lines = out.splitlines()
    assert lines[0].startswith("Measured on ") and "NumPy" in lines[0]
    rows = [ln for ln in lines if ln.startswith("| W")]
    assert [r.split(":")[0] for r in rows] == ["| W1", "| W5"]
    header = next(ln for ln in lines if ln.startswith("| workload"))
    assert all(r.count("|") == header.count("|") for r in rows)


@pytest.mark.parametrize("script", ["w1_elementwise.py", "w2_mlp.py", "w3_matmul.py",
                                    "w4_multiloss.py"])
def test_each_script_runs_alone(script):
    data = json.loads(_run(script, "--quick", "--no-peers", "--json").strip().splitlines()[-1])
    (r,) = data["results"]
    assert r["peers"] == {} and r["check"] == "ok" and _is_pos(r["ratio"])


def test_unknown_workload_is_refused():
    res = subprocess.run([sys.executable, os.path.join(BENCH, "run_all.py"), "--only", "W9"],
                         capture_output=True, text=True, timeout=60, cwd=BENCH)
    assert res.returncode != 0 and "W9" in res.stderr


def test_the_bare_engine_reference_agrees_with_the_w1_floor():
    out = json.loads(_run("w1_bare_engine.py", "--quick", "--json").strip().splitlines()[-1])
    (res,) = out["results"]
    assert res["id"] == "W1-bare" and res["check"] == "ok" and _is_pos(res["ratio"])
