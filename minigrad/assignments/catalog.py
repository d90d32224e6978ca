"""The exercises: which region of minigrad's source each one removes, its hint and its points.

An exercise ``exA_B`` is exercise B of assignment A (shown as "A.B"; lesson exercises L.k use the
same numbers where they overlap). Its reference code sits in minigrad's source between a marker
pair naming it (see docs/INSTRUCTORS.md); ``file`` and ``where`` say where the first region is,
and ``build`` checks that it is there. Its tests are the ones carrying the pytest marker
``exA_B`` (registered in pyproject.toml).

This file is read on its own (``build`` loads the catalog of the tree it copies), so it uses the
standard library only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

ID_RE = re.compile(r"^ex([1-9][0-9]*)_([1-9][0-9]*)$")


@dataclass(frozen=True)
class Exercise:
    id: str       # "ex1_3": also the pytest marker
    title: str
    hint: str     # one line, shown in the stub's NotImplementedError and by ``list``
    points: int
    file: str     # repository-relative path of the (first) region
    where: str    # qualified name of the function that holds it

    @property
    def assignment(self) -> int:
        return int(ID_RE.match(self.id).group(1))  # type: ignore[union-attr]

    @property
    def number(self) -> str:
        """``"1.3"`` for ``ex1_3``."""
        a, b = ID_RE.match(self.id).groups()  # type: ignore[union-attr]
        return f"{a}.{b}"


ASSIGNMENTS = {
    1: "Backward rules and broadcasting",
    2: "The backward pass: order, accumulation, no_grad",
    3: "Softmax, cross-entropy and optimizers",
    4: "Several losses, one network",
}

_OPS = "minigrad/ops/"
_ENGINE = "minigrad/autograd/engine.py"

EXERCISES = (
    Exercise("ex1_1", "Product rule", "each input's gradient is the upstream gradient times the "
             "other input (the product rule); give None for an input whose "
             "ctx.needs_input_grad entry is False", 2, _OPS + "arithmetic.py",
             "Mul.backward"),
    Exercise("ex1_2", "Quotient rule", "d(a/b)/da = 1/b and d(a/b)/db = -a/b**2, each times g "
             "(None where ctx.needs_input_grad is False)", 2, _OPS + "arithmetic.py",
             "Div.backward"),
    Exercise("ex1_3", "tanh from its output", "the derivative of tanh can be written with "
             "tanh itself, so the saved output is all you need: no new exp", 1,
             _OPS + "unary.py", "Tanh.backward"),
    Exercise("ex1_4", "Matrix product rule", "for C = A @ B: dA = g @ B^T and dB = A^T @ g "
             "(ctx.xp.matmul and ctx.xp.matrix_transpose; batch dims come along)", 3,
             _OPS + "linalg.py", "MatMul.backward"),
    Exercise("ex1_5", "Undo broadcasting", "sum g over its extra leading axes and over the axes "
             "where shape has 1 but g does not (keepdims), then reshape to shape", 3, _ENGINE,
             "_sum_to"),
    Exercise("ex2_1", "Topological order", "collect the nodes reachable through node.parents "
             "(Context nodes only, a loop with a stack, no recursion), each once, ordered so "
             "every node comes after the nodes feeding it (sort by _seq, or DFS post-order)", 3,
             _ENGINE, "_topo_order"),
    Exercise("ex2_2", "Accumulate into .grad", "the first gradient is stored as an owned copy "
             "(Tensor(backend.copy(g)); g.clone() under create_graph), later ones "
             "are added to it; refuse a gradient whose dtype differs from t's", 2,
             "minigrad/autograd/accumulate.py", "_accumulate_into"),
    Exercise("ex2_3", "no_grad", "__enter__: keep the thread's state.enabled in self._prev, set "
             "it to self.mode, return self; __exit__: put self._prev back, return False", 2,
             "minigrad/autograd/grad_mode.py", "_GradMode.__enter__"),
    Exercise("ex3_1", "Softmax backward", "the Jacobian of softmax is diag(y) - y y^T: apply "
             "it to g without forming it (one reduction over ctx.dim, kept as a dim)", 2,
             _OPS + "activation.py", "Softmax.backward"),
    Exercise("ex3_2", "Log-softmax backward", "log_softmax(x) = x - logsumexp(x): the first term "
             "passes g through, the second subtracts softmax(x) times the total of g over "
             "ctx.dim; get softmax from the saved output, not from x", 2,
             _OPS + "activation.py", "LogSoftmax.backward"),
    Exercise("ex3_3", "Cross-entropy with probability targets", "per sample -sum over the "
             "class dim of target * logp, each class times its weight (_weight_b gives them, or "
             "None); then _reduce(..., reduction)", 2, "minigrad/nn/functional/loss.py",
             "cross_entropy"),
    Exercise("ex3_4", "SGD step", "g (already negated for maximize and with weight decay added) "
             "is the direction; momentum keeps a buffer that starts as a copy of g and then "
             "decays by mu while adding (1 - dampening) of each new g; step against the buffer "
             "(Nesterov looks ahead by mu times it); write the new values with self._write", 2,
             "minigrad/optim/sgd.py", "SGD._update"),
    Exercise("ex3_5", "Adam step", "count the step; keep moving averages of the gradient and "
             "of its square in the state (amsgrad: the running maximum of the second); "
             "correct both for their zero start, then step by lr times the first over the "
             "root of the second plus eps (Kingma & Ba, Algorithm 1)", 3, "minigrad/optim/adam.py",
             "Adam._update"),
    Exercise("ex4_1", "Uncertainty weighting", "each loss is weighted by the precision "
             "exp(-s) of its learned log-variance s (self.log_vars), halved, plus a penalty "
             "of half s that stops s from growing without bound (Kendall et al. 2018, eq. 7)",
             2,
             "minigrad/multitask/scalarizers.py", "UncertaintyWeighting.__call__"),
    Exercise("ex4_2", "PCGrad", "keep task i's gradient as coefficients over the task "
             "gradients (the Gram matrix G gives every dot product); visit the other tasks in "
             "the rng's permuted order and, where the current gradient conflicts with task j "
             "(negative dot product), subtract its projection onto g_j",
             3, "minigrad/multitask/weightings.py", "PCGrad._solve"),
)

# Instructor-only tests, never copied into a student version: the assignment tools' own tests
# (they build copies and hold marker text), the hidden grading tests, the grader's own tests,
# the lessons' authoring checks (students run the notebooks themselves), and the smoke tests of
# benchmarks/ (which a copy leaves out).
INSTRUCTOR_ONLY = ("tests/assignments/tool", "tests/assignments/hidden",
                   "tests/assignments/grading", "tests/lessons", "tests/test_benchmarks_smoke.py",
                   "tests/reliability/test_bench_gpu_smoke.py", "tests/docs")

# The grader's test selection per exercise: the tests of these folders carrying its marker
# (visible: in every copy; hidden: instructor-only, run by ``grade`` alone).
GRADED_TESTS = "tests/assignments/exercises"
HIDDEN_TESTS = "tests/assignments/hidden"


def by_id() -> dict:
    return {e.id: e for e in EXERCISES}

# Leaks that build reports but does not refuse, by (file, function, exercise): each is in a file
# the assignment tools' maintainers cannot edit and is being moved (issue 14). Remove an entry
# once its leak is gone (a test fails while an entry matches nothing).
ACCEPTED_LEAKS: dict = {}  # (file, function, exercise) -> why a known repeat is allowed to ship
