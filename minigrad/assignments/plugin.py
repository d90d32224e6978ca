"""pytest plugin (``-p minigrad.assignments.plugin``) used by ``check``, ``audit`` and the
self-check: with ``--exercise-report PATH`` it writes, per test, its exercise markers and its
outcome as JSON, and adds the markers to the JUnit XML as a property ``exercises``. With
``--exercise-probe`` it also records which solution regions each test reached (see probe.py).
"""
from __future__ import annotations

import json
import os
import tempfile

import pytest

from .markers import PROBE_ENV
from .testfilter import EX_RE

_RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


def pytest_addoption(parser):
    group = parser.getgroup("minigrad-assignments")
    group.addoption("--exercise-report", default=None, metavar="PATH",
                    help="write each test's exercise markers and outcome to PATH (JSON)")
    group.addoption("--exercise-probe", action="store_true", default=False,
                    help="also record the solution regions each test reaches (audit copies)")


def pytest_configure(config):
    path = config.getoption("exercise_report", None)
    if path:
        config.pluginmanager.register(
            _Recorder(path, config.getoption("exercise_probe")), "minigrad-exercise-recorder")


class _Recorder:
    def __init__(self, path, probe):
        self.path, self.probe, self.tests = path, probe, {}

    def pytest_collection_finish(self, session):
        for item in session.items:
            ex = sorted({m.name for m in item.iter_markers() if EX_RE.match(m.name)})
            self.tests[item.nodeid] = {"exercises": ex, "outcome": None, "reached": []}
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

    def pytest_sessionfinish(self, session, exitstatus):
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump({"exitstatus": int(exitstatus), "tests": self.tests}, f, indent=1)
