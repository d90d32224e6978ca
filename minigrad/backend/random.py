"""minigrad's random generator (host NumPy, then moved to the device), one per thread.

Each thread has its own generator, so a grid of runs on a thread pool that seed themselves with
``manual_seed`` repeat bit for bit (threads never draw from each other's stream). The main thread
starts seeded with 0; a new thread starts seeded with 0 too, until it calls ``manual_seed``.
"""
from __future__ import annotations

import threading

import numpy as np


class _Local(threading.local):
    def __init__(self):
        self.rng = np.random.default_rng(0)


_local = _Local()


def manual_seed(seed: int) -> None:
    """Seed this thread's generator (host NumPy; results are then moved to the device, so a
    seed means the same numbers on every backend)."""
    _local.rng = np.random.default_rng(seed)


def rng() -> np.random.Generator:
    return _local.rng
