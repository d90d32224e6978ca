"""Test-driven assignments: student versions of minigrad, built from marked solution regions.

Instructors mark the reference code of each exercise in minigrad's source with a begin/end
comment pair naming it (``ex1_3``), list it in :mod:`minigrad.assignments.catalog` with a hint
and points, and mark its tests with the pytest marker of the same name. Then::

    python -m minigrad.assignments list                      # the exercises
    python -m minigrad.assignments build OUT --assignment 1  # a student copy
    python -m minigrad.assignments check 1.3                 # inside the copy: grade 1.3

This package is host-side tooling (standard library only; pytest for ``check``); importing
``minigrad`` does not import it. The full guide is docs/INSTRUCTORS.md.
"""
from .catalog import ASSIGNMENTS, EXERCISES, Exercise

__all__ = ["ASSIGNMENTS", "EXERCISES", "Exercise"]
