"""Small two-head graphs for the viz tests to draw (imported by name: no conftest import)."""
import minigrad as mg


def two_heads(hidden=5, depth=1, seed=0):
    """A shared trunk (``depth`` tanh layers) feeding a CE-like head and a PCA-like head."""
    mg.manual_seed(seed)
    X = mg.randn(8, 6)
    params = {}
    h = X
    fan_in = 6
    for d in range(depth):
        W = (mg.randn(fan_in, hidden) * 0.5).requires_grad_()
        b = mg.zeros(hidden).requires_grad_()
        params[f"W{d}"], params[f"b{d}"] = W, b
        h = (h @ W + b).tanh()
        fan_in = hidden
    Wc = (mg.randn(hidden, 3) * 0.5).requires_grad_()
    Wp = (mg.randn(hidden, 2) * 0.5).requires_grad_()
    params["Wc"], params["Wp"] = Wc, Wp
    ce = -(h @ Wc).log_softmax(-1).mean()
    pca = ((h @ Wp) ** 2).mean()
    return {"CE": ce, "PCA": pca}, params, h
