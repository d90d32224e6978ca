"""Mutation test for the lessons: break one rule of the engine, run every lesson, count failures.

    python lessons/mutate.py                      # every mutation, every lesson
    python lessons/mutate.py fanout matmul2       # some mutations
    python lessons/mutate.py --lessons 02 07      # some lessons
    python lessons/mutate.py --list               # the mutations

A lesson "catches" a mutation when it raises (an ``assert`` fails, or a NaN makes a later step
raise). The lessons' claims are checked by ``assert``; a lesson that still passes with the
engine broken does not check the maths it teaches. Not part of the CI run (it runs each lesson
once per mutation: minutes).

Each lesson runs from its percent source (``lessons/_src/NN_topic.py``, the source of the
notebook, so the same cells) as a plain Python script in a fresh process and a temporary
working directory, headless (``MPLBACKEND=Agg``). The mutation is applied in that process
before the lesson's first line, as a runtime monkeypatch: the engine's files are never edited.

Every patch is in MUTATIONS below, and only there. When the engine is rewritten, re-point the
``target`` of each entry (the script refuses to run, naming the entry, when a target or the
text to replace no longer exists, so a stale table cannot report "not caught" for a bug that
was never introduced).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "_src"

# ------------------------------------------------------------------------------------------
# THE TABLE: every engine bug the script can introduce, and where it is introduced.
#
#   kind "source": replace text in a function's source and re-define the function in its own
#                  module (or class), e.g. the engine's gradient accumulation.
#   kind "wrap":   replace ``target`` (module:Class.attribute) by ``wrapper(original)``; the
#                  wrapper is Python source evaluated to a function of the original.
# ------------------------------------------------------------------------------------------
MUTATIONS = {
    "fanout": dict(
        doc="fan-out overwrites: a second gradient into the same slot replaces the first",
        kind="source",
        target="minigrad.autograd.engine:run_backward",
        replace=[("pending[e] = g if e not in pending else pending[e] + g  # fan-out adds up",
                  "pending[e] = g")],
    ),
    "matmul2": dict(
        doc="the matrix product rule off by a factor 2 (dA = 2 G B^T, dB = 2 A^T G), in MatMul "
            "and in Linear (nn.Linear's fused x @ W^T + b)",
        kind="wrap",
        target=["minigrad.ops.linalg:MatMul.backward", "minigrad.ops.linalg:Linear.backward"],
        wrapper="lambda orig: staticmethod(lambda ctx, g: tuple(None if r is None else "
                "(r if i == 2 else 2 * r) for i, r in enumerate(orig(ctx, g))))",
    ),
    "matmul2_op": dict(
        doc="the same factor 2, in MatMul (the @ operator) only; nn.Linear's fused op is right",
        kind="wrap",
        target=["minigrad.ops.linalg:MatMul.backward"],
        wrapper="lambda orig: staticmethod(lambda ctx, g: tuple(None if r is None else 2 * r "
                "for r in orig(ctx, g)))",
    ),
    "logsoftmax": dict(
        doc="log-softmax backward forgets the softmax term (returns g, as if it were the "
            "identity)",
        kind="wrap",
        target=["minigrad.ops.activation:LogSoftmax.backward"],
        wrapper="lambda orig: staticmethod(lambda ctx, g: (g, None))",
    ),
    "nohooks": dict(
        doc="hooks never run: Tensor.register_hook accepts the hook and never calls it",
        kind="wrap",
        target=["minigrad.tensor:Tensor.register_hook"],
        wrapper="lambda orig: (lambda self, fn: __import__('types').SimpleNamespace("
                "remove=lambda: None))",
    ),
}


def _resolve(target: str):
    """(owner, name, value) for 'module:Class.attr' or 'module:function'."""
    import importlib

    module_name, _, path = target.partition(":")
    owner = importlib.import_module(module_name)
    *outer, name = path.split(".")
    for part in outer:
        owner = getattr(owner, part)
    if name not in vars(owner):
        raise LookupError(f"{target}: {name!r} not found")
    return owner, name, vars(owner)[name]


def apply(name: str) -> None:
    """Introduce mutation ``name`` in this process. Raises when the table is stale."""
    import inspect
    import textwrap

    import minigrad  # noqa: F401  (the whole package, so every module is loaded)

    spec = MUTATIONS[name]
    targets = spec["target"] if isinstance(spec["target"], list) else [spec["target"]]
    for target in targets:
        try:
            owner, attr, value = _resolve(target)
        except (ImportError, AttributeError, LookupError) as err:
            raise SystemExit(f"mutation {name!r}: target {target} is gone ({err}); re-point "
                             "it in MUTATIONS (lessons/mutate.py)") from err
        if spec["kind"] == "wrap":
            setattr(owner, attr, eval(spec["wrapper"])(getattr(owner, attr)))
            continue
        func = value.__func__ if isinstance(value, staticmethod) else value
        source = textwrap.dedent(inspect.getsource(func))
        for old, new in spec["replace"]:
            if old not in source:
                raise SystemExit(f"mutation {name!r}: {target} no longer contains {old!r}; "
                                 "re-point it in MUTATIONS (lessons/mutate.py)")
            source = source.replace(old, new)
        module_level = owner is sys.modules.get(func.__module__)
        # A module-level function is re-defined in its own module (callers look it up there);
        # a method in a copy of its module's namespace, then set on its class.
        scope = func.__globals__ if module_level else dict(func.__globals__)
        exec(compile(source, f"<mutated {target}>", "exec"), scope)
        if not module_level:
            new_func = scope[func.__name__]
            setattr(owner, attr, staticmethod(new_func) if isinstance(value, staticmethod)
                    else new_func)


RUNNER = """
import runpy, sys
sys.path.insert(0, {lessons!r})
import mutate
if {mutation!r}:
    mutate.apply({mutation!r})
runpy.run_path({path!r}, run_name="__main__")
"""


def run_lesson(path: Path, mutation: str | None, timeout: float) -> tuple[str, float, str]:
    """('pass' | 'fail' | 'timeout', seconds, last line of the error) for one lesson."""
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONWARNINGS="ignore", OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    code = RUNNER.format(lessons=str(HERE), mutation=mutation or "", path=str(path))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as cwd:
        try:
            proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env,
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "timeout", time.perf_counter() - start, ""
    seconds = time.perf_counter() - start
    if proc.returncode == 0:
        return "pass", seconds, ""
    tail = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    return "fail", seconds, (tail[-1] if tail else f"exit {proc.returncode}")[:150]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mutations", nargs="*", help=f"default: all ({', '.join(MUTATIONS)})")
    parser.add_argument("--lessons", nargs="*", default=None, help="lesson numbers (default all)")
    parser.add_argument("--baseline", action="store_true", help="also run without a mutation")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)
    if args.list:
        for key, spec in MUTATIONS.items():
            print(f"{key:>11}: {spec['doc']}")
        return 0
    unknown = [m for m in args.mutations if m not in MUTATIONS]
    if unknown:
        parser.error(f"unknown mutation(s) {unknown}; choose from {list(MUTATIONS)}")
    paths = sorted(SRC.glob("[0-9][0-9]_*.py"))
    if args.lessons:
        paths = [p for p in paths if p.name[:2] in {n.zfill(2) for n in args.lessons}]
    runs = ([None] if args.baseline else []) + (args.mutations or list(MUTATIONS))
    summary = {}
    for mutation in runs:
        label = mutation or "baseline"
        caught = []
        for path in paths:
            status, seconds, why = run_lesson(path, mutation, args.timeout)
            hit = status != "pass"
            caught += [path.name[:2]] if hit else []
            print(f"{label:>11} {path.name[:2]}: {status:<7} {seconds:5.1f} s  {why}", flush=True)
        summary[label] = caught
    print()
    for label, caught in summary.items():
        print(f"{label:>11}: {len(caught)} of {len(paths)} lessons fail  {' '.join(caught)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
