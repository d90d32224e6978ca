"""Switches for recording: ``no_grad``, ``enable_grad`` and ``is_grad_enabled``.

A single module-level flag (read on every op) keeps the hot path cheap. Each switch works as a
context manager and as a decorator, like PyTorch's.
"""
from __future__ import annotations

import functools

_enabled = True


def is_grad_enabled() -> bool:
    """True when new ops record a graph."""
    return _enabled


def set_grad_enabled(mode: bool) -> None:
    global _enabled
    _enabled = bool(mode)


class _GradMode:
    mode = True

    def __enter__(self):
        global _enabled
        # BEGIN SOLUTION ex2_3
        self._prev = _enabled
        _enabled = self.mode
        return self
        # END SOLUTION

    def __exit__(self, *exc):
        global _enabled
        # BEGIN SOLUTION ex2_3
        _enabled = self._prev
        return False
        # END SOLUTION

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Ops inside the block record nothing: results have ``requires_grad=False``.

    Use it for evaluation and for hand-written parameter updates.
    """

    mode = False


class enable_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Turn recording back on inside a ``no_grad`` block."""

    mode = True
