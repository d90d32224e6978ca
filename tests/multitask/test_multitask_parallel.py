"""Sweeps on joblib processes, joblib threads and an in-process Dask LocalCluster give results
bit-identical to the serial loop (every grid point seeds itself)."""
import io
import sys

import numpy as np
import pytest

import minigrad as mg
import minigrad.multitask as mt

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_3]

N = 60


def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, 4))
    return X, X @ [1.0, -2.0, 0.0, 0.5] + 0.3 * rng.standard_normal(N)


def fit(alpha, tr):
    """A few GD steps of alpha * MSE + (1 - alpha) * |w|^2 from a random start (so the seed
    matters), on minigrad tensors (so grad mode matters)."""
    X, y = _data()
    Xt, yt = mg.tensor(X[tr], dtype=mg.float64), mg.tensor(y[tr], dtype=mg.float64)
    w = mg.randn(4, dtype=mg.float64, requires_grad=True)
    for _ in range(30):
        loss = alpha * ((Xt @ w - yt) ** 2).mean() + (1 - alpha) * (w * w).sum()
        (g,) = mg.grad(loss, w)
        with mg.no_grad():
            w -= 0.1 * g
    return w.detach().numpy()


def score(w, va):
    X, y = _data()
    return float(np.mean((X[va] @ w - y[va]) ** 2))


ALPHAS = [0.1, 0.5, 0.9, 1.0]


def _serial():
    return mt.cv_alpha(fit, score, ALPHAS, n=N, k=3, seed=2, maximize=False, progress=False)


def test_cv_alpha_on_joblib_processes_is_bit_identical_to_serial():
    pytest.importorskip("joblib")
    ref = _serial()
    par = mt.cv_alpha(fit, score, ALPHAS, n=N, k=3, seed=2, maximize=False, progress=False,
                      n_jobs=2)
    assert par.fold_scores == ref.fold_scores and par.best_alpha == ref.best_alpha
    assert len({s for row in ref.fold_scores for s in row}) == len(ALPHAS) * 3


def _train(alpha):
    t = mg.randn(1, dtype=mg.float64)
    return {"loss1": float((t.item() - alpha) ** 2), "loss2": alpha, "metric": t.item()}


def test_alpha_sweep_and_sweep_on_processes_match_serial():
    pytest.importorskip("joblib")
    ref = mt.alpha_sweep(_train, ALPHAS, seed=5, progress=False)
    par = mt.alpha_sweep(_train, ALPHAS, seed=5, progress=False, n_jobs=2)
    assert [p.loss1 for p in par] == [p.loss1 for p in ref] and par.metric == ref.metric
    draws = mt.run_grid(lambda: mg.randn(3).tolist(), [()] * 3, [7, 8, 7], n_jobs=2,
                     progress=False)
    assert draws[0] == draws[2] != draws[1]


def test_cv_alpha_on_joblib_threads_matches_serial():
    """Threads share the process: this needs grad mode and the generator to be thread-local."""
    pytest.importorskip("joblib")
    ref = _serial()
    for _ in range(3):
        par = mt.cv_alpha(fit, score, ALPHAS, n=N, k=3, seed=2, maximize=False,
                          progress=False, n_jobs=4, backend="threading")
        assert par.fold_scores == ref.fold_scores


@pytest.fixture(scope="module")
def dask_client():
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_cv_alpha_on_a_dask_local_cluster_matches_serial(dask_client):
    ref = _serial()
    par = mt.cv_alpha(fit, score, ALPHAS, n=N, k=3, seed=2, maximize=False, progress=False,
                      client=dask_client)
    assert par.fold_scores == ref.fold_scores
    import joblib
    with joblib.parallel_config(backend="dask"):
        ctx = mt.cv_alpha(fit, score, ALPHAS, n=N, k=3, seed=2, maximize=False,
                          progress=False, n_jobs=-1)
    assert ctx.fold_scores == ref.fold_scores


class _TTY(io.StringIO):
    def isatty(self):
        return True


def test_parallel_progress_and_missing_joblib(monkeypatch):
    pytest.importorskip("joblib")
    err = _TTY()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setitem(sys.modules, "tqdm", None)
    mt.alpha_sweep(_train, [0.2, 0.4], n_jobs=2)
    assert "alpha_sweep: 2/2" in err.getvalue() and "alpha=0.4" in err.getvalue()
    monkeypatch.setitem(sys.modules, "joblib", None)
    with pytest.raises(ImportError, match=r"minigrad-edu\[parallel\]"):
        mt.alpha_sweep(_train, [0.2], n_jobs=2, progress=False)
    assert len(mt.alpha_sweep(_train, [0.2], progress=False)) == 1  # serial needs no joblib
    with pytest.raises(ValueError, match="2 seeds for 3 grid points"):
        mt.run_grid(_train, [(0.1,), (0.2,), (0.3,)], [1, 2], progress=False)
