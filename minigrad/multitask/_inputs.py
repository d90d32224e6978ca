"""Checking and naming what users hand to :mod:`minigrad.multitask`: losses and parameters.

Every public function here takes losses as a dict ``{name: scalar Tensor}`` (the names appear
in results and in error messages) or as a list (named ``losses[0]``, ``losses[1]``, ...), and
parameters as a list of Tensors, a dict ``{name: Tensor}`` or ``(name, Tensor)`` pairs such as
``model.named_parameters()``. Errors name the loss or parameter at fault and say what to do.
"""
from __future__ import annotations

import math

from ..tensor import Tensor


def named_losses(losses, fn: str, check_finite: bool = True) -> list[tuple[str, Tensor]]:
    """``[(name, loss), ...]`` after checking each loss is a finite scalar that can be
    differentiated, and that all of them live on one device."""
    if isinstance(losses, Tensor):
        raise TypeError(
            f"{fn}: expected several losses (a dict {{name: scalar Tensor}} or a list), got one "
            f"Tensor of shape {losses.shape}; pass e.g. {{'task_a': loss_a, 'task_b': loss_b}}")
    if isinstance(losses, dict):
        items = [(str(k), v) for k, v in losses.items()]
    else:
        items = [(f"losses[{i}]", v) for i, v in enumerate(losses)]
    if not items:
        raise ValueError(f"{fn}: no losses were given")
    first_device = None
    for name, loss in items:
        if not isinstance(loss, Tensor):
            raise TypeError(f"{fn}: loss {name!r} is a {type(loss).__name__}, not a minigrad "
                            "Tensor; compute it with minigrad ops so it has a graph")
        if loss.numel() != 1:
            raise ValueError(
                f"{fn}: loss {name!r} has shape {loss.shape}, but each loss must be a scalar "
                "(one element); reduce it first, e.g. loss.mean() or loss.sum()")
        if not loss.requires_grad:
            raise ValueError(
                f"{fn}: loss {name!r} does not require grad: it was not computed from any "
                "tensor with requires_grad=True (or it was computed under no_grad())")
        if check_finite:
            value = float(loss.detach().item())  # one host sync per loss
            if not math.isfinite(value):
                raise ValueError(
                    f"{fn}: loss {name!r} is {value}; find where it stopped being finite "
                    "(run the forward pass under minigrad.detect_anomaly(), look for log(0), "
                    "division by zero or a too-large learning rate)")
        if first_device is None:
            first_device = (name, loss.device)
        elif loss.device != first_device[1]:
            raise ValueError(
                f"{fn}: loss {name!r} is on {loss.device} but loss {first_device[0]!r} is on "
                f"{first_device[1]}; compute all losses on one device")
    return items


def named_params(params, fn: str, what: str = "params") -> list[tuple[str, Tensor]]:
    """``[(name, tensor), ...]`` from a list, a dict or ``(name, tensor)`` pairs. A tensor's
    own ``.name`` is used when the list gives none."""
    if params is None:
        return []
    if isinstance(params, Tensor):
        params = [params]
    if isinstance(params, dict):
        items = [(str(k), v) for k, v in params.items()]
    else:
        items = []
        for k, p in enumerate(params):
            if isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str):
                items.append(p)
            else:
                label = getattr(p, "name", None) or f"{what}[{k}]"
                items.append((label, p))
    seen: dict = {}
    for name, p in items:
        if not isinstance(p, Tensor):
            raise TypeError(f"{fn}: {what} entry {name!r} is a {type(p).__name__}, not a Tensor")
        if not p.requires_grad:
            raise ValueError(
                f"{fn}: parameter {name!r} (shape {p.shape}) does not require grad; create it "
                "with requires_grad=True or leave it out")
        if id(p) in seen:
            raise ValueError(f"{fn}: parameter {name!r} appears twice in {what} (also as "
                             f"{seen[id(p)]!r}); list each tensor once")
        seen[id(p)] = name
    return items


def check_devices(losses, params, fn: str) -> None:
    """Raise if a parameter lives on another device than the losses."""
    if not losses:
        return
    lname, ldev = losses[0][0], losses[0][1].device
    for pname, p in params:
        if p.device != ldev:
            raise ValueError(
                f"{fn}: parameter {pname!r} is on {p.device} but loss {lname!r} is on {ldev}; "
                f"move the model and the data to one device (e.g. .to({ldev!r}))")


def param_label(name: str, p: Tensor) -> str:
    return f"{name!r} (shape {p.shape})"


def loss_values(losses, fn: str, num_tasks: int | None = None) -> list[float]:
    """Plain floats from losses given as values: a dict or a list of numbers or one-element
    Tensors, with or without grad (e.g. computed under ``no_grad()``). For the ``update``
    methods, which need only the numbers."""
    if isinstance(losses, Tensor):
        if losses.ndim != 1:
            raise ValueError(f"{fn}: expected one value per loss (a dict, a list or a 1-D "
                             f"Tensor), got a Tensor of shape {losses.shape}")
        items = [(f"losses[{i}]", v) for i, v in enumerate(losses.detach().tolist())]
    elif isinstance(losses, dict):
        items = [(str(k), v) for k, v in losses.items()]
    else:
        try:
            items = [(f"losses[{i}]", v) for i, v in enumerate(losses)]
        except TypeError:
            raise TypeError(f"{fn}: expected the losses as a dict or a list of numbers or "
                            f"scalar Tensors, got {type(losses).__name__}") from None
    if num_tasks is not None and len(items) != num_tasks:
        raise ValueError(f"{fn}: built for {num_tasks} losses but got {len(items)}")
    out = []
    for name, v in items:
        if isinstance(v, Tensor):
            if v.numel() != 1:
                raise ValueError(f"{fn}: loss {name!r} has shape {v.shape}; each loss must be "
                                 "a scalar (reduce it first, e.g. loss.mean())")
            v = v.detach().item()
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise TypeError(f"{fn}: loss {name!r} is a {type(v).__name__}, not a number or a "
                            "scalar Tensor") from None
        if not math.isfinite(v):
            raise ValueError(f"{fn}: loss {name!r} is {v}; the losses must be finite")
        out.append(v)
    return out
