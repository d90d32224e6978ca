"""minigrad's one random generator (host NumPy, then moved to the device)."""
from __future__ import annotations

import numpy as np

_rng = np.random.default_rng(0)


def manual_seed(seed: int) -> None:
    """Seed minigrad's one random generator (host NumPy; results are then moved to the device,
    so a seed means the same numbers on every backend)."""
    global _rng
    _rng = np.random.default_rng(seed)


def rng() -> np.random.Generator:
    return _rng
