"""Switches for recording: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``is_grad_enabled``.

The flag is thread-local, as in PyTorch: a ``no_grad()`` block in one thread never stops
recording in another. Each switch works as a context manager and as a decorator (also on
generator functions: the mode holds while the generator runs, not while its caller does).
"""
from __future__ import annotations

import functools
import inspect
import threading


class _State(threading.local):
    enabled = True  # each thread starts recording


state = _State()


def is_grad_enabled() -> bool:
    """True when new ops record a graph (in this thread)."""
    return state.enabled


class _GradMode:
    mode = True

    def __enter__(self):
        # BEGIN SOLUTION ex2_3
        self._prev = state.enabled
        state.enabled = self.mode
        return self
        # END SOLUTION

    def __exit__(self, *exc):
        # BEGIN SOLUTION ex2_3
        state.enabled = self._prev
        return False
        # END SOLUTION

    def _clone(self):
        return self.__class__()

    def __call__(self, fn):
        """Use as a decorator: ``fn`` runs with this mode (each step of a generator, too)."""
        if inspect.isgeneratorfunction(fn):
            return self._wrap_generator(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self._clone():
                return fn(*args, **kwargs)

        return wrapper

    def _wrap_generator(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            gen = fn(*args, **kwargs)
            try:
                with self._clone():
                    value = next(gen)
                while True:
                    try:
                        sent = yield value
                    except GeneratorExit:
                        with self._clone():
                            gen.close()
                        raise
                    except BaseException as exc:  # thrown in by the caller: pass it on
                        with self._clone():
                            value = gen.throw(exc)
                    else:
                        with self._clone():
                            value = gen.send(sent)
            except StopIteration as stop:
                return stop.value

        return wrapper


class no_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Ops inside the block record nothing: results have ``requires_grad=False``.

    Use it for evaluation and for hand-written parameter updates.
    """

    mode = False


class enable_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Turn recording back on inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradMode):  # noqa: N801 - PyTorch's name
    """``set_grad_enabled(False)`` switches recording off now (a plain call), or for a block
    (``with set_grad_enabled(False):``, restored on exit), or for a function (a decorator)."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        _GradMode.__enter__(self)  # switched by the constructor: a plain call needs no `with`

    def __enter__(self):
        return self  # already switched; __exit__ restores

    def _clone(self):
        return _Scoped(self.mode)

    def __call__(self, fn):
        _GradMode.__exit__(self)  # as a decorator, the switch happens each time fn runs
        return super().__call__(fn)


class _Scoped(_GradMode):
    def __init__(self, mode: bool):
        self.mode = mode

    def _clone(self):
        return _Scoped(self.mode)
