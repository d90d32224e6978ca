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
    env = dict(os.environ, MPLBACKEND="Agg")  # the tour limits BLAS to one thread itself
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
    for opt in ("--quick", "--out", "--seed", "--device", "--threads"):
        assert opt in text
    assert "alpha" in text and "Pareto" in text
    args = build_parser().parse_args(["tour"])
    assert (args.quick, args.out, args.seed, args.device, args.threads) == (
        False, "minigrad-tour", 0, "cpu", 1)


def test_bad_device_is_explained(capsys):
    assert main(["tour", "--device", "tpu"]) == 2
    assert "unknown device 'tpu'" in capsys.readouterr().err


def test_unwritable_output_folder_fails_before_training(tmp_path, capsys, monkeypatch):
    import minigrad.cli.tour as tour

    monkeypatch.setattr(tour, "run_tour", lambda **kw: pytest.fail("trained anyway"))
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["tour", "--quick", "--out", str(blocker / "figs")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--out" in err and "cannot create" in err


def test_missing_matplotlib_fails_before_training(tmp_path, capsys, monkeypatch):
    import minigrad.cli.tour as tour

    monkeypatch.setattr(tour, "run_tour", lambda **kw: pytest.fail("trained anyway"))
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises
    assert main(["tour", "--quick", "--out", str(tmp_path / "figs")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "matplotlib" in err and "pip install" in err


def test_negative_threads_is_explained(tmp_path, capsys):
    assert main(["tour", "--threads", "-1", "--out", str(tmp_path)]) == 2
    assert "--threads -1" in capsys.readouterr().err


def test_blas_threads_limits_and_restores():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from minigrad.cli import blas_threads

    def blas_counts():
        return [p["num_threads"] for p in threadpoolctl.threadpool_info()
                if p["user_api"] == "blas"]

    before = blas_counts()
    if not before:
        pytest.skip("no BLAS thread pool visible to threadpoolctl")
    with blas_threads(1):
        assert blas_counts() == [1] * len(before)
    assert blas_counts() == before
    with blas_threads(0):  # 0: leave BLAS alone
        assert blas_counts() == before


def test_gradient_flow_bars_are_the_table_numbers():
    """The figure's bars on the shared layer are the table's weighted norms, plus their sum."""
    import numpy as np

    import minigrad as mg
    from minigrad.cli.experiment import DigitsTask, train
    from minigrad.cli.figures import weighted_grad_norms

    task = DigitsTask.load(0, 8)
    mg.manual_seed(0)
    run = train(0.5, task, 8, steps=20)
    names, bars = weighted_grad_norms(run, task)
    ce, pca, total = bars.values()
    i = names.index("reduce.weight")
    assert np.isclose(ce[i], run.grad_ce, rtol=1e-5) and np.isclose(pca[i], run.grad_pca,
                                                                       rtol=1e-5)
    assert total[i] <= ce[i] + pca[i] + 1e-9          # the sum of two vectors, not of norms
    j = names.index("head.weight")                    # only CE reaches the head
    assert pca[j] == 0.0 and np.isclose(total[j], ce[j])


def test_spread_table_reports_mean_std_and_range():
    from types import SimpleNamespace as R

    from minigrad.cli.tour import format_spread

    by_seed = {s: {0.5: R(accuracy=acc, explained=0.6)} for s, acc in enumerate((0.9, 1.0))}
    text = format_spread(by_seed, [0.5])
    assert "over 2 seeds (0, 1)" in text
    row = text.splitlines()[-1]
    assert "0.950 ± 0.071 (0.900-1.000)" in row and "0.600 ± 0.000" in row


def test_bad_seeds_is_explained(tmp_path, capsys):
    assert main(["tour", "--seeds", "0", "--out", str(tmp_path)]) == 2
    assert "--seeds 0" in capsys.readouterr().err
