"""``python -m minigrad tour``: a short, honest demo until the flagship tour lands.

It trains a tiny two-layer network on a synthetic regression problem and prints the loss falling.
"""
from __future__ import annotations

import argparse
import sys


def _demo(seed: int) -> int:
    import minigrad as mg

    mg.manual_seed(seed)
    X = mg.randn(256, 4)
    w_true = mg.tensor([[1.5], [-2.0], [0.5], [1.0]])
    y = (X @ w_true).tanh()
    W1 = (mg.randn(4, 16) * 0.5).requires_grad_()
    W2 = (mg.randn(16, 1) * 0.5).requires_grad_()
    lr = 0.1
    first = None
    for step in range(201):
        pred = (X @ W1).tanh() @ W2
        loss = ((pred - y) ** 2).mean()
        W1.grad = W2.grad = None
        loss.backward()
        with mg.no_grad():
            W1.data = W1.data - lr * W1.grad.data
            W2.data = W2.data - lr * W2.grad.data
        first = first if first is not None else loss.item()
        if step % 40 == 0:
            print(f"step {step:4d}  mse {loss.item():.5f}")
    print(f"loss fell from {first:.4f} to {loss.item():.4f}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minigrad", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    tour = sub.add_parser("tour", help="run the demo")
    tour.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.cmd == "tour":
        return _demo(args.seed)
    return 1


if __name__ == "__main__":
    sys.exit(main())
