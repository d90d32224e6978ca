"""W2s: one training step of a small MLP 64-16-10 (ReLU, cross-entropy, plain SGD), batch 8,
float64. Goal: <= 2.5x the hand-written NumPy floor.

W2's model at a size where every array is tiny: the matmuls cost about as much as a Python
call, so the ratio measures the library's per-op overhead in a real training step (W1 measures
it on a chain of elementwise ops). The builders are W2's (``w2_mlp``), on this model.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import _common  # noqa: E402,I001
import numpy as np  # noqa: E402
import w2_mlp  # noqa: E402

SIZES = (64, 16, 10)
BATCH = 8


def small_data():
    """W2's data at W2s's sizes: MLP 64-16-10, batch 8, float64."""
    return w2_mlp.make_data(sizes=SIZES, batch=BATCH, dtype=np.float64)


def run(quick=False, peers=True) -> dict:
    d = small_data()
    return w2_mlp.run(quick, peers, wid="W2s", d=d, goal=2.5, unit="us",
                      title="MLP 64-16-10 step, batch 8, float64")


if __name__ == "__main__":
    args = _common.parse_args(__doc__.splitlines()[0])
    _common.emit([run(args.quick, _common.peer_choice(args))], args.json)
