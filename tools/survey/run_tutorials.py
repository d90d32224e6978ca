"""Run PyTorch's beginner autograd/nn tutorials on minigrad through the name mapping (shim.py)
and, when PyTorch is installed, on PyTorch; compare the last printed loss.

    python tools/survey/run_tutorials.py [--src FOLDER] [--json OUT]

FOLDER (or $SURVEY_TUTORIALS) is a checkout of pytorch/tutorials (or a folder holding these
paths); without it the mirror /work/.mirror/pytorch+tutorials/repo is used; with neither the
script says so and exits 0. Python's ``random`` is seeded with 0 in both runs (dynamic_net
draws its depth from it), and with PyTorch installed the minigrad run's ``torch.randn`` takes
its numbers from PyTorch seeded with 0 (harness seeding, not part of the mapping), so both
start from the same weights: final losses agree within 1e-4 (1e-3 for dynamic_net's 30000
momentum steps); ``nn.Linear`` initialises from each library's own generator, so
polynomial_nn/optim are compared within 5 %. A run
that stops is re-run with the shim's stand-ins for the first missing names (``with_standins``)
to show what it needs next; only the plain run counts.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import have_torch, python_with_shim, source  # noqa: E402

TUTORIALS = {  # path: relative tolerance on the final loss
    "beginner_source/examples_autograd/polynomial_autograd.py": 1e-4,
    "beginner_source/examples_autograd/polynomial_custom_function.py": 1e-4,
    "beginner_source/examples_nn/polynomial_nn.py": 0.05,
    "beginner_source/examples_nn/polynomial_optim.py": 0.05,
    "beginner_source/examples_nn/polynomial_module.py": 1e-4,
    "beginner_source/examples_nn/dynamic_net.py": 1e-3,
    "beginner_source/blitz/autograd_tutorial.py": None,  # prints tensors, no loss
    "beginner_source/basics/autogradqs_tutorial.py": None,
}
LOSS = re.compile(r"^(\d+) ([-+0-9.eE]+|nan|inf)$", re.M)


def last_loss(stdout):
    found = LOSS.findall(stdout)
    return float(found[-1][1]) if found else None


def last_error(stderr):
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    read = source("pytorch/tutorials", args.src, "SURVEY_TUTORIALS")
    if read is None:
        print("skip: no pytorch/tutorials source (give --src, $SURVEY_TUTORIALS, or a mirror)")
        return 0
    torch_ok = have_torch()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for path, rtol in TUTORIALS.items():
            text = read(path)
            if text is None:
                results.append({"file": path, "status": "absent"})
                continue
            work = os.path.join(tmp, os.path.basename(path)[:-3])
            os.makedirs(work)
            with open(os.path.join(work, "t.py"), "w") as fh:
                fh.write(text)
            run = "import runpy; runpy.run_path('t.py', run_name='__main__')"
            missing = os.path.join(work, "missing.json")
            rc, out, err = python_with_shim("torch", run, work, 900, {"SURVEY_MISSING": missing},
                                            torch_init=torch_ok)
            row = {"file": path, "ran": rc == 0, "loss": last_loss(out),
                   "error": "" if rc == 0 else last_error(err),
                   "missing": json.load(open(missing)) if os.path.exists(missing) else []}
            if rc != 0:  # what stops it next, once the first stops have stand-ins
                rc3, out3, err3 = python_with_shim("torch", run, work, 900,
                                                   {"SURVEY_MISSING": missing}, fill=True,
                                                   torch_init=torch_ok)
                row["with_standins"] = {"ran": rc3 == 0, "loss": last_loss(out3),
                                        "error": "" if rc3 == 0 else last_error(err3)}
            if torch_ok:
                ref = os.path.join(tmp, "ref-" + os.path.basename(path)[:-3])
                shutil.copytree(work, ref)
                rc2, out2, err2 = python_with_shim(None, "import torch; torch.manual_seed(0)\n"
                                                   + run, ref, 900)
                row["torch_loss"] = last_loss(out2)
                row["torch_ran"] = rc2 == 0
                for r in (row, row.get("with_standins", {})):
                    if rtol is not None and r.get("loss") is not None and row["torch_loss"]:
                        a, b = r["loss"], row["torch_loss"]
                        r["same_loss"] = abs(a - b) <= rtol * abs(b)
            results.append(row)
            print(json.dumps(row), flush=True)
    ran = sum(r.get("ran", False) for r in results)
    print(f"{ran} of {len(results)} tutorials ran to the end on minigrad")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
