"""Try beginner PyTorch spellings on minigrad through the name mapping (shim.py) and, when
PyTorch is installed, on PyTorch; say which behave the same.

    python tools/survey/spellings.py [--json OUT]

Each spelling is a line of code over a few fixed inputs (A (2, 3), B (3, 4), v and w (3,),
M (3, 3), P (2, 2, 3), Q (2, 3, 4), logits (2, 3), labels [0, 2], x (3,) requiring grad);
its result is compared by value (mode "v"), by shape and dtype kind only (mode "s": random
draws, freshly initialised layers), or it only has to run ("r"). Outcomes: same, differs
(what), missing (the name), error (the message). Each library runs in its own interpreter.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

S = [  # (code, mode); "out = ..." statements for several lines, else an expression
    # creation
    ("torch.tensor([1, 2, 3])", "v"), ("torch.tensor([[1.0, 2.0]])", "v"),
    ("torch.zeros(2, 3)", "v"), ("torch.ones(2, 3)", "v"), ("torch.zeros((2, 3))", "v"),
    ("torch.zeros_like(A)", "v"), ("torch.ones_like(A)", "v"), ("torch.full((2, 2), 7.0)", "v"),
    ("torch.eye(3)", "v"), ("torch.arange(5)", "v"), ("torch.arange(1, 5)", "v"),
    ("torch.arange(0, 1, 0.25)", "v"), ("torch.linspace(0, 1, 5)", "v"),
    ("torch.empty(2, 3)", "s"), ("torch.rand(2, 3)", "s"), ("torch.randn(2, 3)", "s"),
    ("torch.randn_like(A)", "s"), ("torch.randint(0, 10, (3,))", "s"),
    ("torch.randperm(5)", "s"), ("torch.normal(0.0, 1.0, (2, 2))", "s"),
    ("torch.from_numpy(np.ones(3))", "v"), ("torch.as_tensor([1.0, 2.0])", "v"),
    ("torch.zeros(2, dtype=torch.float64)", "v"), ("torch.get_default_dtype()", "r"),
    ("torch.manual_seed(0)", "r"), ("torch.tensor(np.arange(3.0))", "v"),
    ("torch.cuda.is_available()", "v"), ("torch.device('cpu')", "r"),
    # dtypes, conversion, introspection
    ("A.float()", "v"), ("A.double()", "v"), ("A.long()", "v"), ("A.int()", "v"),
    ("(A > 0).float()", "v"), ("A.bool()", "v"), ("A.type(torch.float64)", "v"),
    ("A.to(torch.float64)", "v"), ("A.to('cpu')", "v"), ("A.numpy()", "v"),
    ("A.tolist()", "v"), ("A.sum().item()", "v"), ("list(A.shape)", "v"),
    ("list(A.size())", "v"), ("A.size(1)", "v"), ("A.dim()", "v"), ("A.numel()", "v"),
    ("str(A.dtype).replace('torch.', '')", "v"), ("str(A.device)", "v"), ("A.clone()", "v"),
    ("A.contiguous()", "v"), ("A.new_zeros(2)", "v"), ("A.new_ones(2)", "v"),
    # shapes
    ("A.T", "v"), ("A.t()", "v"), ("A.transpose(0, 1)", "v"), ("A.permute(1, 0)", "v"),
    ("A.reshape(3, 2)", "v"), ("A.view(3, 2)", "v"), ("A.view(-1)", "v"), ("A.flatten()", "v"),
    ("A.unsqueeze(0)", "v"), ("A.unsqueeze(0).squeeze()", "v"), ("A.unsqueeze(1).shape[1]", "v"),
    ("torch.cat([A, A])", "v"), ("torch.cat([A, A], dim=1)", "v"), ("torch.stack([A, A])", "v"),
    ("A.repeat(2, 1)", "v"), ("A.flip(0)", "v"), ("A[:, :1].expand(2, 3)", "v"),
    ("A[0]", "v"), ("A[:, 1]", "v"), ("A[A > 0]", "v"), ("A[[0, 1], [2, 0]]", "v"),
    ("torch.tril(M)", "v"), ("torch.triu(M)", "v"),
    # arithmetic and math
    ("A + 1", "v"), ("2 * A - A / 2", "v"), ("A ** 2", "v"), ("A.pow(2)", "v"),
    ("A @ B", "v"), ("torch.matmul(A, B)", "v"), ("torch.mm(A, B)", "v"),
    ("torch.mv(A, v)", "v"), ("torch.dot(v, w)", "v"), ("torch.bmm(P, Q)", "v"),
    ("torch.einsum('ij,jk->ik', A, B)", "v"), ("torch.addmm(torch.ones(2, 4), A, B)", "v"),
    ("torch.outer(v, w)", "v"), ("A.abs()", "v"), ("A.exp()", "v"), ("A.abs().log()", "v"),
    ("torch.log1p(A.abs())", "v"), ("A.abs().sqrt()", "v"), ("torch.sin(A)", "v"),
    ("torch.cos(A)", "v"), ("torch.tanh(A)", "v"), ("torch.sigmoid(A)", "v"),
    ("torch.relu(A)", "v"), ("A.clamp(min=0)", "v"), ("torch.clamp(A, -0.5, 0.5)", "v"),
    ("torch.where(A > 0, A, 0.0)", "v"), ("torch.maximum(A, -A)", "v"),
    ("A.masked_fill(A > 0, 0.0)", "v"), ("torch.sign(A)", "v"), ("A.round()", "v"),
    # reductions and comparisons
    ("A.sum()", "v"), ("A.sum(dim=0)", "v"), ("A.sum(0, keepdim=True)", "v"), ("A.mean()", "v"),
    ("A.mean(dim=1)", "v"), ("A.std()", "v"), ("A.var()", "v"), ("A.max()", "v"),
    ("A.max(dim=1).values", "v"), ("A.max(dim=1).indices", "v"), ("A.max(dim=1)[0]", "v"),
    ("A.argmax()", "v"), ("A.argmax(dim=1)", "v"), ("A.min()", "v"),
    ("torch.amax(A, dim=(0, 1))", "v"), ("torch.amin(A, dim=1)", "v"), ("A.norm()", "v"),
    ("torch.linalg.norm(A)", "v"), ("torch.norm(A)", "v"), ("A.prod()", "v"),
    ("torch.cumsum(A, dim=1)", "v"), ("torch.logsumexp(A, dim=1)", "v"),
    ("torch.softmax(A, dim=1)", "v"), ("A.softmax(dim=1)", "v"),
    ("torch.allclose(A, A)", "v"), ("torch.isclose(A, A)", "v"), ("torch.equal(A, A)", "v"),
    ("A.eq(A)", "v"), ("(A > 0).sum()", "v"), ("(A == A).all()", "v"),
    # autograd
    ("out = (x * x).sum(); out.backward(); out = x.grad", "v"),
    ("out = torch.autograd.grad((x ** 3).sum(), x)[0]", "v"),
    ("out = x.detach().requires_grad_(); (out * 2).sum().backward(); out = out.grad", "v"),
    ("out = (x * 2).detach().requires_grad", "v"),
    ("with torch.no_grad():\n    out = (x * 2).requires_grad", "v"),
    ("with torch.enable_grad():\n    out = (x * 2).requires_grad", "v"),
    ("with torch.inference_mode():\n    out = (x * 2).requires_grad", "v"),
    ("out = [x.is_leaf, (x * 2).is_leaf, x.grad_fn is None]", "v"),
    ("y = x * 2; y.retain_grad(); y.sum().backward(); out = y.grad", "v"),
    ("h = x.register_hook(lambda g: g * 3); (x * 1).sum().backward(); out = x.grad", "v"),
    ("(x * x).sum().backward(); x.grad.zero_(); out = x.grad", "v"),
    ("out = x.array.norm()", "v"),
    ("p = x.detach().clone().requires_grad_(); p.array -= 0.5 * torch.ones(3); out = p", "v"),
    ("y = x * x; y.backward(torch.ones(3)); out = x.grad", "v"),
    ("class Sq(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, a):\n"
     "        ctx.save_for_backward(a)\n        return a * a\n    @staticmethod\n"
     "    def backward(ctx, g):\n        (a,) = ctx.saved_tensors\n        return 2 * a * g\n"
     "out = Sq.apply(x).sum(); out.backward(); out = x.grad", "v"),
    ("out = torch.autograd.functional.jacobian(lambda t: t * t, x.detach())", "v"),
    ("out = torch.autograd.gradcheck(lambda t: (t * t).sum(), "
     "(torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True),))", "v"),
    # nn
    ("torch.nn.Linear(3, 2)(A)", "s"), ("torch.nn.Sequential(torch.nn.Linear(3, 4), "
                                        "torch.nn.ReLU(), torch.nn.Linear(4, 1))(A)", "s"),
    ("torch.nn.ReLU()(A)", "v"), ("torch.nn.Tanh()(A)", "v"), ("torch.nn.Sigmoid()(A)", "v"),
    ("torch.nn.Softmax(dim=1)(A)", "v"), ("torch.nn.Flatten()(P)", "v"),
    ("torch.nn.Identity()(A)", "v"), ("torch.nn.Dropout(0.5).eval()(A)", "v"),
    ("torch.nn.LeakyReLU(0.1)(A)", "v"), ("torch.nn.GELU()(A)", "v"),
    ("torch.nn.MSELoss()(A, torch.zeros(2, 3))", "v"),
    ("torch.nn.L1Loss()(A, torch.zeros(2, 3))", "v"),
    ("torch.nn.CrossEntropyLoss()(logits, labels)", "v"),
    ("torch.nn.NLLLoss()(torch.log_softmax(logits, 1), labels)", "v"),
    ("torch.nn.BCELoss()(torch.sigmoid(A), (A > 0).float())", "v"),
    ("torch.nn.BCEWithLogitsLoss()(A, (A > 0).float())", "v"),
    ("torch.nn.HuberLoss()(A, torch.zeros(2, 3))", "v"),
    ("torch.nn.SmoothL1Loss()(A, torch.zeros(2, 3))", "v"),
    ("torch.nn.KLDivLoss(reduction='batchmean')(torch.log_softmax(A, 1), "
     "torch.softmax(logits, 1))", "v"),
    ("torch.nn.Embedding(5, 2)(labels)", "s"), ("torch.nn.LayerNorm(3)(A)", "v"),
    ("torch.nn.BatchNorm1d(3)(A)", "v"), ("torch.nn.Conv2d(1, 2, 3)(torch.ones(1, 1, 5, 5))", "s"),
    ("torch.nn.LSTM(3, 4, batch_first=True)(P)[0]", "s"),
    ("len(list(torch.nn.Linear(3, 2).parameters()))", "v"),
    ("[n for n, _ in torch.nn.Linear(3, 2).named_parameters()]", "v"),
    ("list(torch.nn.Linear(3, 2).state_dict())", "v"),
    ("m = torch.nn.Linear(3, 2); m.load_state_dict(torch.nn.Linear(3, 2).state_dict()); "
     "out = m.training", "v"),
    ("out = torch.nn.Linear(3, 2).eval().training", "v"),
    ("out = torch.nn.ModuleList([torch.nn.Linear(3, 2)])[0].weight.shape[1]", "v"),
    ("w0 = torch.empty(2, 3); torch.nn.init.xavier_uniform_(w0); out = w0", "s"),
    ("w0 = torch.ones(2, 3); torch.nn.init.zeros_(w0); out = w0", "v"),
    ("torch.nn.Parameter(torch.ones(2)).requires_grad", "v"),
    # functional
    ("F.relu(A)", "v"), ("F.softmax(A, dim=1)", "v"), ("F.log_softmax(A, dim=1)", "v"),
    ("F.cross_entropy(logits, labels)", "v"), ("F.mse_loss(A, torch.zeros(2, 3))", "v"),
    ("F.one_hot(labels, 3)", "v"), ("F.pad(A, (1, 1))", "v"), ("F.normalize(A, dim=1)", "v"),
    ("F.cosine_similarity(A, A + 1, dim=1)", "v"), ("F.leaky_relu(A, 0.1)", "v"),
    ("F.gelu(A)", "v"), ("F.softplus(A)", "v"), ("F.elu(A)", "v"), ("F.silu(A)", "v"),
    ("F.dropout(A, 0.5, training=False)", "v"), ("F.linear(A, torch.ones(2, 3))", "v"),
    ("F.binary_cross_entropy_with_logits(A, (A > 0).float())", "v"),
    # optim and data
    ("p = torch.ones(3, requires_grad=True); o = torch.optim.SGD([p], lr=0.1); "
     "(p * p).sum().backward(); o.step(); out = p", "v"),
    ("p = torch.ones(3, requires_grad=True); o = torch.optim.SGD([p], lr=0.1, momentum=0.9); "
     "(p * p).sum().backward(); o.step(); o.zero_grad(); out = [p, p.grad is None]", "v"),
    ("p = torch.ones(3, requires_grad=True); o = torch.optim.Adam([p], lr=0.1); "
     "(p * p).sum().backward(); o.step(); out = p", "v"),
    ("p = torch.ones(3, requires_grad=True); o = torch.optim.AdamW([p], lr=0.1); "
     "(p * p).sum().backward(); o.step(); out = p", "v"),
    ("p = torch.ones(3, requires_grad=True); o = torch.optim.RMSprop([p], lr=0.1); "
     "(p * p).sum().backward(); o.step(); out = p", "v"),
    ("p = torch.ones(3, requires_grad=True); o = torch.optim.Adagrad([p], lr=0.1); "
     "(p * p).sum().backward(); o.step(); out = p", "v"),
    ("p = torch.ones(3, requires_grad=True); o = torch.optim.SGD([p], lr=0.1); "
     "s = torch.optim.lr_scheduler.StepLR(o, 1, 0.5); o.step(); s.step(); "
     "out = o.param_groups[0]['lr']", "v"),
    ("ds = torch.utils.array.TensorDataset(A, labels); "
     "out = [len(ds), len(list(torch.utils.array.DataLoader(ds, batch_size=1)))]", "v"),
    ("torch.save({'A': A}, '_ck'); out = torch.load('_ck')['A']", "v"),
]


def _host(o):
    if hasattr(o, "detach"):
        o = o.detach()
        return {"kind": str(o.numpy().dtype.kind), "shape": list(o.shape),
                "value": o.numpy().astype(float).ravel().tolist()}
    if isinstance(o, (list, tuple)):
        return [_host(i) for i in o]
    if isinstance(o, (bool, int, float, str)) or o is None:
        return o
    try:
        import numpy as np
        a = np.asarray(o)
        if a.dtype.kind in "biuf":
            return {"kind": a.dtype.kind, "shape": list(a.shape),
                    "value": a.astype(float).ravel().tolist()}
    except Exception:  # noqa: BLE001 - anything else is reported by type
        pass
    return f"<{type(o).__name__}>"


def child(lib: str) -> None:
    """Run every spelling with ``torch`` = real PyTorch or the shim; print JSON results."""
    import numpy as np
    if lib == "minigrad":
        sys.path.insert(0, HERE)
        import shim
        shim.install("torch")
    import torch
    import torch.nn.functional as F
    rng = np.random.default_rng(0)
    arrays = {"A": (2, 3), "B": (3, 4), "v": (3,), "w": (3,), "M": (3, 3), "P": (2, 2, 3),
              "Q": (2, 3, 4), "logits": (2, 3)}
    base = {k: rng.standard_normal(s).astype(np.float32) for k, s in arrays.items()}
    results = []
    os.chdir(os.environ.get("SURVEY_TMP", "."))
    for code, mode in S:
        ns = {"torch": torch, "F": F, "np": np, "labels": torch.tensor([0, 2]),
              "x": torch.tensor([1.0, 2.0, 3.0], requires_grad=True),
              **{k: torch.tensor(v) for k, v in base.items()}}
        try:
            try:
                out = eval(compile(code, "<spelling>", "eval"), ns)
            except SyntaxError:
                exec(compile(code, "<spelling>", "exec"), ns)
                out = ns["out"]
            results.append({"ok": True, "out": _host(out)})
        except Exception as exc:  # noqa: BLE001 - every failure is a survey result
            results.append({"ok": False, "error": f"{type(exc).__name__}: {exc}"[:200]})
    print(json.dumps(results))


def _same(a, b, mode):
    if isinstance(a, dict) and isinstance(b, dict):
        if a["shape"] != b["shape"] or a["kind"] != b["kind"]:
            return f"shape/kind {a['shape']} {a['kind']} vs torch {b['shape']} {b['kind']}"
        if mode == "s":
            return None
        import numpy as np
        if not np.allclose(a["value"], b["value"], rtol=1e-5, atol=1e-6, equal_nan=True):
            return f"values {a['value'][:4]} vs torch {b['value'][:4]}"
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"length {len(a)} vs {len(b)}"
        for x, y in zip(a, b):
            why = _same(x, y, mode)
            if why:
                return why
        return None
    if mode == "r":
        return None
    if isinstance(a, float) and isinstance(b, float):
        return None if abs(a - b) <= 1e-5 * max(1.0, abs(b)) else f"{a} vs torch {b}"
    return None if a == b else f"{a!r} vs torch {b!r}"


def _run(lib, tmp):
    out = subprocess.run([sys.executable, __file__, "--child", lib], capture_output=True,
                         text=True, env={**os.environ, "SURVEY_TMP": tmp}, timeout=600)
    if out.returncode:
        raise SystemExit(f"{lib} run failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    import tempfile
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json")
    ap.add_argument("--child")
    args = ap.parse_args(argv)
    if args.child:
        return child(args.child)
    with tempfile.TemporaryDirectory() as tmp:
        mine = _run("minigrad", tmp)
        try:
            import importlib.util
            ref = _run("torch", tmp) if importlib.util.find_spec("torch") else None
        except SystemExit as exc:
            print(exc)
            ref = None
    rows = []
    for (code, mode), m, r in zip(S, mine, ref or [None] * len(S)):
        if not m["ok"]:
            status, why = ("missing" if "survey shim" in m["error"] or "has no attribute"
                           in m["error"] else "error"), m["error"]
        elif r is None:
            status, why = "runs (no torch to compare)", ""
        elif not r["ok"]:
            status, why = "torch fails too", r["error"]
        else:
            why = _same(m["out"], r["out"], mode)
            status = "differs" if why else "same"
        rows.append({"code": code, "mode": mode, "status": status, "why": why or ""})
    counts = collections.Counter(r["status"] for r in rows)
    print(f"{counts['same']} of {len(rows)} spellings behave as in torch: {dict(counts)}")
    for r in rows:
        if r["status"] != "same":
            print(f"  {r['status']:8s} {r['code'].splitlines()[0][:60]:60s} {r['why'][:90]}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
