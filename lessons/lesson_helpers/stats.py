"""``spread``: a claim over several seeds, printed as mean +- std (min, max)."""
from __future__ import annotations

import numpy as np


def spread(values, what="test accuracy"):
    """Print ``what`` over the seeds as ``mean +- std (min ..., max ...)``; return the array.

    ``std`` is the sample standard deviation (``ddof=1``); at least 2 values are needed.
    """
    a = np.asarray(values, dtype=float)
    if a.ndim != 1 or a.size < 2:
        raise ValueError(f"spread: need a 1-D list of at least 2 values (one per seed), got "
                         f"shape {a.shape}")
    print(f"{what} over {a.size} seeds: {a.mean():.3f} +- {a.std(ddof=1):.3f} "
          f"(min {a.min():.3f}, max {a.max():.3f})")
    return a
