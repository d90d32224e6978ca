"""Shared test set-up: hypothesis profiles and the GPU marker's skip."""
import os

# One BLAS thread: on a busy 2-core machine, threaded BLAS makes small products 5-100x slower.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

import minigrad  # noqa: E402

# 'ci' (the default) is derandomized so every run checks the same examples; 'dev' explores.
settings.register_profile("ci", derandomize=True, max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config, items):
    if minigrad.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CuPy and a CUDA GPU (cupy reports no usable device)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _seed():
    minigrad.manual_seed(0)
    yield
