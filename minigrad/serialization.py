"""``minigrad.save(obj, f)`` and ``minigrad.load(f)``: checkpoints without pickle.

A checkpoint is an ordinary NumPy ``.npz`` archive: one entry per array (``a0``, ``a1``, ...)
plus ``__minigrad_index__``, a JSON document (stored as bytes) describing the structure that
held them. What can be saved is therefore exactly what JSON and arrays can say:

* dicts (string or int keys), lists, tuples, strings, ints, floats, bools and None, nested;
* minigrad Tensors (GPU tensors are copied to the host first; ``requires_grad`` is kept) and
  NumPy arrays of real numbers or bools (complex, string and object arrays are refused).

Anything else (a function, a Module, an arbitrary object) raises ``TypeError`` at save time,
naming where it sits. Save ``model.state_dict()`` and ``optimizer.state_dict()``, not the
objects themselves.

Safety, because checkpoints get downloaded and shared:

* ``load`` reads the archive itself (``zipfile`` + the ``.npy`` header) and only ever builds the
  types above: an object array is refused from its header, so opening a file never unpickles.
* ``load`` caps what it allocates (``max_bytes``; by default the file's own size plus 64 MiB,
  since ``save`` never compresses): a zip bomb, a forged header claiming a huge shape, or one
  entry referenced many times by the index is refused with a ``ValueError`` before the memory
  is taken.
* ``save`` to a path writes a new file, created exclusively (``O_EXCL``, ``O_NOFOLLOW``) under
  a random name in the target folder, then renames it over the target: a half-written
  checkpoint never appears under the real name, and a symlink planted at a temporary name is
  never followed. A target that is a symlink is replaced by the new file, not written through.
"""
from __future__ import annotations

import json
import os
import secrets
import zipfile
from typing import Any

import numpy as np

from . import backend
from .tensor import Tensor

FORMAT = "minigrad-checkpoint"
VERSION = 1
_INDEX = "__minigrad_index__"
SLACK_BYTES = 64 * 2**20  # what a load may allocate beyond the file's own size, by default
_KINDS = "biuf"  # bool, signed/unsigned integers, real floats


def _raw(t: Tensor):
    """The array behind a Tensor (the one place to change if ``.array`` becomes a Tensor)."""
    return t.array


def _kind_problem(dtype: np.dtype) -> str | None:
    """Why arrays of ``dtype`` are not checkpoint material, or None when they are."""
    if dtype.hasobject:
        return "holds pickled Python objects, which minigrad never unpickles"
    if dtype.kind == "c":
        return f"holds complex numbers ({dtype}), which minigrad does not support"
    if dtype.kind not in _KINDS or dtype.fields is not None or dtype.subdtype is not None:
        return f"holds {dtype} data, not numbers"
    return None


class _Writer:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def add(self, arr: np.ndarray, where: str) -> str:
        problem = _kind_problem(arr.dtype)
        if problem:
            raise TypeError(f"save: {where} is an array of dtype {arr.dtype} that {problem}; "
                            "only arrays of real numbers and bools can be saved")
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
            host = np.array(backend.to_numpy(_raw(obj)), copy=True)
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


def _temp_name(folder: str, base: str) -> str:
    """A fresh unpredictable name for the temporary file, next to the target (same folder, so
    the final rename is atomic)."""
    return os.path.join(folder, f".{base}.{secrets.token_hex(8)}.tmp")


def _create_exclusive(folder: str, base: str, attempts: int = 16):
    """Create and open a new file that did not exist before: ``O_EXCL`` refuses any existing
    name, a planted symlink included (``O_NOFOLLOW`` too, where the platform has it)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | \
        getattr(os, "O_BINARY", 0)
    for _ in range(attempts):
        tmp = _temp_name(folder, base)
        try:
            return tmp, os.open(tmp, flags, 0o666)  # the umask applies, as for open(path, "wb")
        except FileExistsError:
            continue  # someone (or something) holds that name: draw another
    raise FileExistsError(f"save: could not create a new temporary file in {folder!r} after "
                          f"{attempts} tries (every name drawn already existed)")


def save(obj, f) -> None:
    """Write ``obj`` (e.g. ``{"model": model.state_dict(), "optim": opt.state_dict()}``) to the
    path or binary file object ``f``. The path is used as given (no extension is added); the
    file appears complete or not at all (see the module docstring)."""
    writer = _Writer()
    root = writer.encode(obj, "obj")
    index = json.dumps({"format": FORMAT, "version": VERSION, "root": root}, allow_nan=True)
    entries: dict[str, Any] = dict(writer.arrays)
    entries[_INDEX] = np.frombuffer(index.encode("utf-8"), dtype=np.uint8)
    if hasattr(f, "write"):
        np.savez(f, **entries)
        return
    path = os.path.abspath(os.fspath(f))
    folder, base = os.path.split(path)
    tmp, fd = _create_exclusive(folder, base)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **entries)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)  # atomic: the old checkpoint or the new one, never half of one
    except BaseException:
        try:
            os.remove(tmp)  # ours: created exclusively above
        except FileNotFoundError:
            pass
        raise


class _Reader:
    """Reads entries of an open archive, never more than ``budget`` bytes in all."""

    def __init__(self, archive: zipfile.ZipFile, name: str, max_bytes: int, default: bool):
        self.name, self.budget, self.limit, self.default = name, max_bytes, max_bytes, default
        self.archive = archive
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if key in self.members:
                raise ValueError(f"load: {name} is damaged: entry {key!r} appears twice")
            self.members[key] = info
        self.used: dict[str, int] = {}

    def _too_big(self, key, what: str, nbytes: int) -> ValueError:
        how = ("the file's own size plus 64 MiB, since save() never compresses" if self.default
               else "as passed")
        return ValueError(
            f"load: {self.name} entry {key!r} would allocate {nbytes:,} bytes ({what}), more "
            f"than this load may: {self.budget:,} bytes left of max_bytes={self.limit:,} "
            f"({how}). A file that expands this much is damaged or a zip bomb; if you trust "
            "it, pass minigrad.load(..., max_bytes=N) with a larger N")

    def array(self, key) -> np.ndarray:
        if not isinstance(key, str) or key not in self.members:
            raise ValueError(f"load: {self.name} is damaged: entry {key!r} is missing")
        if key in self.used:
            raise ValueError(f"load: {self.name} is damaged: its index refers to entry {key!r} "
                             "more than once (save() writes each array once; a file whose "
                             "index repeats an entry is forged to multiply what load allocates)")
        self.used[key] = 1
        info = self.members[key]
        if info.file_size > self.budget:
            raise self._too_big(key, f"its size once decompressed; it takes "
                                     f"{info.compress_size:,} in the file", info.file_size)
        with self.archive.open(info) as fh:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                raise ValueError(f"load: {self.name} entry {key!r} has .npy format {version}, "
                                 "which save() never writes (not a minigrad checkpoint)")
            problem = _kind_problem(dtype)
            if problem:
                raise ValueError(f"load: {self.name} entry {key!r} {problem} (not a minigrad "
                                 "checkpoint)")
            count = 1
            for n in shape:
                count *= int(n)
            nbytes = count * dtype.itemsize
            if nbytes > self.budget:
                raise self._too_big(key, f"shape {tuple(shape)}, {dtype}", nbytes)
            if fh.tell() + nbytes != info.file_size:
                raise ValueError(f"load: {self.name} is damaged: entry {key!r} claims shape "
                                 f"{tuple(shape)} of {dtype} ({nbytes:,} bytes) but holds "
                                 f"{info.file_size - fh.tell():,}")
            buf = bytearray(nbytes)
            view, got = memoryview(buf), 0
            while got < nbytes:
                n = fh.readinto(view[got:])  # type: ignore[attr-defined]
                if not n:
                    raise ValueError(f"load: {self.name} is truncated inside entry {key!r}")
                got += n
            if fh.read(1):  # also makes zipfile check the CRC
                raise ValueError(f"load: {self.name} is damaged: entry {key!r} is too long")
        self.budget -= nbytes
        arr = np.frombuffer(buf, dtype=dtype).reshape(shape, order="F" if fortran else "C")
        if not dtype.isnative:
            arr = arr.astype(dtype.newbyteorder("="))
        return np.asarray(arr, order="C")

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, dict) and len(node) >= 1:
            if "tensor" in node:
                t = Tensor(self.array(node["tensor"]))
                if node.get("requires_grad") and backend.is_floating(t.dtype):
                    t.requires_grad_(True)
                return t
            if "array" in node:
                return self.array(node["array"])
            if "dict" in node:
                return {k: self.decode(v) for k, v in node["dict"]}
            if "list" in node:
                return [self.decode(v) for v in node["list"]]
            if "tuple" in node:
                return tuple(self.decode(v) for v in node["tuple"])
        raise ValueError(f"load: {self.name} is damaged: unknown entry {str(node)[:60]!r}")


def _size_and_magic(f) -> tuple[int, bytes]:
    if hasattr(f, "read"):
        start = f.tell()
        magic = f.read(6)
        size = f.seek(0, os.SEEK_END) - start
        f.seek(start)
        return size, magic
    with open(f, "rb") as fh:
        return os.fstat(fh.fileno()).st_size, fh.read(6)


_DAMAGE = (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, TypeError,
           NotImplementedError, RuntimeError, zipfile.LargeZipFile)


def load(f, map_location=None, *, max_bytes: int | None = None):
    """Read a checkpoint written by :func:`save`. Tensors come back on the CPU, or on
    ``map_location`` (e.g. ``"cuda"``). At most ``max_bytes`` bytes of arrays are allocated
    (default: the file's size plus 64 MiB). A file that is not a minigrad checkpoint (or is
    truncated, forged, or expands beyond the cap) raises ``ValueError`` saying so."""
    name = repr(os.fspath(f)) if not hasattr(f, "read") else "the file object"
    if max_bytes is not None and (not isinstance(max_bytes, int) or max_bytes < 0):
        raise TypeError(f"load: max_bytes must be a non-negative int, got {max_bytes!r}")
    size, magic = _size_and_magic(f)  # FileNotFoundError passes through
    if magic == b"\x93NUMPY":
        raise ValueError(f"load: {name} is a single .npy array, not a minigrad checkpoint")
    limit = size + SLACK_BYTES if max_bytes is None else max_bytes
    try:
        archive = zipfile.ZipFile(f)
    except _DAMAGE as exc:
        raise ValueError(f"load: {name} is not a minigrad checkpoint (not a complete .npz "
                         f"archive: {exc}); it may be truncated or another kind of file") from exc
    with archive:
        try:
            reader = _Reader(archive, name, limit, max_bytes is None)
            if _INDEX not in reader.members:
                raise ValueError(f"load: {name} is an .npz archive but not a minigrad checkpoint "
                                 f"(no {_INDEX} entry); read it with numpy.load")
            raw = reader.array(_INDEX)
            if raw.dtype != np.uint8 or raw.ndim != 1:
                raise ValueError(f"load: {name} has an index that is not a minigrad checkpoint's")
            index = json.loads(raw.tobytes().decode("utf-8"))
            if not isinstance(index, dict) or index.get("format") != FORMAT:
                raise ValueError(f"load: {name} has an index that is not a minigrad checkpoint's")
            if index.get("version", 0) > VERSION:
                raise ValueError(f"load: {name} was written by a newer minigrad (checkpoint "
                                 f"format {index['version']}, this one reads {VERSION}); update")
            obj = reader.decode(index["root"])
        except _DAMAGE as exc:  # (zipfile: a flipped bit in a header's compression method or
            # encryption flag; json: a flipped bit in the index; RecursionError: a forged index)
            if isinstance(exc, ValueError) and str(exc).startswith("load: "):
                raise  # already says what is wrong
            raise ValueError(f"load: {name} is damaged or truncated ({exc})") from exc
    if map_location is not None:
        obj = _move(obj, backend.normalize_device(map_location))
    return obj


def _move(obj, device):
    if isinstance(obj, Tensor):
        moved = Tensor(backend.to_device(_raw(obj), device))
        moved._rg = obj._rg
        return moved
    if isinstance(obj, dict):
        return {k: _move(v, device) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_move(v, device) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_move(v, device) for v in obj)
    return obj
