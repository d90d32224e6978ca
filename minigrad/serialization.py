"""``minigrad.save(obj, f)`` and ``minigrad.load(f)``: checkpoints without pickle.

A checkpoint is an ordinary NumPy ``.npz`` archive: one entry per array (``a0``, ``a1``, ...)
plus ``__minigrad_index__``, a JSON document (stored as bytes) describing the structure that
held them. What can be saved is therefore exactly what JSON and arrays can say:

* dicts (string or int keys), lists, tuples, strings, ints, floats, bools and None, nested;
* minigrad Tensors (GPU tensors are copied to the host first; ``requires_grad`` is kept) and
  NumPy arrays of numbers.

Anything else (a function, a Module, an arbitrary object) raises ``TypeError`` at save time,
naming where it sits. Loading uses ``np.load(..., allow_pickle=False)`` and only ever builds the
types above, so opening a checkpoint can never run code. Save ``model.state_dict()`` and
``optimizer.state_dict()``, not the objects themselves.
"""
from __future__ import annotations

import json
import os
import zipfile

import numpy as np

from . import backend
from .tensor import Tensor

FORMAT = "minigrad-checkpoint"
VERSION = 1
_INDEX = "__minigrad_index__"


class _Writer:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def add(self, arr: np.ndarray, where: str) -> str:
        if arr.dtype.kind not in "biufc":
            raise TypeError(f"save: {where} is an array of dtype {arr.dtype}; only numeric and "
                            "bool arrays can be saved")
        key = f"a{len(self.arrays)}"
        self.arrays[key] = np.asarray(arr, order="C")
        return key

    def encode(self, obj, where: str):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, (int, float)):
            return obj
        if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
            return obj.item()
        if isinstance(obj, Tensor):
            host = np.array(backend.to_numpy(obj.data), copy=True)
            return {"tensor": self.add(host, where), "requires_grad": bool(obj.requires_grad)}
        if backend.is_array(obj):
            return {"array": self.add(np.array(backend.to_numpy(obj), copy=True), where)}
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if not isinstance(k, (str, int)) or isinstance(k, bool):
                    raise TypeError(f"save: {where} has a key {k!r} of type {type(k).__name__}; "
                                    "only str and int keys can be saved")
                items.append([k, self.encode(v, f"{where}[{k!r}]")])
            return {"dict": items}
        if isinstance(obj, (list, tuple)):
            tag = "list" if isinstance(obj, list) else "tuple"
            return {tag: [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        kind = type(obj).__name__
        hint = ""
        if hasattr(obj, "state_dict"):
            hint = f"; save its state_dict() instead (e.g. minigrad.save({kind.lower()}" \
                   ".state_dict(), path))"
        raise TypeError(f"save: {where} is a {kind}, which minigrad checkpoints cannot hold "
                        f"(they keep dicts, lists, tuples, str, numbers, None and tensors){hint}")


def save(obj, f) -> None:
    """Write ``obj`` (e.g. ``{"model": model.state_dict(), "optim": opt.state_dict()}``) to the
    path or binary file object ``f``. The path is used as given (no extension is added)."""
    writer = _Writer()
    root = writer.encode(obj, "obj")
    index = json.dumps({"format": FORMAT, "version": VERSION, "root": root}, allow_nan=True)
    entries = dict(writer.arrays)
    entries[_INDEX] = np.frombuffer(index.encode("utf-8"), dtype=np.uint8)
    if hasattr(f, "write"):
        np.savez(f, **entries)
        return
    path = os.fspath(f)
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **entries)
        os.replace(tmp, path)  # never leave a half-written checkpoint under the real name
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


class _Reader:
    def __init__(self, npz, name):
        self.npz, self.name = npz, name

    def array(self, key):
        if key not in self.npz.files:
            raise ValueError(f"load: {self.name} is damaged: entry {key!r} is missing")
        try:
            arr = self.npz[key]
        except ValueError as exc:  # an object array: it would need unpickling
            raise ValueError(f"load: {self.name} entry {key!r} holds pickled Python objects, "
                             "which minigrad never unpickles (not a minigrad checkpoint)"
                             ) from exc
        if arr.dtype.kind not in "biufc":
            raise ValueError(f"load: {self.name} entry {key!r} holds {arr.dtype} data, not "
                             "numbers (not a minigrad checkpoint)")
        return arr

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, dict) and len(node) >= 1:
            if "tensor" in node:
                t = Tensor(np.array(self.array(node["tensor"])))
                if node.get("requires_grad") and backend.is_floating(t.dtype):
                    t.requires_grad_(True)
                return t
            if "array" in node:
                return np.array(self.array(node["array"]))
            if "dict" in node:
                return {k: self.decode(v) for k, v in node["dict"]}
            if "list" in node:
                return [self.decode(v) for v in node["list"]]
            if "tuple" in node:
                return tuple(self.decode(v) for v in node["tuple"])
        raise ValueError(f"load: {self.name} is damaged: unknown entry {str(node)[:60]!r}")


def load(f, map_location=None):
    """Read a checkpoint written by :func:`save`. Tensors come back on the CPU, or on
    ``map_location`` (e.g. ``"cuda"``). A file that is not a minigrad checkpoint (or is
    truncated) raises ``ValueError`` saying so."""
    name = repr(os.fspath(f)) if not hasattr(f, "read") else "the file object"
    try:
        npz = np.load(f, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, NotImplementedError,
            RuntimeError) as exc:
        raise ValueError(f"load: {name} is not a minigrad checkpoint (not a complete .npz "
                         f"archive: {exc}); it may be truncated or another kind of file") from exc
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise ValueError(f"load: {name} is a single .npy array, not a minigrad checkpoint")
    with npz:
        try:
            if _INDEX not in npz.files:
                raise ValueError(f"load: {name} is an .npz archive but not a minigrad checkpoint "
                                 f"(no {_INDEX} entry); read it with numpy.load")
            index = json.loads(bytes(npz[_INDEX]).decode("utf-8"))
            if not isinstance(index, dict) or index.get("format") != FORMAT:
                raise ValueError(f"load: {name} has an index that is not a minigrad checkpoint's")
            if index.get("version", 0) > VERSION:
                raise ValueError(f"load: {name} was written by a newer minigrad (checkpoint "
                                 f"format {index['version']}, this one reads {VERSION}); update")
            obj = _Reader(npz, name).decode(index["root"])
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, TypeError,
                NotImplementedError, RuntimeError) as exc:  # (zipfile: a flipped bit in a
            # header's compression method or encryption flag)
            if isinstance(exc, ValueError) and str(exc).startswith("load: "):
                raise  # already says what is wrong
            raise ValueError(f"load: {name} is damaged or truncated ({exc})") from exc
    if map_location is not None:
        obj = _move(obj, backend.normalize_device(map_location))
    return obj


def _move(obj, device):
    if isinstance(obj, Tensor):
        moved = Tensor(backend.to_device(obj.data, device))
        moved._rg = obj._rg
        return moved
    if isinstance(obj, dict):
        return {k: _move(v, device) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_move(v, device) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_move(v, device) for v in obj)
    return obj

