"""pytest plugin (``-p minigrad.assignments.plugin``) used by ``check``, ``audit`` and the
self-check: with ``--exercise-report PATH`` it writes, per test, its exercise markers and its
outcome as JSON (with the test's weight, ``@pytest.mark.points(n)``, default 1, and the first
lines of its failure), and adds the markers to the JUnit XML as a property ``exercises``. With
``--exercise-probe`` it also records which solution regions each test reached (see probe.py).
With ``--exercise-stop-on-timeout`` the run stops at the first test that pytest-timeout stops
(a student loop that hangs costs one timeout, not one per test); the tests after it are left
with no outcome, and the report names the test that hung.
"""
from __future__ import annotations

import json
import os
import tempfile

import pytest

from .markers import PROBE_ENV
from .testfilter import EX_RE

_RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
_MESSAGE_CHARS = 1500
TIMEOUT_TEXT = "from pytest-timeout"


def pytest_addoption(parser):
    group = parser.getgroup("minigrad-assignments")
    group.addoption("--exercise-report", default=None, metavar="PATH",
                    help="write each test's exercise markers and outcome to PATH (JSON)")
    group.addoption("--exercise-probe", action="store_true", default=False,
                    help="also record the solution regions each test reaches (audit copies)")
    group.addoption("--exercise-stop-on-timeout", action="store_true", default=False,
                    help="stop the run at the first test that times out")


def pytest_configure(config):
    path = config.getoption("exercise_report", None)
    if path:
        config.pluginmanager.register(
            _Recorder(path, config.getoption("exercise_probe"),
                      config.getoption("exercise_stop_on_timeout")),
            "minigrad-exercise-recorder")


def _weight(item) -> float:
    m = item.get_closest_marker("points")
    if m is None:
        return 1.0
    w = m.args[0] if m.args else m.kwargs.get("n", 1)
    if not isinstance(w, (int, float)) or w <= 0:
        raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.points takes a positive number, "
                                f"got {w!r}")
    return float(w)


def _message(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = report.longreprtext or ""
    head = crash.message if crash is not None else text.strip().splitlines()[-1:] or [""]
    head = head if isinstance(head, str) else head[0]
    if TIMEOUT_TEXT in text:
        head = (f"{report.nodeid} took longer than the time limit per test and was stopped "
                "(an endless loop?); the tests after it were not run")
    return head[:_MESSAGE_CHARS]


class _Recorder:
    def __init__(self, path, probe, stop_on_timeout=False):
        self.path, self.probe, self.tests = path, probe, {}
        self.stop_on_timeout, self.hung = stop_on_timeout, None
        self.session = None

    def pytest_collection_finish(self, session):
        self.session = session
        for item in session.items:
            ex = sorted({m.name for m in item.iter_markers() if EX_RE.match(m.name)})
            self.tests[item.nodeid] = {"exercises": ex, "outcome": None, "reached": [],
                                       "weight": _weight(item), "message": ""}
            item.user_properties.append(("exercises", " ".join(ex)))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        if not self.probe:
            yield
            return
        from . import probe

        fd, path = tempfile.mkstemp(prefix="minigrad-probe-")
        os.close(fd)
        old = os.environ.get(PROBE_ENV)
        os.environ[PROBE_ENV] = path
        probe.reset()
        try:
            yield
        finally:
            if old is None:
                os.environ.pop(PROBE_ENV, None)
            else:
                os.environ[PROBE_ENV] = old
            with open(path, encoding="utf-8") as f:
                reached = sorted({s.strip() for s in f if s.strip()})
            os.unlink(path)
            self.tests.setdefault(item.nodeid, {"exercises": [], "outcome": None})
            self.tests[item.nodeid]["reached"] = reached

    def pytest_runtest_logreport(self, report):
        rec = self.tests.setdefault(report.nodeid,
                                    {"exercises": [], "outcome": None, "reached": []})
        if report.failed:
            outcome = "failed" if report.when == "call" else "error"
        elif report.skipped:
            outcome = "skipped"
        elif report.when == "call":
            outcome = "passed"
        else:
            return
        if rec["outcome"] is None or _RANK[outcome] > _RANK[rec["outcome"]]:
            rec["outcome"] = outcome
        if report.failed:
            rec["message"] = rec.get("message") or _message(report)
            if self.stop_on_timeout and TIMEOUT_TEXT in (report.longreprtext or ""):
                self.hung = report.nodeid
                if self.session is not None:
                    self.session.shouldstop = f"{report.nodeid} timed out"

    def pytest_sessionfinish(self, session, exitstatus):
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump({"exitstatus": int(exitstatus), "tests": self.tests, "hung": self.hung},
                      f, indent=1)
