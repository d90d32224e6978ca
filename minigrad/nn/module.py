"""``Module``: the base class of layers and models.

A Module keeps three registries, filled by plain attribute assignment:

* ``_parameters``: ``self.w = nn.Parameter(...)`` (what an optimizer updates);
* ``_buffers``: ``self.register_buffer("running_mean", t)`` (state that is saved, not learned);
* ``_modules``: ``self.trunk = nn.Linear(...)`` (submodules, searched recursively).

``parameters()`` walks the tree and yields every Parameter **once**, even when it is reachable
under several names: a trunk shared by two heads has one set of weights, whose gradient is the
sum of both heads' contributions, and an optimizer must step it once.
"""
from __future__ import annotations

import copy

from .. import backend
from ..ops.inplace import zero_grad_in_place
from ..tensor import RemovableHandle, Tensor
from . import _state
from .parameter import Parameter, mark


class Module:
    """Base class of every layer and model: subclass it, assign parts in ``__init__``, write
    ``forward``, and call the module like a function."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_forward_hooks", [])

    # ------------------------------------------------------------------ calling
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define "
                                  "forward(self, ...) in your Module subclass")

    def __call__(self, *args, **kwargs):
        out = self.forward(*args, **kwargs)
        if not self._forward_hooks:
            return out
        for hook in list(self._forward_hooks):
            res = hook(self, args, out)
            if res is not None:
                out = res
        return out

    def register_forward_hook(self, hook) -> RemovableHandle:
        """Call ``hook(module, inputs, output)`` after every forward (e.g. to record
        activations); a non-None return value replaces the output."""
        self._forward_hooks.append(hook)
        return RemovableHandle(self._forward_hooks, hook)

    # ------------------------------------------------------------------ registration
    def _registries(self, name):
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() has run: call "
                                 f"super().__init__() first in {type(self).__name__}.__init__")
        return d["_parameters"], d["_buffers"], d["_modules"]

    def __setattr__(self, name, value):
        if isinstance(value, Parameter):
            params, buffers, modules = self._registries(name)
            self.__dict__.pop(name, None)
            buffers.pop(name, None)
            modules.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            params, buffers, modules = self._registries(name)
            self.__dict__.pop(name, None)
            params.pop(name, None)
            buffers.pop(name, None)
            modules[name] = value
        elif name in self.__dict__.get("_parameters", ()):
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} of "
                    f"{type(self).__name__}: use nn.Parameter(...) (or None)")
            self._parameters[name] = None
        elif name in self.__dict__.get("_modules", ()):
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as submodule {name!r} of "
                                f"{type(self).__name__}: use a Module (or None)")
            self._modules[name] = None
        elif name in self.__dict__.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r} of "
                                f"{type(self).__name__}: use a Tensor (or None)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        params = d.get("_parameters")
        if params is not None and name in params:  # (the most frequent lookup: self.weight)
            return params[name]
        for reg in ("_buffers", "_modules"):
            table = d.get(reg)
            if table is not None and name in table:
                return table[name]
        hint = "" if "_parameters" in d else (
            f" (Module.__init__() has not run: call super().__init__() first in "
            f"{type(self).__name__}.__init__)")
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'{hint}")

    def __delattr__(self, name):
        for reg in ("_parameters", "_buffers", "_modules"):
            table = self.__dict__.get(reg)
            if table is not None and name in table:
                del table[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def _check_name(self, name, kind):
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{kind} name must be a non-empty string without '.', got {name!r}")
        known = name in self._parameters or name in self._buffers or name in self._modules
        if not known and name in self.__dict__:
            raise KeyError(f"attribute {name!r} already exists on {type(self).__name__}")

    def register_parameter(self, name: str, param) -> None:
        """Add a Parameter (or None) under ``name``; same as ``self.name = param``."""
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be an nn.Parameter or None, got "
                            f"{type(param).__name__}")
        self._modules.pop(name, None)
        self._buffers.pop(name, None)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Add a Tensor that is part of the module's state but not learned (e.g. running
        statistics). Persistent buffers appear in ``state_dict``."""
        self._check_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got "
                            f"{type(tensor).__name__}")
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module) -> None:
        """Add a submodule (or None) under ``name``; same as ``self.name = module``."""
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            hint = ""
            if callable(module):
                hint = (" (a plain function is not a Module: use the layer class, e.g. "
                        "nn.ReLU() instead of F.relu)")
            raise TypeError(f"{type(self).__name__}: {name!r} must be a Module, got "
                            f"{type(module).__name__}{hint}")
        self._parameters.pop(name, None)
        self._buffers.pop(name, None)
        self._modules[name] = module

    register_module = add_module

    # ------------------------------------------------------------------ walking the tree
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """``(name, module)`` for this module and every submodule (each module once)."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                           remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, table, prefix, recurse, remove_duplicate):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for mod_prefix, mod in mods:
            for name, t in getattr(mod, table).items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), t

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True):
        """``(dotted name, Parameter)`` pairs; a shared Parameter appears once, under the first
        name that reaches it."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True):
        """Every Parameter of this module and its submodules, each exactly once."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        """The submodule at a dotted path such as ``"trunk.0"``."""
        mod = self
        for part in target.split(".") if target else []:
            if part not in mod._modules or mod._modules[part] is None:
                raise AttributeError(f"{type(mod).__name__} has no submodule {part!r} (looking "
                                     f"up {target!r})")
            mod = mod._modules[part]
        return mod

    def apply(self, fn) -> Module:
        """Call ``fn(m)`` on every submodule (children first) and on ``self``."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ training helpers
    def train(self, mode: bool = True) -> Module:
        """Switch this module and its submodules to training (or evaluation) behaviour; it
        matters for layers like Dropout."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Same as ``train(False)``."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad`` (to None, or to zeros in place)."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                zero_grad_in_place(p)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (False) or unfreeze every parameter."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    # ------------------------------------------------------------------ device / dtype
    def to(self, *args, dtype=None, device=None) -> Module:
        """Move (``"cuda"``, ``"cpu"``) and/or cast (``minigrad.float64``) parameters and buffers
        **in place**: the Parameter objects stay the same, so an optimizer built before the
        move keeps working. Only floating-point tensors change dtype."""
        dtype, device = _state.parse_to_args(args, dtype, device)
        for t in [*self.parameters(), *self.buffers()]:
            _state.convert_in_place(t, dtype, device)
        return self

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self, device=0) -> Module:
        return self.to(f"cuda:{device}" if isinstance(device, int) else device)

    def float(self) -> Module:
        return self.to(backend.float32)

    def double(self) -> Module:
        return self.to(backend.float64)

    # ------------------------------------------------------------------ state
    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False) -> dict:
        """``{dotted name: tensor}`` for every parameter and persistent buffer, named as in
        PyTorch (``"0.weight"``, ``"trunk.bias"``). Values share memory with the module (take a
        ``minigrad.save`` or a copy to keep a snapshot)."""
        return _state.state_dict(self, destination, prefix, keep_vars)

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values from ``state_dict`` into this module's tensors, in place.

        Everything is checked first (missing keys, unexpected keys, shapes); on any problem it
        raises naming all of them and loads nothing. ``strict=False`` tolerates missing and
        unexpected keys and returns them as ``(missing_keys, unexpected_keys)``.
        """
        return _state.load_state_dict(self, state_dict, strict)

    def __deepcopy__(self, memo):
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            object.__setattr__(new, k, copy.deepcopy(v, memo))
        for p in new._parameters.values():  # copies are fresh Tensors: mark them again
            if p is not None:
                mark(p)
        return new

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (its settings)."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        children = [f"({name}): {_indent(repr(m))}" for name, m in self._modules.items()]
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = ([extra] if extra else []) + children
        return type(self).__name__ + "(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")
