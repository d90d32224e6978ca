"""Where the surveyed sources come from, and how a script runs under the shim.

Nothing is vendored: sources are copied at run time into a temporary folder, from a mirror
(``git show`` on a bare repository, as the ``fetch`` tool leaves them under
/work/.mirror/OWNER+NAME/repo) or from a plain folder given on the command line / in an
environment variable. When neither exists the caller prints a message and skips.
"""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
MIRRORS = pathlib.Path(os.environ.get("SURVEY_MIRRORS", "/work/.mirror"))


def source(repo: str, folder: str | None, env: str):
    """A function ``read(path) -> str | None`` for ``repo`` ("owner/name"): from ``folder``
    (or ``$env``) if given, else from the mirror; None when neither is there."""
    folder = folder or os.environ.get(env)
    if folder:
        root = pathlib.Path(folder)
        if not root.is_dir():
            return None
        return lambda path: (root / path).read_text() if (root / path).is_file() else None
    git_dir = MIRRORS / repo.replace("/", "+") / "repo"
    if not git_dir.is_dir():
        return None

    def read(path):
        out = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"HEAD:{path}"],
                             capture_output=True, text=True)
        return out.stdout if out.returncode == 0 else None

    read.list = lambda prefix: subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "--name-only", "HEAD", prefix],
        capture_output=True, text=True).stdout.split()
    return read


def python_with_shim(kind: str | None, script: str, cwd, timeout: int, env=None,
                     fill=False, torch_init=False):
    """Run ``script`` (Python source) in a fresh interpreter, the shim for ``kind`` installed
    first (None: the real libraries; ``fill``: with the shim's stand-ins for missing names;
    ``torch_init``: ``torch.randn`` draws its numbers from real PyTorch seeded with 0, so a
    run starts from the weights PyTorch's own run starts from). Returns (returncode, stdout,
    stderr)."""
    prelude = "import random; random.seed(0)\n"
    if torch_init:
        prelude += "import torch as _real_torch; _real_torch.manual_seed(0)\n"
    if kind:
        prelude += (f"import sys; sys.path.insert(0, {str(HERE)!r}); import shim; "
                    f"shim.install({kind!r})\n")
        if fill:
            prelude += "shim.fill_standins()\n"
        if torch_init:
            prelude += ("import minigrad; sys.modules['torch'].randn = lambda *s, **k: "
                        "minigrad.tensor(_real_torch.randn(*s).numpy(), **k)\n")
    try:
        out = subprocess.run([sys.executable, "-c", prelude + script], cwd=cwd, timeout=timeout,
                             capture_output=True, text=True, env={**os.environ, **(env or {})})
    except subprocess.TimeoutExpired:
        return 124, "", f"timed out after {timeout} s"
    return out.returncode, out.stdout, out.stderr


def have_torch() -> bool:
    out = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True)
    return out.returncode == 0
