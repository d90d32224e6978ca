"""The first cell of a lesson in a student copy: an unsolved exercise reads as one line.

``build`` puts ``from minigrad.assignments.lesson import install; install()`` at the top of
each student notebook. In IPython it registers a handler for ``NotImplementedError``: when the
error is an exercise's stub (its message starts with ``Exercise A.B:``), the cell prints
``This lesson needs exercise A.B first: ...`` instead of a traceback from deep inside the
engine; any other error shows its traceback as usual. Outside IPython it does nothing.
"""
from __future__ import annotations

import re

_STUB = re.compile(r"^Exercise (\d+\.\d+): ")


def message(exc: BaseException) -> str | None:
    """The one-line message for an exercise's stub error, or None for any other error."""
    m = _STUB.match(str(exc)) if isinstance(exc, NotImplementedError) else None
    if m is None:
        return None
    number = m.group(1)
    return (f"This lesson needs exercise {number} first: finish it (see README.md), then "
            f"rerun this cell. `python -m minigrad.assignments check {number}` tells you when "
            "it is done.")


def _handler(shell, etype, value, tb, tb_offset=None):
    line = message(value)
    if line is None:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None
    print(line)
    return []


def install() -> bool:
    """Register the handler in the running IPython shell; False when there is none."""
    try:
        from IPython import get_ipython  # noqa: PLC0415 - lessons only
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((NotImplementedError,), _handler)
    return True
