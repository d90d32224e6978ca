"""benchmarks/bench_gpu.py runs on any machine (tiny sizes here; no timing is asserted)."""
import importlib.util
from pathlib import Path

import minigrad as mg

_path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_gpu.py"
_spec = importlib.util.spec_from_file_location("_bench_gpu", _path)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_bench_gpu_table_on_this_machine():
    tiny = {"tiny": ((6, 8, 3), 5, {"cpu": (1, 2), "gpu": (1, 2)}, {"cpu": (1, 2), "gpu": (1, 2)})}
    rows = bench.run(quick=True, configs=tiny)
    assert rows[0]["cpu"]["steps"] == 2 and rows[0]["cpu"]["median_ms"] > 0
    text = bench.table(rows)
    lines = text.splitlines()
    assert lines[0].startswith("| model | batch | CPU ms/step | GPU ms/step |")
    assert lines[2].startswith("| tiny 6-8-3 | 5 |")
    if mg.cuda.is_available():
        assert rows[0]["gpu"]["median_ms"] > 0 and "n/a" not in lines[2]
    else:
        assert rows[0]["gpu"] is None and lines[2].endswith("| n/a | n/a |")
        assert "GPU columns n/a" in bench.header()
