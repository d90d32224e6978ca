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
    from minigrad.autograd import extend

    before = list(extend.on_backward)
    yield
    assert extend.on_backward == before, "a viz function left an observer on the engine"
