# Lesson 11 source (percent format). Build the notebook with: python lessons/_src/build.py 11

# %% [markdown]
# # Lesson 11 — Running on a GPU
#
# **Objectives.** After this lesson you can
# - run the same minigrad code on a GPU by choosing a `device` (`"cuda"`) for tensors, models and
#   data, and keep it running on a machine without one (`"cpu"`);
# - say what stays on the device (every op, every gradient) and what goes to the host (`.numpy()`,
#   `.item()`, and the tiny m x m problems of the multi-task weightings);
# - check a GPU run against the CPU in float64, and read a simple timing comparison.
#
# Without a GPU (or without CuPy) the lesson runs everything on the CPU and checks its results;
# only the cells that compare CPU and GPU are skipped, and they print why.
#
# **Prerequisites.** Lesson 1 (a first network); lesson 10 for section 4. For a GPU: an NVIDIA GPU
# and minigrad installed with CuPy (`pip install -e ".[gpu]"`, or the `cupy-cudaXXx` wheel that
# matches your CUDA).
#
# **Estimated time.** 20 min.

# %%
# %matplotlib inline
import os
import sys
import time

import matplotlib.pyplot as plt
import numpy as np

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader, load_digits, train_test_split
from minigrad.multitask import MGDA, jacobian

sys.path.insert(0, os.environ.get("MINIGRAD_LESSONS", os.getcwd()))   # lessons/lesson_helpers
from lesson_helpers import spread  # noqa: E402

minigrad.manual_seed(0)
GPU = minigrad.cuda.is_available()
device = "cuda" if GPU else "cpu"
print(f"running on {device}" + ("" if GPU else " (minigrad.cuda.is_available() is False: no "
                                                 "CuPy, or no CUDA device visible)"))

# %% [markdown]
# ## 1. Tensors live on a device
#
# `device=` on any factory puts the array there (a CuPy array for `"cuda"`, a NumPy array for
# `"cpu"`). Every op on device tensors runs on that device and returns a tensor there; so does
# every gradient. `.numpy()` and `.item()` copy to the host (and wait for the GPU to finish).
# Mixing devices in one op is an error that names both devices: move one with `.to(device)`.

# %%
x = minigrad.randn(4, 3, device=device, requires_grad=True)
w = minigrad.randn(3, 2, device=device, requires_grad=True)
loss = (x @ w).tanh().sum()
loss.backward()
print(x.device, w.grad.device, type(w.grad.data).__module__)
assert x.device == w.grad.device == loss.device
assert isinstance(w.grad.numpy(), np.ndarray)            # always a host copy

if GPU:
    try:
        x + minigrad.ones(4, 3)                          # a CUDA tensor + a CPU tensor
        raise AssertionError("mixing devices should fail")
    except (RuntimeError, ValueError) as err:
        print("mixing devices:", str(err)[:160])
else:
    try:
        minigrad.zeros(2, device="cuda")
    except RuntimeError as err:
        print("asking for 'cuda' here:", str(err)[:160])

# %% [markdown]
# ## 2. The same training code, on `device`
#
# Lesson 1's network, with three changes: the data are loaded onto `device`, the model is moved
# with `.to(device)`, and nothing else. The optimizer, the loss, `backward()` and the loader
# work on whatever device their tensors are on.

# %%
X, y = load_digits(device=device)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=True, seed=0)
def train_on_device(seed, epochs=8):
    """Lesson 1's MLP trained on ``device`` from ``seed``; return (model, losses, test accuracy)."""
    minigrad.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)).to(device=device)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for epoch in range(epochs):
        for xb, yb in DataLoader((X_train, y_train), batch_size=64, shuffle=True, seed=seed):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    with minigrad.no_grad():
        acc = (model(X_test).argmax(dim=1) == y_test).float().mean().item()
    return model, losses, acc


start = time.perf_counter()
model, losses, acc = train_on_device(0)
seconds = time.perf_counter() - start
print(f"{len(losses)} steps on {device} in {seconds:.2f} s; test accuracy {acc:.3f}")
assert all(p.device == X_train.device for p in model.parameters())
# The accuracy over 5 seeds (initial weights and batch order), as in lesson 1:
seed_accs = spread([acc] + [train_on_device(s)[2] for s in range(1, 5)])
assert seed_accs.min() > 0.93

fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
ax.semilogy(losses, lw=0.8, label=f"cross-entropy per mini-batch ({device})")
ax.set_title(f"Training on {device}")
ax.set_xlabel("step")
ax.set_ylabel("loss (log scale)")
ax.legend()
plt.show()

# %% [markdown]
# ## 3. CPU and GPU agree (GPU only)
#
# The same model from the same initial weights, trained for 20 steps in float64 on each device:
# the parameters agree to better than 1e-9, the bound the cell asserts (the GPU adds in a
# different order, so not to the last bit; the README's GPU tests hold 20 steps to 1e-10).

# %%
def train_copy(dev, steps=20):
    minigrad.manual_seed(1)
    m = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10)).to(dtype=minigrad.float64)
    m = m.to(device=dev)
    o = optim.SGD(m.parameters(), lr=0.5)
    Xd = X_train[:256].to(dev).to(minigrad.float64)
    yd = y_train[:256].to(dev)
    for _ in range(steps):
        o.zero_grad()
        F.cross_entropy(m(Xd), yd).backward()
        o.step()
    return [p.detach().numpy() for p in m.parameters()]


if GPU:
    on_cpu, on_gpu = train_copy("cpu"), train_copy("cuda")
    worst = max(float(np.abs(a - b).max()) for a, b in zip(on_cpu, on_gpu))
    print(f"largest difference between CPU and GPU parameters after 20 steps: {worst:.1e}")
    assert worst < 1e-9
else:
    print("skipped: no CUDA GPU here (minigrad.cuda.is_available() is False), so there is no "
          "GPU run to compare with the CPU")
    on_cpu = train_copy("cpu")

# %% [markdown]
# Whatever the device, the gradient that trained the model must be right. Check it against finite
# differences of the forward pass (no backward rule involved) along one random direction per
# parameter, for the model of this section on `device`:

# %%
from lesson_checks.gradients import check_gradients  # noqa: E402  (lesson 2's check)

minigrad.manual_seed(1)
m64 = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10)).to(dtype=minigrad.float64)
m64 = m64.to(device=device)
X64, y64 = X_train[:32].to(device).to(minigrad.float64), y_train[:32].to(device)
worst = check_gradients(lambda: F.cross_entropy(m64(X64), y64), list(m64.parameters()),
                        rtol=1e-5)
print(f"cross-entropy on {device}: backward vs finite differences, worst relative gap "
      f"{worst:.1e}")

# %% [markdown]
# ## 4. Multi-task weightings: the Jacobian stays on the device, the small solve goes to the host
#
# A weighting such as MGDA needs the $m\times m$ Gramian $JJ^\top$ of the per-task gradients.
# minigrad
# computes $J$ on the device, copies only the $m\times m$ matrix to the host, solves the tiny
# problem
# there in float64, and returns the direction on $J$'s device.

# %%
theta = minigrad.randn(1000, device=device, requires_grad=True)
targets = [minigrad.randn(1000, device=device) for _ in range(3)]
task_losses = [((theta - t) ** 2).mean() for t in targets]
J = jacobian(task_losses, [theta])
d = MGDA()(J)
print("J:", J.shape, J.device, "  direction:", d.shape, d.device)
assert J.shape == (3, 1000) and d.device == J.device
Jn, dn = J.numpy(), d.numpy()
assert np.all(Jn @ dn >= dn @ dn - 1e-5)                 # no task gets worse
# J's rows against the closed form d mean((theta - t)^2) / d theta = 2 (theta - t) / n, and one
# backward of the summed losses (theta fans out to three losses) against the sum of the rows:
by_hand = np.stack([2 * (theta.detach().numpy() - t.numpy()) / 1000 for t in targets])
assert np.allclose(Jn, by_hand, rtol=1e-5, atol=1e-8)
sum(task_losses).backward()
assert np.allclose(theta.grad.numpy(), by_hand.sum(axis=0), rtol=1e-5, atol=1e-8)

# %% [markdown]
# ## 5. When is the GPU faster? (timing; the GPU line only with a GPU)
#
# A forward and backward pass of `(A @ B).sum()` for square matrices of growing size. On small
# problems the GPU loses: every op pays a launch and Python overhead of some microseconds. On
# large ones it wins by far. (`.item()` waits for the GPU, so the timings are honest.)

# %%
def time_matmul(n, dev, repeat=3):
    A = minigrad.randn(n, n, device=dev, requires_grad=True)
    B = minigrad.randn(n, n, device=dev, requires_grad=True)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        (A @ B).sum().backward()
        A.grad.sum().item()                              # wait for the device
        best = min(best, time.perf_counter() - start)
        A.grad = B.grad = None
    return best


sizes = [32, 64, 128, 256, 512]
cpu_times = [time_matmul(n, "cpu") for n in sizes]
fig, ax = plt.subplots(figsize=(6, 3.8), layout="constrained")
ax.loglog(sizes, cpu_times, "o-", label="CPU (NumPy)")
if GPU:
    time_matmul(64, "cuda")                              # warm-up: CuPy compiles kernels once
    gpu_sizes = sizes + [1024, 2048, 4096]
    gpu_times = [time_matmul(n, "cuda") for n in gpu_sizes]
    ax.loglog(gpu_sizes, gpu_times, "s-", label="GPU (CuPy)")
    print("GPU / CPU time:", {n: round(g / c, 2) for n, g, c in zip(sizes, gpu_times, cpu_times)})
else:
    print("skipped the GPU timings: no CUDA GPU here (minigrad.cuda.is_available() is False)")
ticks = gpu_sizes if GPU else sizes
ax.minorticks_off()
ax.set_xticks(ticks, [str(n) for n in ticks])
ax.set_title("Forward + backward of (A @ B).sum()")
ax.set_xlabel("matrix size n (n x n)")
ax.set_ylabel("seconds (best of 3)")
ax.legend()
# A matmul costs ~n^3 operations: 16x the size is far more than 16x the time on the CPU, even
# with the Python overhead that dominates the smallest size.
assert cpu_times[-1] > 16 * cpu_times[0], f"CPU times {cpu_times} do not grow with n"

# %% [markdown]
# ## What to remember
#
# - `device="cuda"` moves tensors, models (`.to(device)`), data and optimizer state; the code is
#   otherwise the same, and mixing devices raises an error naming both.
# - `.numpy()` and `.item()` copy to the host (and wait for the GPU); keep them out of inner
#   loops.
# - In float64 the CPU and the GPU agree to better than 1e-9 after 20 SGD steps (not to the last
#   bit: the GPU adds in another order); the gradient is checked against finite differences on
#   whichever device runs the lesson.
# - The GPU wins only on large enough problems: below that, launch and Python overhead dominate.
#
# ## Exercises

# %%
# The checks, and how each answer is judged, live in lessons/lesson_checks (the instructor's side).
from lesson_checks import check  # noqa: E402

# %% [markdown]
# **Exercise 11.1.** Time one training step of section 2's network on the CPU and the GPU for
# batch sizes 64, 1024 and 16384 (repeat the data to get enough rows). From which batch size on
# does the GPU win? Why does it lose on small batches?
#
# *Hand in:* the batch size from which the GPU wins (or 'never', or 'no gpu').

# %%
# Exercise 11.1: your work here; then replace None by your answer.
answer = None
check("11.1", answer)

# %% [markdown]
# **Exercise 11.2.** Run lesson 10's two-head training with `aggregate(..., weighting=MGDA())` on
# `device`. Check with `head_grads` that the per-task gradients and the combined direction stay on
# the device, and measure how much of a step the host solve takes.
#
# *Hand in:* the device of the combined direction (e.g. str(d.device)).

# %%
# Exercise 11.2: your work here; then replace None by your answer.
answer = None
check("11.2", answer)
