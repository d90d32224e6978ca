"""A two-head toy model from plain tensors (no minigrad.nn): a shared tanh layer and two
linear heads with squared-error losses. float64 so exact comparisons are meaningful."""
import minigrad as mg


def two_heads(n=8, d=3, h=4, seed=0, dtype=mg.float64):
    mg.manual_seed(seed)
    X = mg.randn(n, d, dtype=dtype)
    ya, yb = mg.randn(n, 1, dtype=dtype), mg.randn(n, 2, dtype=dtype)
    W = mg.randn(d, h, dtype=dtype, requires_grad=True)
    A = mg.randn(h, 1, dtype=dtype, requires_grad=True)
    B = mg.randn(h, 2, dtype=dtype, requires_grad=True)
    W.name, A.name, B.name = "W", "A", "B"

    def losses():
        z = (X @ W).tanh()
        return {"a": ((z @ A - ya) ** 2).mean(), "b": ((z @ B - yb) ** 2).mean()}

    return (W, A, B), losses
