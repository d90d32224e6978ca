"""The leak detector: a student copy holds no line of a removed solution."""
import functools
import json
from pathlib import Path

import pytest

from minigrad.assignments import build, leaks, tree

ROOT = Path(__file__).resolve().parents[3]
LINE = 'self.total = getattr(self, "total", 0) + n'  # the toy's exercise 2.1, stubbed in copy 1


def _refused(toy, tmp_path, n=1):
    out = tmp_path / "copy"
    with pytest.raises(build.LeakError) as err:
        build.build(toy, out, n)
    assert not out.exists(), "nothing is written while a leak is left"
    return str(err.value)


def test_a_docstring_repeating_a_removed_line_is_refused(toy, tmp_path):
    (toy / "minigrad/helpers.py").write_text(f'"""Example::\n\n    >>> {LINE}\n"""\n')
    msg = _refused(toy, tmp_path)
    assert "minigrad/helpers.py:3" in msg and "exercise 2.1" in msg and "ops.py:" in msg


def test_a_test_helper_with_the_answer_is_refused(toy, tmp_path):
    (toy / "tests/helpers.py").write_text(f"def ref(self, n):\n    {LINE}\n")
    assert "tests/helpers.py:2 (ref)" in _refused(toy, tmp_path)


def test_a_notebook_cell_with_the_answer_is_refused(toy, tmp_path):
    nb = json.loads((toy / "lessons/01_toy.ipynb").read_text())
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                        "execution_count": None, "source": [LINE + "\n"]})
    (toy / "lessons/01_toy.ipynb").write_text(json.dumps(nb))
    assert "lessons/01_toy.ipynb" in _refused(toy, tmp_path)


def test_a_hint_that_is_the_code_is_refused(toy, tmp_path):
    cat = toy / "minigrad/assignments/catalog.py"
    cat.write_text(cat.read_text().replace('"add n to self.total (start at 0)"',
                                           f"'{LINE}'"))
    assert "(hint) repeats exercise 2.1" in _refused(toy, tmp_path)


def test_the_same_computation_under_other_names_is_found():
    region = ["m = b1 * m + (1 - b1) * g", "v = b2 * v + (1 - b2) * g * g",
              "m_hat = m / (1 - b1 ** t)", "v_hat = v / (1 - b2 ** t)"]
    other = ["self._m = beta1 * self._m + (1 - beta1) * grad",
             "self._v = beta2 * self._v + (1 - beta2) * grad * grad",
             "mh = self._m / (1 - beta1 ** self.t)", "vh = self._v / (1 - beta2 ** self.t)"]
    removed = {"ex3_5": [(leaks.normalise(s), f"adam.py:{k}", leaks.skeleton(s))
                         for k, s in enumerate(region)]}
    found = leaks.find({"famo.py": "\n".join(other).encode()}, removed, {}, set())
    assert {f.line for f in found} == {1, 2, 3, 4}
    assert not leaks.find({"famo.py": "\n".join(other[:2]).encode()}, removed, {}, set())


def test_releasing_an_assignment_does_not_publish_its_own_answers(toy, tmp_path):
    (toy / "minigrad/helpers.py").write_text(f"def again(self, n):\n    {LINE}\n")
    _refused(toy, tmp_path, n=2)  # 2.1 is assignment 2's own exercise: refused there too


@functools.cache
def _found(n):
    return frozenset((f.path, f.function, f.exercise) for f in build.leak_findings(ROOT, n))


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_minigrad_copies_hold_only_the_accepted_leaks(n):
    catalog = tree.load_catalog(ROOT)
    found = _found(n)
    assert found <= set(catalog.ACCEPTED_LEAKS), sorted(found - set(catalog.ACCEPTED_LEAKS))
    fixed = {"minigrad/viz/trace.py", "minigrad/assignments/catalog.py",
             "tests/assignments/exercises/test_ex3_losses_optimizers.py"}
    assert not {f[0] for f in found} & fixed


def test_every_accepted_leak_is_still_there():
    catalog = tree.load_catalog(ROOT)
    found = set()
    for n in catalog.ASSIGNMENTS:
        found |= _found(n)
    stale = set(catalog.ACCEPTED_LEAKS) - found
    assert not stale, f"these leaks are gone: remove them from ACCEPTED_LEAKS: {sorted(stale)}"
