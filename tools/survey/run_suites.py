"""Run DeZero's unit tests (oreilly-japan/deep-learning-from-scratch-3, tests/*.py) and
micrograd's test/test_engine.py on minigrad through the name mapping (shim.py); report each
test's outcome and the first missing name or differing behaviour.

    python tools/survey/run_suites.py [--dezero FOLDER] [--micrograd FOLDER] [--json OUT]

Sources come from the folders given (or $SURVEY_DEZERO / $SURVEY_MICROGRAD), else from the
mirrors under /work/.mirror; an absent one is skipped with a message. The test files are copied
into a temporary folder with a conftest.py that installs the shim, and run with pytest (JUnit
XML gives per-test outcomes). micrograd's test compares with real PyTorch, so it needs torch.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import HERE, have_torch, source  # noqa: E402

CONFTEST = f"""import sys
sys.path.insert(0, {str(HERE)!r})
import shim
shim.install({{kind!r}})
"""


def run_pytest(files: dict, kind: str, tmp: str) -> list[dict]:
    work = os.path.join(tmp, f"{kind}-tests")
    os.makedirs(work)
    for name, text in files.items():
        with open(os.path.join(work, os.path.basename(name)), "w") as fh:
            fh.write(text)
    with open(os.path.join(work, "conftest.py"), "w") as fh:
        fh.write(CONFTEST.format(kind=kind))
    xml = os.path.join(tmp, f"{kind}.xml")
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    "--rootdir", work, "-o", "addopts=", "--continue-on-collection-errors",
                    "--junitxml", xml, work],
                   cwd=work, capture_output=True, text=True, timeout=1800,
                   env={**os.environ, "SURVEY_MISSING": os.path.join(tmp, f"{kind}.json")})
    rows = []
    for case in ET.parse(xml).getroot().iter("testcase"):
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        skipped = case.find("skipped")
        status = "pass" if bad is None and skipped is None else (
            "skip" if skipped is not None else bad.tag)
        msg = "" if bad is None else (bad.get("message") or "").splitlines()[0][:200]
        if msg == "collection failure":  # the reason is in the traceback text
            found = re.findall(r"^E\s+(\w+Error: .*)$", bad.text or "", re.M)
            msg = found[-1][:200] if found else msg
        rows.append({"test": f"{case.get('classname', '').split('.')[-1]}::{case.get('name')}",
                     "status": status, "why": msg})
    return rows


def cause(msg: str) -> str:
    """A short label for why a test failed, to rank what minigrad lacks."""
    m = re.search(r"has no '(\w+)' \(for ([\w.]+)\)", msg)
    if m:
        return f"missing {m.group(2)}"
    m = re.search(r"No module named '([\w.]+)'", msg)
    if m:
        return f"needs module {m.group(1)}"
    m = re.search(r"'(\w+)' object has no attribute '(\w+)'", msg)
    if m:
        return f"missing {m.group(1)}.{m.group(2)}"
    m = re.match(r"(\w+Error: )?(\w+): raw arrays are not operands", msg)
    if m:
        return "NumPy arrays refused as operands (Tensor op ndarray; torch accepts them)"
    return re.split(r" \(got|; ", msg)[0][:90]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dezero")
    ap.add_argument("--micrograd")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        read = source("oreilly-japan/deep-learning-from-scratch-3", args.dezero, "SURVEY_DEZERO")
        if read is None:
            print("skip: no DeZero source (give --dezero, $SURVEY_DEZERO, or a mirror)")
        else:
            names = read.list("tests") if hasattr(read, "list") else [
                f"tests/{n}" for n in sorted(os.listdir(os.path.join(args.dezero or
                                                                     os.environ["SURVEY_DEZERO"],
                                                                     "tests")))]
            files = {n: read(n) for n in names
                     if re.match(r"tests/test_\w+\.py$", n)}  # tests/gpu/ needs CuPy
            report["dezero"] = run_pytest(files, "dezero", tmp)
        read = source("karpathy/micrograd", args.micrograd, "SURVEY_MICROGRAD")
        if read is None:
            print("skip: no micrograd source (give --micrograd, $SURVEY_MICROGRAD, or a mirror)")
        elif not have_torch():
            print("skip: micrograd's test_engine.py compares with PyTorch, which is absent")
        else:
            report["micrograd"] = run_pytest({"test_engine.py": read("test/test_engine.py")},
                                             "micrograd", tmp)
    for suite, rows in report.items():
        counts = collections.Counter(r["status"] for r in rows)
        print(f"\n{suite}: {counts['pass']} of {len(rows)} pass ({dict(counts)})")
        causes = collections.Counter(cause(r["why"]) for r in rows if r["status"] != "pass")
        for why, n in causes.most_common():
            print(f"  {n:3d}  {why}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
