"""``python -m minigrad tour --quick``: figures written, the trade-off it claims, determinism.

The tour runs as a user runs it, in a subprocess, twice with the same seed. BLAS gets one
thread there: the tour's matrices are tiny, and on a machine shared by many processes BLAS
threads only wait for each other.
"""
import os
import subprocess
import sys

import pytest

from minigrad.cli import build_parser, main

pytestmark = pytest.mark.slow

pytestmark = [*(pytestmark if isinstance(pytestmark, list) else [pytestmark]), pytest.mark.ex3_2,
              pytest.mark.ex3_5]


def _run_tour(out, seed=0):
    env = dict(os.environ, MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, "-m", "minigrad", "tour", "--quick", "--out", str(out), "--seed",
         str(seed)], capture_output=True, text=True, env=env, timeout=240)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _table(stdout):
    """The table's rows as dicts, and the table text (header to the first blank line)."""
    lines = stdout.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.split()[:1] == ["alpha"])
    end = next(i for i in range(start, len(lines)) if not lines[i].strip())
    rows = []
    for ln in lines[start + 2:end]:
        alpha, acc, ev, g_ce, g_pca, cos = map(float, ln.split())
        rows.append(dict(alpha=alpha, acc=acc, ev=ev, g_ce=g_ce, g_pca=g_pca, cos=cos))
    return rows, "\n".join(lines[start:end])


@pytest.fixture(scope="module")
def tour_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("tour")
    return base, _run_tour(base / "a"), _run_tour(base / "b")


def test_quick_tour_writes_figures(tour_runs):
    base, first, _ = tour_runs
    pngs = sorted((base / "a").glob("*.png"))
    assert len(pngs) >= 3
    for p in pngs:
        assert p.stat().st_size >= 5000, f"{p.name} is only {p.stat().st_size} bytes"
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str((base / "a").resolve()) in first.splitlines()[-2]  # the folder is named at the end


def test_quick_tour_shows_the_trade_off(tour_runs):
    _, first, _ = tour_runs
    rows, _ = _table(first)
    by_alpha = {r["alpha"]: r for r in rows}
    assert len(rows) >= 4 and 1.0 in by_alpha
    assert by_alpha[1.0]["acc"] >= 0.85
    smallest = min(by_alpha)
    assert by_alpha[smallest]["ev"] > by_alpha[1.0]["ev"]
    # weighted gradients at the shared layer: a head with weight 0 sends nothing
    assert by_alpha[1.0]["g_pca"] == 0.0
    if smallest == 0.0:
        assert by_alpha[0.0]["g_ce"] == 0.0
    for r in rows:
        assert 0.0 <= r["ev"] <= 1.0 and -1.0 <= r["cos"] <= 1.0


def test_same_seed_prints_the_same_table(tour_runs):
    _, first, second = tour_runs
    assert _table(first)[1] == _table(second)[1]


def test_help_explains_every_option(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["tour", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for opt in ("--quick", "--out", "--seed", "--device"):
        assert opt in text
    assert "alpha" in text and "Pareto" in text
    args = build_parser().parse_args(["tour"])
    assert (args.quick, args.out, args.seed, args.device) == (False, "minigrad-tour", 0, "cpu")


def test_bad_device_is_explained(capsys):
    assert main(["tour", "--device", "tpu"]) == 2
    assert "unknown device 'tpu'" in capsys.readouterr().err
