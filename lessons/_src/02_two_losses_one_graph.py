# Lesson 02 source (percent format). Build the notebook with: python lessons/_src/build.py 02

# %% [markdown]
# # Lesson 2 — Two losses, one graph: where do the gradients go?
#
# **Objectives.** After this lesson you can
# - say which parameters each loss trains in a network with a shared layer and two heads: a
#   head's parameters receive only their own loss's gradient, the shared layer receives the *sum*;
# - measure that with per-head gradients (`minigrad.multitask.head_grads`) and show it as a bar
#   chart of gradient norms per parameter group;
# - explain why `(L1 + L2).backward()` and `L1.backward(retain_graph=True); L2.backward()` give
#   the same `.grad`, and what `retain_graph` and `zero_grad` are for;
# - read the computation graph drawn with one colour per loss.
#
# **Prerequisites.** Lesson 0 (backward, fan-out adds gradients); lesson 1 (`nn.Module`,
# `nn.Linear`, cross-entropy).
#
# **Estimated time.** 30 min.

# %%
# %matplotlib inline
import os
import sys

import matplotlib.pyplot as plt
import numpy as np

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, viz
from minigrad.data import load_digits, train_test_split
from minigrad.multitask import balance_alpha, head_grads

sys.path.insert(0, os.environ.get("MINIGRAD_LESSONS", os.getcwd()))   # lessons/lesson_helpers
from lesson_helpers import slider_or_static, spread  # noqa: E402
from lesson_helpers.two_heads import train_two_heads  # noqa: E402

minigrad.manual_seed(0)

# %% [markdown]
# ## 1. A shared layer with two heads
#
# The 8x8 digits, 64 pixels each. A shared layer maps them to 16 features $h$; on top of it,
#
# - a **classifier** head: 10 logits, trained with cross-entropy (`CE`);
# - a **decoder** head: 64 pixels back, trained with the mean squared reconstruction error (`MSE`).
#
# The two losses share everything below $h$.

# %%
X, y = load_digits()
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=True, seed=0)


class TwoHeads(nn.Module):
    def __init__(self, width=16):
        super().__init__()
        self.shared = nn.Linear(64, width)
        self.classifier = nn.Linear(width, 10)
        self.decoder = nn.Linear(width, 64)

    def forward(self, x):
        h = self.shared(x).tanh()
        return h, self.classifier(h), self.decoder(h)


model = TwoHeads()
params = dict(model.named_parameters())
batch_x, batch_y = X_train[:64], y_train[:64]
h, logits, recon = model(batch_x)
ce = F.cross_entropy(logits, batch_y)
mse = F.mse_loss(recon, batch_x)
print({name: tuple(p.shape) for name, p in params.items()})
print(f"CE = {ce.item():.4f}, MSE = {mse.item():.4f}")

# %% [markdown]
# ## 2. The graph, coloured by loss
#
# `viz.draw_graph` takes a dict of named losses. Every box and arrow carries the colour of each
# loss that depends on it: the shared layer's weight and bias carry both colours, each head's
# parameters only one. Gradients flow back along exactly these arrows.

# %%
fig = viz.draw_graph({"CE": ce, "MSE": mse}, params=params, fontsize=7, show_constants=False,
                     title="Two losses, one graph: both colours meet at the shared layer")
graph = fig.minigrad_graph
reach = {node.title: node.reached for node in graph.nodes.values() if node.kind == "leaf"}
print(reach)
assert reach["shared.weight"] == (0, 1) and reach["shared.bias"] == (0, 1)
assert reach["classifier.weight"] == (0,) and reach["decoder.weight"] == (1,)
fig

# %% [markdown]
# ### Step through the backward pass
#
# `viz.trace_backward(loss)` runs backward and records every step: which op's rule ran, what
# gradient came in and what went out to each input. Move the slider to replay the pass on a
# batch of 4 images: the op that just ran is outlined in red, each op carries its step number,
# and a leaf shows the gradient it has received *so far*. Watch the shared layer: its gradient
# is complete only after both heads' paths have reached it. (Without ipywidgets, the cell draws
# three steps side by side instead.)

# %%
small = TwoHeads()
_, lg4, rc4 = small(X_train[:4])
trace = viz.trace_backward(F.cross_entropy(lg4, y_train[:4]) + F.mse_loss(rc4, X_train[:4]))
live = {}                                 # what the step-through shows now


def show_step(step):
    live["step"], live["op"] = step, trace[step].op
    live["fig"] = trace.draw(step=step, fontsize=6, show_constants=False,
                             params=dict(small.named_parameters()),
                             title=f"backward step {step + 1} of {len(trace)}: {trace[step].op}")
    return live["fig"]


# The slider plumbing (ipywidgets, or three static steps) is in lessons/lesson_helpers.
slider = slider_or_static(show_step, value=0, min=0, max=len(trace) - 1, description="step",
                          static=(0, len(trace) // 2, len(trace) - 1))
print(f"{len(trace)} backward steps; the last one ran {trace[len(trace) - 1].op}")

# %%
# Moving the slider (here: setting its value) redraws the graph at that step.
if slider is not None:
    slider.value = len(trace) - 1
    assert live["step"] == len(trace) - 1 and live["op"] == trace[len(trace) - 1].op
    shown = live["fig"].axes[0].get_title() or live["fig"].get_suptitle()
    assert f"step {len(trace)} of {len(trace)}" in shown, shown
ops = [step.op for step in trace]
assert sum("Linear" in op for op in ops) == 3   # shared layer and the two heads, one step each

# %% [markdown]
# ## 3. Per-head gradients
#
# `head_grads` runs one backward pass per loss with `minigrad.grad` (nothing is written to
# `.grad`) and reports, for each loss, its gradient on every parameter. The table and the bars
# show the structure: the CE gradient on the decoder is exactly zero, and so is the MSE gradient
# on the classifier. Only the shared layer hears from both.

# %%
hg = head_grads({"CE": ce, "MSE": mse}, params)
print(hg.summary())
for name in ("decoder.weight", "decoder.bias"):
    k = hg.params.index(name)
    assert not hg.reached["CE"][k] and float((hg.grads["CE"][k] ** 2).sum().item()) == 0.0
for name in ("classifier.weight", "classifier.bias"):
    k = hg.params.index(name)
    assert not hg.reached["MSE"][k] and float((hg.grads["MSE"][k] ** 2).sum().item()) == 0.0
assert hg.shared == ["shared.weight", "shared.bias"]

fig, axes = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
viz.plot_grad_norms(hg, ax=axes[0], title="Gradient norm per parameter, by loss")
_ = viz.plot_grad_norms(hg, ax=axes[1], log=True, title="The same on a log scale (zeros vanish)")

# %% [markdown]
# ### The shared layer gets the sum
#
# The gradient of `CE + MSE` on each parameter is the sum of the two per-loss gradients: on the
# head parameters one of the two terms is zero; on the shared layer both count. This is the
# chain rule's fan-out from lesson 0, at the scale of a network: $h$ feeds two heads, so
# $\partial L/\partial h$ is the sum of what each head sends back.

# %%
model.zero_grad()
(ce + mse).backward(retain_graph=True)
summed = {name: p.grad.numpy().copy() for name, p in params.items()}
for k, name in enumerate(hg.params):
    both = hg.grads["CE"][k].numpy() + hg.grads["MSE"][k].numpy()
    assert np.allclose(summed[name], both, rtol=1e-5, atol=1e-7), name

# Where the two streams meet: the gradient arriving at h.
(g_h_ce,) = minigrad.grad(ce, h, retain_graph=True)
(g_h_mse,) = minigrad.grad(mse, h, retain_graph=True)
(g_h_sum,) = minigrad.grad(ce + mse, h, retain_graph=True)
assert np.allclose(g_h_sum.numpy(), g_h_ce.numpy() + g_h_mse.numpy(), rtol=1e-5, atol=1e-7)
print(f"|dCE/dh| = {np.linalg.norm(g_h_ce.numpy()):.4f}, |dMSE/dh| = "
      f"{np.linalg.norm(g_h_mse.numpy()):.4f}, |d(CE+MSE)/dh| = "
      f"{np.linalg.norm(g_h_sum.numpy()):.4f}")

# %% [markdown]
# ## 4. One backward on the sum, or one backward per loss?
#
# `.grad` **accumulates**: every backward pass adds into it. So two backward passes, one per
# loss, leave the same `.grad` as one backward pass on the sum. The first pass must keep the
# graph (`retain_graph=True`) because the two losses share its upper part: by default a backward
# pass frees the values saved for it, and a second pass through the same nodes fails loudly.
#
# The cost differs: one pass on the sum walks the shared part of the graph once; per-loss passes
# walk it once per loss. Per-loss passes are what you need when you want to *look at* or
# *change* each loss's gradient before combining them (lesson 10).

# %%
h, logits, recon = model(batch_x)
ce, mse = F.cross_entropy(logits, batch_y), F.mse_loss(recon, batch_x)
model.zero_grad()
ce.backward(retain_graph=True)
mse.backward()
per_loss = {name: p.grad.numpy().copy() for name, p in params.items()}
for name in params:
    assert np.allclose(per_loss[name], summed[name], rtol=1e-5, atol=1e-7), name

# Without retain_graph the second pass through the shared part is refused, with a clear message.
h, logits, recon = model(batch_x)
ce, mse = F.cross_entropy(logits, batch_y), F.mse_loss(recon, batch_x)
ce.backward()
try:
    mse.backward()
    raise AssertionError("expected an error")
except RuntimeError as err:
    message = str(err)
print(message[:300])
assert "retain_graph" in message

# Forgetting zero_grad() doubles the gradient: .grad is a running sum.
model.zero_grad()
h, logits, recon = model(batch_x)
loss = F.cross_entropy(logits, batch_y) + F.mse_loss(recon, batch_x)
loss.backward(retain_graph=True)
once = model.shared.weight.grad.numpy().copy()
loss.backward()
assert np.allclose(model.shared.weight.grad.numpy(), 2 * once)

# %% [markdown]
# ## 5. Does one loss dominate the shared layer?
#
# The bar chart shows the two losses sending gradients of different sizes into the shared layer.
# With weights, $\alpha\,\mathrm{CE} + (1-\alpha)\,\mathrm{MSE}$, the shared layer receives
# $\alpha g_{CE} + (1-\alpha) g_{MSE}$. `balance_alpha` returns the $\alpha$ at which the two terms
# have the same norm at the current parameters: a starting point, not an answer (lesson 4 chooses
# $\alpha$ properly). The cosine between the two shared gradients says whether they pull the shared
# layer in similar directions (near 1), unrelated ones (near 0) or opposite ones (negative).
#
# **Convention** (every lesson): $\alpha \in [0, 1]$ is the convex weight on the loss named first
# (here CE), $L = \alpha L_1 + (1-\alpha) L_2$; a loss added with a free weight, $L_1 + \lambda
# L_2$, has $\lambda = (1-\alpha)/\alpha$ (lesson 3).

# %%
h, logits, recon = model(batch_x)
ce, mse = F.cross_entropy(logits, batch_y), F.mse_loss(recon, batch_x)
shared = [model.shared.weight, model.shared.bias]
alpha = balance_alpha(ce, mse, shared)
hg = head_grads({"CE": ce, "MSE": mse}, params)
n_ce = np.sqrt(sum(hg.norms["CE"].per_param[p] ** 2 for p in hg.shared))
n_mse = np.sqrt(sum(hg.norms["MSE"].per_param[p] ** 2 for p in hg.shared))
print(f"shared-layer gradient norms: CE {n_ce:.4f}, MSE {n_mse:.4f}; balance alpha = {alpha:.3f}")
print(f"cosine between the shared gradients: {hg.cosine.numpy()[0, 1]:+.3f}")
assert abs(alpha * n_ce - (1 - alpha) * n_mse) < 1e-4 * (n_ce + n_mse)

# %% [markdown]
# ## 6. The gradients during training
#
# Train on the plain sum for a few epochs with Adam, and every few steps record the norm of each
# loss's gradient on the shared layer, always on the same 256 training images (so that the ratio
# changes only because the model does: with a frozen model it would be constant, not merely
# noisy). The loop is lesson 1's (Adam, lr 1e-2, batches of 64) on `ce + mse` with a `head_grads`
# call every 5 steps: `train_two_heads` in lessons/lesson_helpers/two_heads.py (`train_two_heads??`
# shows it). The ratio changes as training proceeds, so a weight that balances them at the start
# does not balance them later. The test accuracy is stated over 5 seeds (initial weights and batch
# order; 4 epochs each): mean +- std and the range, asserted for the worst seed.

# %%
record, data = {"CE": [], "MSE": [], "steps": []}, (X_train, y_train, X_test, y_test)
model, acc, test_mse, step = train_two_heads(TwoHeads, data, 0, record=record)
steps = record.pop("steps")
print(f"seed 0, after {step} steps: test accuracy {acc:.3f}, test reconstruction MSE "
      f"{test_mse:.4f}")
# The accuracy claim over 5 seeds (initial weights and batch order), not one lucky run:
seed_accs = spread([acc] + [train_two_heads(TwoHeads, data, s)[1] for s in range(1, 5)])
assert seed_accs.min() > 0.90              # every seed, not only seed 0
fig, ax = plt.subplots(figsize=(6.5, 3.8), layout="constrained")
for name, values in record.items():
    ax.semilogy(steps, values, label=f"{name} gradient on the shared layer")
ax.set_title("Each loss's gradient norm on the shared layer while training CE + MSE")
ax.set_xlabel("step")
ax.set_ylabel("gradient norm")
ax.legend()
ratio = np.array(record["CE"]) / np.array(record["MSE"])
print(f"CE/MSE gradient-norm ratio: first {ratio[0]:.2f}, last {ratio[-1]:.2f}")
assert ratio.max() > 1.5 * ratio.min()     # the balance point moves during training

# %% [markdown]
# ### Is the gradient that trained the model right?
#
# Everything above compares the engine with itself (summed backward against per-loss backward,
# Adam steps on what backward returned). An independent check: finite differences of the
# *forward* pass, which runs no backward rule. For each parameter, pick a random direction $v$;
# the directional derivative $\langle \nabla_p L, v\rangle$ from backward must equal
# $(L(p + \epsilon v) - L(p - \epsilon v))/2\epsilon$. In float64 (a copy of the trained model) on
# a small batch this agrees to about 1e-8; a wrong rule in any op the model uses, or a lost
# fan-out contribution at the shared layer, shows up as a large gap.

# %%
import copy  # noqa: E402

# The check, written out in lessons/lesson_checks/gradients.py (read it with check_gradients??):
# backward once, then for each parameter p a random direction v, nudge p by +-eps*v, compare.
from lesson_checks.gradients import check_gradients  # noqa: E402

model64 = copy.deepcopy(model).to(dtype=minigrad.float64)
xs64, ys = X_train[:32].to(minigrad.float64), y_train[:32]


def summed_loss():
    _, lg, rc = model64(xs64)
    return F.cross_entropy(lg, ys) + F.mse_loss(rc, xs64)


worst = check_gradients(summed_loss, list(model64.parameters()), rtol=1e-5)
print(f"CE + MSE: backward vs finite differences, worst relative gap {worst:.1e}")

# %% [markdown]
# ### A hook sees the total gradient at a fan-out
#
# The features $h$ feed both heads. A hook registered on $h$ (`h.register_hook(fn)`) is called
# once per backward pass with the **total** gradient reaching $h$: the sum of what the two heads
# send back. Check that against each head's contribution taken separately with `minigrad.grad`.

# %%
h, logits, recon = model64(xs64)
ce64, mse64 = F.cross_entropy(logits, ys), F.mse_loss(recon, xs64)
(g_ce,) = minigrad.grad(ce64, h, retain_graph=True)
(g_mse,) = minigrad.grad(mse64, h, retain_graph=True)
seen = []
handle = h.register_hook(lambda g: seen.append(g.numpy().copy()))
(ce64 + mse64).backward()
handle.remove()
assert len(seen) == 1, f"the hook on h ran {len(seen)} times; it should run once"
assert np.allclose(seen[0], g_ce.numpy() + g_mse.numpy(), rtol=1e-12, atol=1e-15)
print(f"hook on h: |total| = {np.linalg.norm(seen[0]):.4f} = |CE part + MSE part| "
      f"({np.linalg.norm(g_ce.numpy()):.4f} and {np.linalg.norm(g_mse.numpy()):.4f} alone)")

# %% [markdown]
# ## What to remember
#
# - A head's parameters get their own loss's gradient and nothing else; a shared parameter gets
#   the sum over every loss that reaches it. The engine does the adding, on every fan-out.
# - `(L1 + L2).backward()` equals `L1.backward(retain_graph=True); L2.backward()`: `.grad`
#   accumulates, which is also why every training step starts with `zero_grad()`.
# - Looking at per-loss gradients (`head_grads`, `minigrad.grad`) costs one backward pass per loss
#   and writes nothing into `.grad`.
#
# ## Exercises

# %%
# The checks, and how each answer is judged, live in lessons/lesson_checks (the instructor's side).
from lesson_checks import check  # noqa: E402

# %% [markdown]
# **Exercise 2.2** (assignment exercise 2.2 asks you to write the engine's accumulation into
# `.grad`). Predict, then check: after `ce.backward(retain_graph=True)` and `mse.backward()`, is
# `model.shared.weight.grad` a new tensor or the first one updated? What must the accumulation do
# when the first gradient arrives, so that later in-place additions do not change a tensor the
# user still holds?
#
# *Hand in:* 'same' or 'new'.

# %%
# Exercise 2.2: your work here; then replace None by your answer.
answer = None
check("2.2", answer)

# %% [markdown]
# **Exercise 2.4.** Add a third head (parity of the digit: even or odd, with
# `F.binary_cross_entropy_with_logits`) and redraw the graph and the bar chart. Which parameters
# carry three colours?
#
# *Hand in:* the names of the parameters carrying all three colours.

# %%
# Exercise 2.4: your work here; then replace None by your answer.
answer = None
check("2.4", answer)

# %% [markdown]
# **Exercise 2.5.** Put `h.detach()` into the decoder instead of `h`. Which bars disappear, and
# what does the decoder learn now? Check with `head_grads` and state the result as an `assert`.
#
# *Hand in:* the names of the parameters whose MSE bar disappears.

# %%
# Exercise 2.5: your work here; then replace None by your answer.
answer = None
check("2.5", answer)

# %% [markdown]
# **Exercise 2.6.** Register a hook on `h` (`h.register_hook`) that prints the norm of the gradient
# it receives. How many times does it run during `(ce + mse).backward()`, and during
# `ce.backward(retain_graph=True); mse.backward()`? Explain with the engine's rule that a hook sees
# the *total* gradient of its tensor in one backward pass.
#
# *Hand in:* (runs in (ce + mse).backward(), runs in the two separate backward calls).

# %%
# Exercise 2.6: your work here; then replace None by your answer.
answer = None
check("2.6", answer)
