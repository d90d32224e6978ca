"""Lessons in student copies: an unsolved exercise reads as one line naming it."""
import json

from minigrad.assignments import build, lesson, notebooks


def test_stub_errors_become_one_line_naming_the_exercise():
    msg = lesson.message(NotImplementedError("Exercise 2.1: collect the nodes ..."))
    assert msg.startswith("This lesson needs exercise 2.1 first") and "\n" not in msg
    assert "check 2.1" in msg
    assert lesson.message(NotImplementedError("something else")) is None
    assert lesson.message(ValueError("Exercise 2.1: not a stub")) is None


def test_handler_prints_the_line_and_shows_other_errors_as_usual(capsys):
    shown = []

    class Shell:
        def showtraceback(self, exc_tuple, tb_offset=None):
            shown.append(exc_tuple[0])

    assert lesson._handler(Shell(), NotImplementedError,
                           NotImplementedError("Exercise 1.5: sum g"), None) == []
    assert capsys.readouterr().out.startswith("This lesson needs exercise 1.5 first")
    lesson._handler(Shell(), NotImplementedError, NotImplementedError("todo"), None)
    assert shown == [NotImplementedError] and capsys.readouterr().out == ""


def test_every_student_notebook_starts_with_the_preamble(toy, tmp_path):
    (toy / "lessons/02_plain.ipynb").write_text(json.dumps({
        "cells": [{"cell_type": "code", "metadata": {}, "source": ["x = 1\n"], "outputs": [],
                   "execution_count": 1}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    out = tmp_path / "copy"
    build.build(toy, out, 1)
    for name in ("01_toy.ipynb", "02_plain.ipynb"):
        cells = json.loads((out / "lessons" / name).read_text())["cells"]
        assert "".join(cells[0]["source"]) == notebooks.PREAMBLE
        assert exec(compile(notebooks.PREAMBLE, name, "exec"), {}) is None  # runs anywhere
    assert lesson.install() is False  # no IPython shell here: nothing to do
