"""Running a grid of independent trainings (alphas x folds x seeds) serially, on local
processes, or on a Dask cluster - with the same results.

:func:`run_grid` is the engine under :func:`~minigrad.multitask.alpha_sweep` and
:func:`~minigrad.multitask.cv_alpha`: every grid point calls ``minigrad.manual_seed`` with
its own seed right before it runs, so its result depends only on its arguments, not on which
worker ran it or in what order - the parallel results are bit-identical to the serial ones.

* ``n_jobs=None`` (default) or 1: a plain loop in this process (joblib is not imported).
* ``n_jobs=k`` (``-1``: one per core): joblib's default ``loky`` backend, ``k`` worker
  *processes* (grad mode and minigrad's random generator are per process, so runs cannot
  interfere). ``backend="threading"`` is accepted but runs share this process's generator
  and (until the engine makes it thread-local) its grad mode.
* ``client=dask.distributed.Client(...)``: the grid runs on that Dask cluster through joblib's
  ``dask`` backend; equivalently, wrap the call in
  ``with joblib.parallel_config(backend="dask"):`` (or ``joblib.parallel_backend("dask")``)
  and pass ``n_jobs=-1``.

The functions handed to a parallel sweep are pickled to the workers (cloudpickle: closures and
lambdas work); anything they change in the parent (a list they append to) is not seen there.
Install the extras with ``pip install "minigrad-edu[parallel]"`` (joblib) or
``"minigrad-edu[dask]"`` (dask, distributed).
"""
from __future__ import annotations

import sys

from ..creation import manual_seed


class _Counter:
    """The fallback progress display when tqdm is not installed: ``desc: 3/11 alpha=0.3``."""

    def __init__(self, total, desc):
        self.total, self.desc, self.n, self.post = total, desc, 0, ""

    def update(self, k=1):
        self.n += k
        sys.stderr.write(f"\r{self.desc}: {self.n}/{self.total} {self.post}")
        sys.stderr.flush()

    def set_postfix_str(self, s, refresh=True):
        self.post = s

    def close(self):
        sys.stderr.write("\n")
        sys.stderr.flush()


class _Silent:
    def update(self, k=1):
        pass

    def set_postfix_str(self, s, refresh=True):
        pass

    def close(self):
        pass


def progress_bar(total: int, desc: str, progress: bool = True):
    """tqdm when it is installed (imported here, lazily), else a plain counter; nothing at all
    when ``progress=False`` or when stderr is not a terminal (logs, CI, pytest)."""
    isatty = getattr(sys.stderr, "isatty", None)
    if not progress or not (isatty and isatty()):
        return _Silent()
    try:
        from tqdm import tqdm  # noqa: PLC0415 - optional, so imported only when needed
    except ImportError:
        return _Counter(total, desc)
    return tqdm(total=total, desc=desc, file=sys.stderr)


def _seeded_call(fn, args, seed):
    """One grid point: seed minigrad's generator, then ``fn(*args)`` (module level, so it
    pickles to worker processes)."""
    manual_seed(seed)
    return fn(*args)


def _joblib(fn_name, what):
    try:
        import joblib  # noqa: PLC0415 - optional extra
    except ImportError:
        raise ImportError(f"{fn_name}: {what} needs joblib; install it with pip install "
                          "\"minigrad-edu[parallel]\" (or pip install joblib)") from None
    return joblib


def run_grid(fn, points, seeds, n_jobs: int | None = None, client=None,
             backend: str | None = None, progress: bool = True, desc: str = "run_grid",
             labels=None) -> list:
    """``[fn(*p) for p in points]``, each run right after ``minigrad.manual_seed(seed)`` with
    its own seed (``seeds``: one int for every point, or one per point), in order.

    ``n_jobs``, ``client`` and ``backend`` choose where the points run (see the module
    docstring); the results are the same wherever they run. ``labels`` (one string per point)
    show in the progress bar.
    """
    points = [tuple(p) for p in points]
    seeds = [int(seeds)] * len(points) if isinstance(seeds, int) else [int(s) for s in seeds]
    if len(seeds) != len(points):
        raise ValueError(f"{desc}: got {len(seeds)} seeds for {len(points)} grid points")
    labels = list(labels) if labels is not None else [""] * len(points)
    bar = progress_bar(len(points), desc, progress)
    out = []
    try:
        if client is None and backend is None and n_jobs in (None, 1):
            results = (_seeded_call(fn, p, s) for p, s in zip(points, seeds))
            ctx = None
        else:
            joblib = _joblib(desc, "n_jobs/client/backend")
            if client is not None:
                ctx = joblib.parallel_config(backend="dask", client=client)
                n_jobs = -1 if n_jobs is None else n_jobs
            else:
                ctx = joblib.parallel_config(backend=backend) if backend else None
            if ctx is not None:
                ctx.__enter__()
            results = joblib.Parallel(n_jobs=n_jobs, return_as="generator")(
                joblib.delayed(_seeded_call)(fn, p, s) for p, s in zip(points, seeds))
        try:
            for res, label in zip(results, labels):
                out.append(res)
                bar.set_postfix_str(label)
                bar.update(1)
        finally:
            if ctx is not None:
                ctx.__exit__(None, None, None)
    finally:
        bar.close()
    return out
