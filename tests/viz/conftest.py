"""The viz tests draw off-screen (Agg) and build small two-head graphs to draw."""
import os

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
from viz_models import two_heads  # noqa: E402


@pytest.fixture
def heads():
    return two_heads()


@pytest.fixture(autouse=True)
def _no_observer_left():
    from minigrad.autograd import engine

    before = list(engine._observers)
    yield
    assert engine._observers == before, "a viz function left an observer on the engine"
