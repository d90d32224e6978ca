"""Checks for the lessons' exercises: ``check("5.2", answer)`` at the end of each exercise cell.

This package is the instructor side of the exercises: what a correct answer must satisfy (and,
where an answer is a number, how to compute it) lives here, not in the student notebook. Where
the answer is a number, an array or a function, the check recomputes what it should be from
first principles (minigrad, NumPy or a closed form) instead of storing a number; where it is a
choice (a set of names, True/False), the check holds the expected choice and explains it.

``check(number, answer)``:

* ``answer`` is ``None`` (the exercise not attempted yet): prints what to hand in, returns False;
* a correct answer: prints ``Exercise L.k: correct`` and returns True;
* a wrong one: raises ``AssertionError`` with a message saying what is wrong and a hint.

The notebooks import it with ``from lesson_checks import check`` after putting the lessons
folder on ``sys.path`` (Jupyter started in ``lessons/`` finds it; elsewhere set the environment
variable ``MINIGRAD_LESSONS`` to the folder).
"""
from __future__ import annotations

from . import part1, part2

CHECKS = {**part1.CHECKS, **part2.CHECKS}


def check(number: str, answer) -> bool:
    """Check the answer to exercise ``number`` (e.g. ``"5.2"``); see the module docstring."""
    if number not in CHECKS:
        raise KeyError(f"check: no exercise {number!r}; the exercises are {sorted(CHECKS)}")
    what, fn = CHECKS[number]
    if answer is None:
        print(f"Exercise {number}: not answered yet. Hand in {what}.")
        return False
    fn(answer)
    print(f"Exercise {number}: correct")
    return True


__all__ = ["check", "CHECKS"]
