"""The command line: ``python -m minigrad tour`` (also installed as the ``minigrad`` command).

The tour is the flagship experiment: one shared reduction layer trained by a cross-entropy head
and a PCA loss, swept over the loss weight alpha (see :mod:`minigrad.cli.tour`).
"""
from __future__ import annotations

import argparse
import sys

TOUR_HELP = """\
Train the two-head digits network (a shared 64 -> 8 reduction layer with a PCA loss, and a
cross-entropy classifier head) for several loss weights alpha in
total = alpha * CE + (1 - alpha) * PCA, print a table (test accuracy, explained variance,
per-head gradient norms on the shared layer) and write figures (Pareto front, gradient flow
per head, the computation graph in head colours, training curves) to an output folder.
Runs on the CPU in well under a minute (--quick: a few seconds). Small BLAS matrices: on a
busy machine, OPENBLAS_NUM_THREADS=1 makes it faster."""


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
        except (ValueError, RuntimeError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        run_tour(quick=args.quick, out=args.out, seed=args.seed, device=device)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
