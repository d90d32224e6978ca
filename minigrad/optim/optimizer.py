"""``Optimizer``: parameter groups, per-parameter state, ``zero_grad``, ``step``, state dicts.

An optimizer holds *references* to leaf tensors (any leaf with ``requires_grad``, Parameter or
not) and updates their arrays **in place**, so models, other optimizers and views all see the new
values. Several optimizers may share tensors (two heads over one trunk, alternating updates);
each keeps its own state. Subclasses write one method, ``_update(p, grad, group, state)``, on raw
arrays: the update is not part of any graph.
"""
from __future__ import annotations

import copy
import inspect

from .. import backend
from ..ops.inplace import zero_grad_in_place
from ..tensor import Tensor


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


def describe(p: Tensor, name=None) -> str:
    """How an error message names a tensor: its name if it has one, else its shape."""
    label = name or p.name
    desc = f"of shape {p.shape}, {p.dtype}"
    return f"{label!r} ({desc})" if label else f"tensor {desc}"


class Optimizer:
    """Base class: ``Optimizer(params, defaults)``.

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs (``model.named_parameters()``)
    or of dicts (parameter groups, each with its own hyper-parameters, e.g.
    ``[{"params": trunk.parameters()}, {"params": head.parameters(), "lr": 1e-2}]``).
    """

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.state: dict = {}
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor) or isinstance(params, dict):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of Tensors or of dicts, got a "
                f"single {type(params).__name__}; wrap it in a list, e.g. [w]")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list (is the model "
                             "empty, or was a generator like model.parameters() used up?)")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of tensors with its own hyper-parameters (missing ones take the
        optimizer's defaults). A tensor already handled by this optimizer is refused."""
        cls = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{cls}.add_param_group: expected a dict, got "
                            f"{type(param_group).__name__}")
        group = dict(param_group)
        raw = group.get("params")
        if raw is None:
            raise ValueError(f"{cls}.add_param_group: the group has no 'params' entry")
        raw = [raw] if isinstance(raw, Tensor) else list(raw)
        params, names = [], []
        for k, item in enumerate(raw):
            name = None
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                name, item = item
            if not isinstance(item, Tensor):
                raise TypeError(f"{cls}: parameter {k} of group {len(self.param_groups)} is a "
                                f"{type(item).__name__}; optimizers take Tensors")
            if item.grad_fn is not None:
                raise ValueError(
                    f"{cls}: can't optimize a non-leaf tensor ({describe(item, name)}, made by "
                    f"{item.grad_fn.name}); optimize the leaf it was computed from")
            if not backend.is_floating(item.dtype):
                raise TypeError(f"{cls}: can't optimize {describe(item, name)}: only floating "
                                "tensors have gradients")
            params.append(item)
            names.append(name)
        self._check_duplicates(params, names)
        group["params"] = params
        if any(n is not None for n in names):
            if not all(n is not None for n in names):
                raise ValueError(f"{cls}: a group mixes named and unnamed parameters; give all "
                                 "as (name, tensor) pairs or none")
            group["param_names"] = names
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"{cls}: parameter group didn't specify a value of required "
                                 f"hyper-parameter {key!r}")
            group.setdefault(key, default)
        try:
            self._validate(group)
        except TypeError:  # a comparison failed: name the hyper-parameter that is no number
            self._explain_types(group)
            raise
        self.param_groups.append(group)

    def _check_duplicates(self, params, names):
        seen = {}
        for gi, g in enumerate(self.param_groups):
            for pi, p in enumerate(g["params"]):
                seen[id(p)] = (gi, pi)
        gi_new = len(self.param_groups)
        for pi, (p, name) in enumerate(zip(params, names)):
            where = seen.get(id(p))
            if where is not None:
                raise ValueError(
                    f"{type(self).__name__}: {describe(p, name)} is given twice (parameter "
                    f"{where[1]} of group {where[0]} and parameter {pi} of group {gi_new}); "
                    "give each tensor to an optimizer once (a shared layer is still one set of "
                    "tensors)")
            seen[id(p)] = (gi_new, pi)

    def _validate(self, group: dict) -> None:
        """Subclasses check their hyper-parameters here."""

    def _explain_types(self, group: dict) -> None:
        """Raise a TypeError naming a hyper-parameter that is not a number (``lr="0.1"``);
        called when ``_validate`` failed with a TypeError (a comparison with a number)."""
        sig = inspect.signature(type(self).__init__).parameters
        for key in self.defaults:
            value = group.get(key)
            many = key in sig and isinstance(sig[key].default, tuple)  # betas=(0.9, 0.999)
            for v in value if many and isinstance(value, (tuple, list)) else (value,):
                if v is None or isinstance(v, bool) or _is_number(v):
                    continue
                raise TypeError(
                    f"{type(self).__name__}: {key} must be {'numbers' if many else 'a number'}, "
                    f"got {v!r} (of type {type(v).__name__}) in {key}={value!r}; pass floats, "
                    f"e.g. {key}={'(0.9, 0.999)' if many else '0.01'}")

    def _check(self, ok: bool, what: str, value) -> None:
        if not ok:
            raise ValueError(f"{type(self).__name__}: invalid {what}: {value!r}")

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the ``.grad`` of every tensor this optimizer updates (to None by default)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    zero_grad_in_place(p)

    def step(self, closure=None):
        """Update every tensor that has a ``.grad``; tensors without one are skipped. A
        ``closure`` (re-computing and back-propagating the loss) is called first; its loss is
        returned."""
        loss = None
        if closure is not None:
            from ..autograd import enable_grad

            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {}
                self._update(p, p.grad.array, group, state)
        return loss

    def _update(self, p: Tensor, grad, group: dict, state: dict) -> None:
        """One parameter's update rule: each optimizer subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define _update (abstract method)")

    @staticmethod
    def _write(p: Tensor, value) -> None:
        """Store ``value`` in ``p``'s array in place (aliases see it) and bump its version."""
        try:
            p.array[...] = value
        except (ValueError, TypeError):  # read-only array (e.g. a broadcast view): replace it
            p.array = backend.copy(value)
        p._vc[0] += 1  # (p._version += 1)

    # ------------------------------------------------------------------ state dicts
    def state_dict(self) -> dict:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}`` as in
        PyTorch: tensors are numbered across groups in order, so the dict holds no tensor
        identities and can be saved with ``minigrad.save``."""
        index, groups, n = {}, [], 0
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            packed["params"] = list(range(n, n + len(g["params"])))
            for p in g["params"]:
                index[id(p)] = n
                n += 1
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        state = dict(sorted(state.items()))
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and state saved by ``state_dict`` into this optimizer, whose
        groups must have the same sizes. Everything is checked before anything changes: each
        state array must be of real numbers and have its parameter's shape (0-d entries, like a
        step count, excepted). State tensors are copied to each parameter's device (floating
        ones to its dtype)."""
        cls = type(self).__name__
        if not isinstance(state_dict, dict) or not isinstance(state_dict.get("state"), dict) \
                or not isinstance(state_dict.get("param_groups"), (list, tuple)):
            raise ValueError(f"{cls}.load_state_dict: expected a dict with a 'state' dict and a "
                             "'param_groups' list, as optimizer.state_dict() returns")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{cls}.load_state_dict: the state dict has {len(saved_groups)} "
                             f"parameter group(s), this optimizer {len(self.param_groups)}")
        id_map = {}
        for gi, (g, sg) in enumerate(zip(self.param_groups, saved_groups)):
            if not isinstance(sg, dict) or not isinstance(sg.get("params"), (list, tuple)):
                raise ValueError(f"{cls}.load_state_dict: saved group {gi} is not a dict with a "
                                 "'params' list")
            if len(g["params"]) != len(sg["params"]):
                raise ValueError(f"{cls}.load_state_dict: group {gi} has {len(sg['params'])} "
                                 f"parameter(s) in the state dict but {len(g['params'])} here")
            for k, p in zip(sg["params"], g["params"]):
                id_map[int(k)] = p
        new_state = {}
        for k, s in state_dict["state"].items():
            p = id_map.get(int(k))
            if p is None:
                raise ValueError(f"{cls}.load_state_dict: state for parameter index {k} but no "
                                 "such parameter")
            if not isinstance(s, dict):
                raise ValueError(f"{cls}.load_state_dict: the state of parameter {k} is a "
                                 f"{type(s).__name__}, expected a dict")
            for name, v in s.items():
                _check_state(cls, k, name, v, p)
            new_state[p] = {name: _cast_state(name, v, p) for name, v in s.items()}
        for g, sg in zip(self.param_groups, saved_groups):
            keep = {"params": g["params"]}
            if "param_names" in g:
                keep["param_names"] = g["param_names"]
            g.clear()
            g.update({k: copy.deepcopy(v) for k, v in sg.items()
                      if k not in ("params", "param_names")})
            g.update(keep)
        self.state = new_state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(g):
                if k not in ("params", "param_names"):
                    lines.append(f"    {k}: {g[k]}")
        return "\n".join(lines) + "\n)"


def _check_state(cls, k, name, value, p: Tensor) -> None:
    """Refuse a saved state entry that could not be this parameter's: a non-numeric or complex
    array, or an array of another shape (it would broadcast silently or fail mid-step)."""
    if not (isinstance(value, Tensor) or backend.is_array(value)):
        return
    arr = value.array if isinstance(value, Tensor) else value
    dtype = backend.dtype_of(arr)
    where = f"{cls}.load_state_dict: state {name!r} of parameter {k} ({describe(p)})"
    if dtype.kind not in "biuf":
        raise ValueError(f"{where} is an array of {dtype}; optimizer state holds real numbers")
    if arr.ndim and tuple(arr.shape) != p.shape:
        raise ValueError(f"{where} has shape {tuple(arr.shape)} in the state dict; it must be "
                         f"{p.shape} like its parameter (is the state dict from another model?)")


def _cast_state(name, value, p: Tensor):
    """A copy of one saved state entry, on ``p``'s device; floating arrays in ``p``'s dtype."""
    if isinstance(value, Tensor) or backend.is_array(value):
        arr = value.array if isinstance(value, Tensor) else value
        same = backend.device_of(arr) == p.device
        arr = backend.copy(arr) if same else backend.to_device(arr, p.device)
        xp = backend.namespace(arr)
        if backend.is_floating(backend.dtype_of(arr)) and backend.dtype_of(arr) != p.dtype:
            arr = xp.astype(arr, backend.native_dtype(xp, p.dtype))
        return Tensor(arr)
    return copy.deepcopy(value)


def _is_number(v) -> bool:
    """True for what ``float()`` takes, strings excepted (``lr="0.1"`` is a mistake)."""
    if isinstance(v, str):
        return False
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True
