# Lesson 00 source (percent format). Build the notebook with: python lessons/_src/build.py 00

# %% [markdown]
# # Lesson 0 — Autodiff from scratch
#
# **Objectives.** After this lesson you can
# - build a reverse-mode automatic-differentiation engine for scalars in about 40 lines;
# - explain the three ideas it rests on: the **chain rule** (multiply local derivatives), a
#   **topological order** (a node passes its gradient on only once it has received all of it), and
#   **fan-out** (a value used twice receives the *sum* of both contributions);
# - check gradients against finite differences, and see that minigrad computes the same numbers.
#
# **Prerequisites.** Python classes; the derivative of a product and of `tanh`; the chain rule
# from calculus. No earlier lesson.
#
# **Estimated time.** 30 min.

# %%
# %matplotlib inline
import math

import matplotlib.pyplot as plt

import minigrad

minigrad.manual_seed(0)

# %% [markdown]
# ## 1. A scalar that remembers where it came from
#
# Every arithmetic operation creates a new `Value` that records its **parents** and the **local
# derivative** of its result with respect to each parent (for $z = xy$: $\partial z/\partial x = y$
# and $\partial z/\partial y = x$). That is all the forward pass has to store.
#
# The backward pass then applies the chain rule: if $L$ depends on $z$ and $z$ on $x$,
# $\frac{\partial L}{\partial x} \mathrel{+}= \frac{\partial L}{\partial z}\cdot
# \frac{\partial z}{\partial x}$. The `+=` is the whole story of **fan-out**: when $x$ is used by
# several nodes, each one adds its contribution.

# %%
class Value:
    """A scalar that records the operation that produced it, for reverse-mode autodiff."""

    def __init__(self, data, parents=(), local_grads=(), op=""):
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents          # the Values this one was computed from
        self.local_grads = local_grads  # d(self)/d(parent), one number per parent
        self.op = op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    __radd__, __rmul__ = __add__, __mul__

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1.0 - t * t,), "tanh")

    def __repr__(self):
        return f"Value({self.data:.4f}, grad={self.grad:.4f})"


def topological_order(root):
    """Every node after all the nodes it was computed from (depth-first, post-order)."""
    order, seen = [], set()

    def visit(v):
        if id(v) not in seen:
            seen.add(id(v))
            for p in v.parents:
                visit(p)
            order.append(v)

    visit(root)
    return order


def backward(root):
    """Fill .grad of every node with d(root)/d(node)."""
    order = topological_order(root)
    for v in order:
        v.grad = 0.0
    root.grad = 1.0
    for v in reversed(order):          # root first; a node is done before its parents
        for parent, local in zip(v.parents, v.local_grads):
            parent.grad += local * v.grad   # chain rule; += sums over fan-out

# %% [markdown]
# ## 2. A function where one input is used three times
#
# $f(x, y) = \tanh(xy + x)\cdot x$. The input $x$ fans out to the product, the sum and the final
# product. By hand, with $u = xy + x$ and $t = \tanh u$:
#
# $$\frac{\partial f}{\partial x} = t + x\,(1 - t^2)\,(y + 1), \qquad
#   \frac{\partial f}{\partial y} = x^2\,(1 - t^2).$$

# %%
def f(x, y):
    return (x * y + x).tanh() * x


x, y = Value(0.5), Value(-1.5)
out = f(x, y)
backward(out)

t = math.tanh(0.5 * -1.5 + 0.5)
dfdx = t + 0.5 * (1 - t * t) * (-1.5 + 1)
dfdy = 0.5**2 * (1 - t * t)
print(f"f = {out.data:.6f}   engine: df/dx = {x.grad:.6f}, df/dy = {y.grad:.6f}")
print(f"               by hand: df/dx = {dfdx:.6f}, df/dy = {dfdy:.6f}")
assert abs(x.grad - dfdx) < 1e-12 and abs(y.grad - dfdy) < 1e-12

# %% [markdown]
# ### Check against finite differences
#
# The central difference $\frac{f(x+h) - f(x-h)}{2h}$ has error $O(h^2)$ from truncation and
# $O(\varepsilon/h)$ from floating-point rounding ($\varepsilon \approx 10^{-16}$); the two balance
# at $h \approx \varepsilon^{1/3} \approx 10^{-5}$, which is why 1e-5 to 1e-6 is the usual choice
# (`gradcheck`'s default is 1e-6). The cell finds the best step of the grid, and asserts it is one
# of those two. The plot shows both regimes; the autodiff gradient has no $h$ at all.

# %%
def fx(xv, yv=-1.5):
    return f(Value(xv), Value(yv)).data


hs = [10.0**-k for k in range(1, 13)]
errors = [abs((fx(0.5 + h) - fx(0.5 - h)) / (2 * h) - x.grad) for h in hs]

fig, ax = plt.subplots(figsize=(5.5, 3.5), layout="constrained")
ax.loglog(hs, errors, "o-", label="|central difference - autodiff|")
ax.set_title("Finite differences agree with autodiff only for a good step h")
ax.set_xlabel("step h")
ax.set_ylabel("absolute error in df/dx")
ax.legend()
best = min(errors)
print(f"best finite-difference error: {best:.1e} at h = {hs[errors.index(best)]:.0e}")
assert best < 1e-9            # autodiff is right: some step agrees to 9 digits
assert hs[errors.index(best)] in (1e-5, 1e-6), "the best step should be near eps**(1/3)"
assert errors[0] > 1e-4       # a big step is wrong (truncation)
assert errors[-1] > 1e3 * best  # a tiny step is wrong again (rounding)

# %% [markdown]
# ## 3. Why the order matters, and why `+=`
#
# Two broken variants of `backward` show what each ingredient does.
#
# - **Overwrite instead of add** (`parent.grad = ...`): the last path to reach $x$ wins and the
#   other two contributions are lost.
# - **Breadth-first order** from the root: a node may pass its gradient on *before* all of it has
#   arrived. In $g(x, y) = \tanh(\tanh(a))\cdot a$ with $a = xy$, the node $a$ is reached directly
#   from the root (one step) and through two `tanh` nodes (three steps); breadth-first sends $a$'s
#   gradient onward after the first contribution only.

# %%
def backward_overwrite(root):
    order = topological_order(root)
    for v in order:
        v.grad = 0.0
    root.grad = 1.0
    for v in reversed(order):
        for parent, local in zip(v.parents, v.local_grads):
            parent.grad = local * v.grad         # BUG: overwrites instead of accumulating


def backward_breadth_first(root):
    for v in topological_order(root):
        v.grad = 0.0
    root.grad = 1.0
    queue, done = [root], set()
    while queue:
        v = queue.pop(0)
        if id(v) in done:
            continue
        done.add(id(v))
        for parent, local in zip(v.parents, v.local_grads):
            parent.grad += local * v.grad
            queue.append(parent)                 # BUG: parent may not have all its gradient yet


def g(x, y):
    a = x * y
    return a.tanh().tanh() * a


results = {}
for name, fn in [("correct", backward), ("overwrite", backward_overwrite),
                 ("breadth-first", backward_breadth_first)]:
    for func in (f, g):
        xv, yv = Value(0.5), Value(-1.5)
        fn(func(xv, yv))
        results[name, func.__name__] = (xv.grad, yv.grad)
    print(f"{name:>13}: f -> {results[name, 'f'][0]:+.6f}, g -> {results[name, 'g'][0]:+.6f}")

assert abs(results["overwrite", "f"][0] - results["correct", "f"][0]) > 1e-3
assert abs(results["breadth-first", "g"][0] - results["correct", "g"][0]) > 1e-3
assert results["breadth-first", "f"] == results["correct", "f"]  # BFS is lucky on f, not on g

# %% [markdown]
# ## 4. Drawing the graph
#
# The engine's data structure *is* the computation graph: nodes are `Value`s, edges go from
# parents to children. Below, each node sits in the column of its longest distance from an
# input, and shows its value and (after `backward`) its gradient. Note the three arrows leaving
# `x`: its gradient is the sum of three products.

# %%
def draw_value_graph(root, ax, names):
    order = topological_order(root)
    depth = {}
    for v in order:
        depth[id(v)] = 1 + max((depth[id(p)] for p in v.parents), default=-1)
    rows = {}
    pos = {}
    for v in order:
        d = depth[id(v)]
        pos[id(v)] = (d, rows.get(d, 0))
        rows[d] = rows.get(d, 0) + 1
    for v in order:
        for p in v.parents:
            (x0, y0), (x1, y1) = pos[id(p)], pos[id(v)]
            bend = 0.0 if x1 - x0 == 1 else 0.1 + 0.03 * (x1 - x0)  # long edges arc below
            # drawn above the boxes (zorder 3), and stopped short of them, so that every
            # arrowhead shows where it enters its node
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=3,
                        arrowprops=dict(arrowstyle="-|>", color="0.35", shrinkA=32, shrinkB=36,
                                        mutation_scale=14, connectionstyle=f"arc3,rad={bend}"))
    for v in order:
        label = names.get(id(v)) or v.op or "const"
        ax.text(*pos[id(v)], f"{label}\ndata {v.data:+.3f}\ngrad {v.grad:+.3f}", ha="center",
                va="center", fontsize=8, zorder=2,
                bbox=dict(boxstyle="round", fc="#e8f0fb", ec="#1f77b4"))
    ax.set_xlim(-0.6, max(depth.values()) + 0.6)
    ax.set_ylim(-1.1, max(rows.values()) - 0.3)
    ax.axis("off")


x, y = Value(0.5), Value(-1.5)
out = f(x, y)
backward(out)
fig, ax = plt.subplots(figsize=(9, 3.4), layout="constrained")
draw_value_graph(out, ax, {id(x): "x", id(y): "y", id(out): "f = tanh(xy + x) * x"})
ax.set_title("The scalar engine's graph of f(x, y) after backward (x fans out 3 times)")
n_edges_from_x = sum(p is x for v in topological_order(out) for p in v.parents)
assert n_edges_from_x == 3

# %% [markdown]
# ## 5. minigrad does the same thing, on arrays
#
# minigrad's `Tensor` is the same idea with arrays instead of floats: every op records its inputs
# and a backward rule, `backward()` walks the graph in reverse topological order, and gradients are
# **added** on fan-out. Written with minigrad tensors, the same formula gives the same gradients —
# and it evaluates many points at once.

# %%
xs = minigrad.tensor([0.5, -1.0, 2.0, 0.1], dtype=minigrad.float64, requires_grad=True)
ys = minigrad.tensor([-1.5, 0.3, 0.7, -2.0], dtype=minigrad.float64, requires_grad=True)
f(xs, ys).sum().backward()      # the same Python f: it only uses *, + and .tanh()

scratch = []
for i in range(4):
    xv, yv = Value(xs.data[i]), Value(ys.data[i])
    backward(f(xv, yv))
    scratch.append(xv.grad)
    assert abs(xs.grad.data[i] - xv.grad) < 1e-12 and abs(ys.grad.data[i] - yv.grad) < 1e-12
print("minigrad      df/dx:", xs.grad.numpy().round(6))
print("from scratch  df/dx:", [round(v, 6) for v in scratch])

# %% [markdown]
# minigrad can draw its own graph too (`minigrad.viz.draw_graph`): one box per op and per tensor,
# with shapes, and the leaf gradients after backward.

# %%
from minigrad import viz  # noqa: E402

xs.grad = ys.grad = None
loss = f(xs, ys).sum()
loss.backward()
fig = viz.draw_graph(loss, params={"x": xs, "y": ys},
                     title="minigrad's graph of sum(f(x, y)) for 4 points at once")
assert len(fig.minigrad_graph.find("Mul")) == 2   # the drawing holds the graph it drew
fig

# %% [markdown]
# ## 6. A picture of what the gradient means
#
# The derivative is the slope of the tangent. Using the engine's $\partial f/\partial x$ at
# $x = 0.5$ (with $y = -1.5$ fixed), the tangent line touches the curve there.

# %%
x0 = 0.5
xv = Value(x0)
backward(f(xv, Value(-1.5)))
grid = [x0 - 1.5 + 3 * i / 200 for i in range(201)]
fig, ax = plt.subplots(figsize=(5.5, 3.5), layout="constrained")
ax.plot(grid, [fx(v) for v in grid], label="f(x, y=-1.5)")
ax.plot(grid, [fx(x0) + xv.grad * (v - x0) for v in grid], "--",
        label=f"tangent, slope {xv.grad:.3f}")
ax.plot([x0], [fx(x0)], "ko")
ax.set_ylim(-1.5, 1.5)
ax.set_title("The gradient from the engine is the tangent's slope")
ax.set_xlabel("x")
ax.set_ylabel("f")
ax.legend()
h = 1e-3
assert abs(fx(x0 + h) - (fx(x0) + xv.grad * h)) < 10 * h * h  # error is second order in h

# %% [markdown]
# ## What to remember
#
# - Reverse mode needs, per node, its parents and the local derivative towards each; backward
#   multiplies local derivatives along every path (the chain rule) and **adds** over paths
#   (`+=`: fan-out). Overwriting instead of adding loses every path but the last.
# - A node may pass its gradient on only when all of it has arrived: process nodes in reverse
#   topological order (depth-first post-order), not breadth-first.
# - Central differences check a gradient to about 1e-10 at $h \approx$ 1e-5 to 1e-6; too large a
#   step has truncation error, too small a step rounding error.
# - minigrad's `Tensor` is the same engine on arrays: same graph, same rules, same fan-out sum.
#
# ## Exercises

# %%
# The checks, and how each answer is judged, live in lessons/lesson_checks (the instructor's side).
import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.environ.get("MINIGRAD_LESSONS", os.getcwd()))
from lesson_checks import check  # noqa: E402

# %% [markdown]
# **Exercise 0.1.** Add `exp`, `__pow__` (by a constant) and `relu` to `Value`, each with its
# local derivative. Check each against minigrad (`minigrad.exp`, `**`, `minigrad.relu`) at three
# points with an `assert`.
#
# *Hand in:* (Value, backward): your Value class with exp, __pow__ and relu.

# %%
# Exercise 0.1: your work here; then replace None by your answer.
answer = None
check("0.1", answer)

# %% [markdown]
# **Exercise 0.2.** Remove the loop that resets `.grad` to 0 in `backward` and call it twice on
# the same graph. What happens to `x.grad`? PyTorch and minigrad *accumulate* into `.grad` the
# same way across calls: that is why training loops call `zero_grad()`. Show it with minigrad.
#
# *Hand in:* x.grad (a float) after calling the no-reset backward twice on f(0.5, -1.5).

# %%
# Exercise 0.2: your work here; then replace None by your answer.
answer = None
check("0.2", answer)

# %% [markdown]
# **Exercise 2.1** (the same as assignment exercise 2.1, where you write minigrad's own
# `_topo_order`). `topological_order` is recursive, so a chain of 5000 additions exceeds Python's
# recursion limit. Rewrite it as an iterative depth-first search with an explicit stack, and check
# it on such a chain (the gradient of `x + x + ... + x` with 5000 terms is 5000).
#
# *Hand in:* your iterative topological_order(root) (nodes need only .parents).

# %%
# Exercise 2.1: your work here; then replace None by your answer.
answer = None
check("2.1", answer)
