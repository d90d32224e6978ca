"""The command line: ``python -m minigrad tour`` (also installed as the ``minigrad`` command).

The tour is the flagship experiment: one shared reduction layer trained by a cross-entropy head
and a PCA loss, swept over the loss weight alpha (see :mod:`minigrad.cli.tour`).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

TOUR_HELP = """\
Train the two-head digits network (a shared 64 -> 8 reduction layer with a PCA loss, and a
cross-entropy classifier head) for several loss weights alpha in
total = alpha * CE + (1 - alpha) * PCA, print a table (test accuracy, explained variance,
per-head gradient norms on the shared layer) and write figures (Pareto front, gradient flow
per head, the computation graph in head colours, training curves) to an output folder.
Runs on the CPU in well under a minute (--quick: a few seconds). Its matrices are small, so
BLAS runs on one thread by default (--threads; on a busy machine more threads only wait for
each other)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m minigrad",
        description="minigrad: reverse-mode autodiff you can read. Commands:")
    sub = parser.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    tour = sub.add_parser("tour", help="the flagship experiment: two losses on one shared layer",
                          description=TOUR_HELP)
    tour.add_argument("--quick", action="store_true",
                      help="fewer alphas (6 instead of 10) and training steps (300 instead of "
                           "600 per alpha): a few seconds")
    tour.add_argument("--out", default="minigrad-tour", metavar="DIR",
                      help="folder for the figures, created if missing (default: %(default)s)")
    tour.add_argument("--seed", type=int, default=0,
                      help="seed of the train/test split, the initial weights and everything "
                           "else random; the same seed prints the same table (default: "
                           "%(default)s)")
    tour.add_argument("--seeds", type=int, default=1, metavar="N",
                      help="repeat the sweep for N seeds (--seed, --seed + 1, ...) and print "
                           "each alpha's test accuracy and explained variance as mean ± std "
                           "(min-max): N times as long (default: %(default)s)")
    tour.add_argument("--threads", type=int, default=1, metavar="N",
                      help="BLAS threads while training, through threadpoolctl (default: "
                           "%(default)s, fastest for these small matrices; 0 leaves BLAS as it "
                           "is)")
    tour.add_argument("--device", default="cpu",
                      help="where to train: cpu, cuda or cuda:N (cuda needs the 'gpu' extra, "
                           "i.e. CuPy; default: %(default)s)")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.cmd == "tour":
        import minigrad as mg

        from .tour import run_tour

        try:
            device = mg.backend.normalize_device(args.device)
            if device.startswith("cuda") and not mg.cuda.is_available():
                raise RuntimeError(
                    f"--device {args.device}: no usable CUDA GPU (CuPy is missing or sees no "
                    "device); install the 'gpu' extra on a machine with a GPU, or use --device "
                    "cpu")
            preflight(args.out, args.threads, args.seeds)
        except (ValueError, RuntimeError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        with blas_threads(args.threads):
            run_tour(quick=args.quick, out=args.out, seed=args.seed, device=device,
                     seeds=args.seeds)
        return 0
    return 1


def preflight(out: str, threads: int, seeds: int = 1) -> None:
    """Everything the tour needs after training, checked before it: matplotlib (for the
    figures), a writable output folder, and a valid thread count. Raises RuntimeError or
    ValueError with a one-line message."""
    if seeds < 1:
        raise ValueError(f"--seeds {seeds}: give at least 1")
    if threads < 0:
        raise ValueError(f"--threads {threads}: give a number of BLAS threads >= 1, or 0 to "
                         "leave BLAS as it is")
    try:
        import matplotlib  # noqa: F401
        from matplotlib.backends import backend_agg  # noqa: F401
    except ImportError as exc:
        raise RuntimeError(f"the tour draws its figures with matplotlib, which cannot be "
                           f"imported ({exc}); install it with pip install matplotlib (or the "
                           "'lessons' extra)") from exc
    try:
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise RuntimeError(f"--out {out}: cannot create or write to the output folder "
                           f"({exc.strerror or exc}); choose another with --out DIR") from exc


class blas_threads:
    """Limit BLAS to ``n`` threads inside the block (threadpoolctl); ``n = 0``: no change.
    Without threadpoolctl, a note on stderr and no change."""

    def __init__(self, n: int):
        self.n, self._limits = n, None

    def __enter__(self):
        if self.n:
            try:
                from threadpoolctl import threadpool_limits
            except ImportError:
                print("note: threadpoolctl is not installed, so BLAS keeps its default thread "
                      "count (pip install threadpoolctl, or set OPENBLAS_NUM_THREADS=1)",
                      file=sys.stderr)
            else:
                self._limits = threadpool_limits(limits=self.n, user_api="blas")
        return self

    def __exit__(self, *exc):
        if self._limits is not None:
            self._limits.restore_original_limits()
        return False


if __name__ == "__main__":
    sys.exit(main())
