"""Marker parsing and rewriting, test selection by marker, and notebook stripping."""
import json

import pytest

from minigrad.assignments import markers, notebooks, testfilter

B, E = "# BEGIN " + "SOLUTION", "# END " + "SOLUTION"

SRC = f'''def f(a, b):
    """Doc."""
    x = a
    {B} ex1_3
    y = x * b
    if y:
        return y
    {E}
    return 0


def g():
    {B} ex2_1
    return 1
    {E} ex2_1
'''


def test_parse_finds_regions_with_ids_and_indentation():
    rs = markers.parse(SRC, "f.py")
    assert [(r.exercise, r.start, r.end, r.indent) for r in rs] == [
        ("ex1_3", 3, 7, "    "), ("ex2_1", 12, 14, "    ")]


def test_stub_keeps_docstring_and_code_outside_the_region_at_the_region_indentation():
    rs = markers.parse(SRC, "f.py")
    out = markers.rewrite(SRC, rs, lambda r, body: (
        [markers.stub_line(r, f"Exercise {r.exercise}: hint")] if r.exercise == "ex1_3"
        else body))
    assert '    raise NotImplementedError("Exercise ex1_3: hint")\n' in out
    assert '"""Doc."""' in out and "    x = a\n" in out and "    return 0\n" in out
    assert "y = x * b" not in out
    assert "def g():\n    return 1\n" in out  # kept: code stays, marker lines go
    assert not markers.TEXT_RE.search(out)
    compile(out, "f.py", "exec")
    ns = {}
    exec(out, ns)
    with pytest.raises(NotImplementedError, match="Exercise ex1_3: hint"):
        ns["f"](1, 2)
    assert ns["g"]() == 1


def test_stub_message_is_a_valid_literal_for_any_hint():
    r = markers.parse(SRC, "f.py")[0]
    hint = 'say "d/dx" \\ and ünïcode'
    line = markers.stub_line(r, hint)
    ns = {}
    with pytest.raises(NotImplementedError) as info:
        exec(line.strip(), ns)
    assert str(info.value) == hint


@pytest.mark.parametrize("text, message", [
    (f"def f():\n    {B} ex1_1\n    {B} ex1_2\n    {E}\n    {E}\n", "do not nest"),
    (f"def f():\n    x = 1\n    {E}\n", "without a begin"),
    (f"def f():\n    {B} ex1_1\n    x = 1\n", "never closed"),
    (f"def f():\n    {B} ex1_1\n    x = 1\n    {E} ex1_2\n", "names 'ex1_2'"),
    (f"def f():\n    {B}\n    x = 1\n    {E}\n", "must name its exercise"),
    (f"def f():\n    {B} exercise3\n    x = 1\n    {E}\n", "expected an exercise id"),
    (f"def f():\n    {B} ex1_1\n\n    {E}\n", "holds no code"),
    (f"def f():\n        {B} ex1_1\n    x = 1\n        {E}\n", "indented less"),
])
def test_bad_marker_pairs_are_refused_with_the_line(text, message):
    with pytest.raises(markers.MarkerError, match=message) as info:
        markers.parse(text, "bad.py")
    assert str(info.value).startswith("bad.py:")


def test_unnamed_regions_are_allowed_where_asked():
    (r,) = markers.parse(f"x = 1\n{B}\ny = 2\n{E}\n", "lesson.py", need_id=False)
    assert r.exercise is None and r.indent == ""


@pytest.mark.parametrize("text, message", [
    (f"{B} ex1_1\nx = 1\n{E}\n", "inside a function body"),
    (f"class A:\n    {B} ex1_1\n    x = 1\n    {E}\n", "inside a function body"),
    (f'def f():\n    {B} ex1_1\n    """Doc."""\n    return 1\n    {E}\n', "docstring"),
    (f"def f(x):\n    {B} ex1_1\n    try:\n        x = 1\n    {E}\n    except ValueError:\n"
     "        pass\n", "no longer compiles"),
])
def test_python_regions_must_be_stubbable(text, message):
    rs = markers.parse(text, "m.py")
    with pytest.raises(markers.MarkerError, match=message):
        markers.check_python(text, rs, "m.py")


def test_check_python_names_the_enclosing_function():
    rs = markers.parse(SRC, "f.py")
    assert sorted(markers.check_python(SRC, rs, "f.py").values()) == ["f", "g"]
    nested = f"class A:\n    def m(self):\n        def inner():\n            {B} ex1_1\n" \
             f"            return 1\n            {E}\n        return inner\n"
    (r,) = markers.parse(nested, "n.py")
    assert markers.check_python(nested, [r], "n.py")[r] == "A.m.inner"


TESTS = '''import pytest
from pytest import mark

pytestmark = pytest.mark.slow


def helper():
    return 1


@pytest.mark.ex1_1
def test_a():
    pass


@mark.ex2_1
@pytest.mark.ex1_2
def test_b():
    pass


@pytest.mark.parametrize("x", [1, pytest.param(2, marks=pytest.mark.ex3_1)])
def test_c(x):
    pass


def test_plain():
    pass


@pytest.mark.ex2_2
class TestK:
    pytestmark = [pytest.mark.ex2_3]

    def test_m(self):
        pass

    def helper_not_a_test(self):
        pass
'''


def test_collect_reads_markers_from_functions_classes_params_and_modules():
    got = {t.name: set(t.markers) for t in testfilter.collect(TESTS)}
    assert got == {"test_a": {"ex1_1"}, "test_b": {"ex2_1", "ex1_2"}, "test_c": {"ex3_1"},
                   "test_plain": set(), "TestK::test_m": {"ex2_2", "ex2_3"}}
    module = "import pytest\npytestmark = [pytest.mark.ex4_1]\ndef test_z():\n    pass\n"
    assert testfilter.collect(module)[0].markers == {"ex4_1"}


def test_drop_tests_removes_exactly_the_chosen_tests():
    new, dropped = testfilter.drop_tests(TESTS, lambda m: any(e >= "ex2" for e in m))
    assert sorted(t.name for t in dropped) == ["TestK::test_m", "test_b", "test_c"]
    names = {t.name for t in testfilter.collect(new)}
    assert names == {"test_a", "test_plain"}
    assert "def helper():" in new and "class TestK" not in new
    assert "\n\n\n\n" not in new
    compile(new, "t.py", "exec")
    none_left, _ = testfilter.drop_tests(TESTS, lambda m: True)
    assert none_left is None
    same, nothing = testfilter.drop_tests(TESTS, lambda m: False)
    assert same == TESTS and nothing == []


def _nb(*cells):
    return json.dumps({"cells": list(cells), "metadata": {"widgets": {}}, "nbformat": 4,
                       "nbformat_minor": 5})


def _code(src, meta=None):
    return {"cell_type": "code", "metadata": meta or {}, "source": src, "execution_count": 7,
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "hi"}]}


def test_notebook_outputs_cleared_and_solutions_stubbed_or_kept():
    nb_text = _nb(
        _code("print('hi')"),
        _code(f"#{B} ex1_1\nx = 1\n#{E}\n"),
        _code(f"#{B} ex2_1\nz = 1\n#{E}\n"),
        _code("w = 1", {"tags": ["solution"]}),
        {"cell_type": "markdown", "metadata": {}, "source": [f"#{B}\n", "why\n", f"#{E}\n"]},
    )
    out = json.loads(notebooks.student_notebook(
        nb_text, "l.ipynb", lambda e: e != "ex2_1", lambda e: f"Exercise {e}"))
    preamble, *cells = out["cells"]
    assert "".join(preamble["source"]) == notebooks.PREAMBLE
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in cells[:4])
    assert "".join(cells[0]["source"]) == "print('hi')"
    assert "".join(cells[1]["source"]) == 'raise NotImplementedError("Exercise ex1_1")\n'
    assert "raises-exception" in cells[1]["metadata"]["tags"]
    assert "".join(cells[2]["source"]) == "z = 1\n" and "tags" not in cells[2]["metadata"]
    assert "NotImplementedError" in "".join(cells[3]["source"])
    assert "".join(cells[4]["source"]) == notebooks.ANSWER + "\n"
    assert "widgets" not in out["metadata"]
    assert not markers.TEXT_RE.search(json.dumps(out))
