"""Checkpoints under attack: one test per way a shared or downloaded checkpoint (or a folder
someone else can write to) could hurt. ``load`` caps what it allocates, ``save`` never follows a
planted symlink, ``load_state_dict`` and ``Optimizer.load_state_dict`` refuse values that cannot
be weights before anything changes. (Round trips and truncation: test_serialization.py and
test_load_safety.py.)"""
import io
import json
import os
import re
import struct
import time
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim, serialization

pytestmark = [pytest.mark.ex3_5]

GIB = 2**30


# ----------------------------------------------------------------------------- helpers
def _npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def _index_array(root) -> np.ndarray:
    doc = {"format": "minigrad-checkpoint", "version": 1, "root": root}
    return np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8)


def _index(root) -> bytes:
    return _npy(_index_array(root))


def _zip(entries) -> bytes:
    """A zip archive written by hand: ``entries`` are ``(name, method, crc, size, data)`` with
    ``data`` already compressed (method 8 = raw deflate) or stored (method 0)."""
    out, central = bytearray(), bytearray()
    for name, method, crc, size, data in entries:
        fname = name.encode()
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 33, crc, len(data),
                           size, len(fname), 0) + fname + data
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 33, crc,
                               len(data), size, len(fname), 0, 0, 0, 0, 0, offset) + fname
    n = len(entries)
    return bytes(out + central + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n,
                                             len(central), len(out), 0))


def _stored(name, data: bytes):
    return (name, 0, zlib.crc32(data), len(data), data)


def _deflate_bomb(total_mib: int):
    """A raw deflate stream of a float64 .npy entry of ``total_mib`` MiB of zeros, built from one
    repeated compressed MiB (full flushes make each block identical): ~1 KB per MiB."""
    count = (total_mib * 2**20 - 128) // 8  # np.save pads the header to 128 bytes
    header = _header_for((count,), np.float64)
    assert len(header) == 128
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(header + bytes(2**20 - len(header))) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(bytes(2**20)) + c.flush(zlib.Z_FULL_FLUSH)
    stream = first + block * (total_mib - 1) + c.flush()
    return stream, total_mib * 2**20


def _header_for(shape, dtype) -> bytes:
    """The magic and header bytes that np.save writes for ``shape`` and ``dtype``."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
              "shape": shape})
    return buf.getvalue()


def _untouched(model):
    return [(p.detach().numpy().copy(), p._version) for p in model.parameters()]


def _assert_untouched(model, before):
    for (v, ver), p in zip(before, model.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), v)
        assert p._version == ver


# ----------------------------------------------------------------------------- load caps
def test_a_zip_bomb_is_refused_before_it_expands(tmp_path):
    stream, size = _deflate_bomb(3 * 1024)  # 3 GiB of zeros in ~3 MB
    path = tmp_path / "bomb"
    path.write_bytes(_zip([("a0.npy", 8, 0, size, stream),
                           _stored("__minigrad_index__.npy", _index({"tensor": "a0"}))]))
    assert path.stat().st_size < 4 * 2**20
    with zipfile.ZipFile(path) as z, z.open("a0.npy") as fh:  # control: it really expands
        assert len(fh.read(64 * 2**20)) == 64 * 2**20
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=r"entry 'a0' would allocate 3,221,225,472 bytes"
                                             r".*max_bytes=.*zip bomb"):
            mg.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t0 < 2.0 and peak < 32 * 2**20


def test_a_forged_header_claiming_a_huge_shape_is_refused(tmp_path):
    # A stored entry of 100 bytes whose .npy header says (2**40,) float64 (8 TiB).
    entry = _header_for((2**40,), np.float64) + bytes(100)
    path = tmp_path / "huge"
    path.write_bytes(_zip([_stored("a0.npy", entry),
                           _stored("__minigrad_index__.npy", _index({"tensor": "a0"}))]))
    with pytest.raises(ValueError, match=r"entry 'a0' would allocate 8,796,093,022,208 bytes "
                                         r"\(shape \(1099511627776,\), float64\)"):
        mg.load(path)


def test_a_header_that_disagrees_with_the_entry_size_is_damage(tmp_path):
    entry = _header_for((4,), np.float64) + bytes(8 * 3)
    path = tmp_path / "short"
    path.write_bytes(_zip([_stored("a0.npy", entry),
                           _stored("__minigrad_index__.npy", _index({"tensor": "a0"}))]))
    with pytest.raises(ValueError, match=r"damaged: entry 'a0' claims shape \(4,\).*32 bytes"
                                         r"\) but holds 24"):
        mg.load(path)


def test_one_entry_referenced_200_times_is_refused(tmp_path):
    arr = np.zeros(2**20, dtype=np.float64)  # 8 MiB, 200 references would be 1.6 GB
    path = tmp_path / "repeat"
    root = {"list": [{"tensor": "a0"}] * 200}
    path.write_bytes(_zip([_stored("a0.npy", _npy(arr)),
                           _stored("__minigrad_index__.npy", _index(root))]))
    with pytest.raises(ValueError, match="refers to entry 'a0' more than once"):
        mg.load(path)


def test_max_bytes_caps_a_legitimate_file_and_can_be_raised(tmp_path):
    mg.save({"w": mg.zeros(1000, dtype=mg.float64)}, tmp_path / "ok")
    with pytest.raises(ValueError, match=r"entry 'a0' would allocate 8,128 bytes \(its size "
                                         r"once decompressed.*max_bytes=5,000 \(as passed\)"):
        mg.load(tmp_path / "ok", max_bytes=5000)
    assert mg.load(tmp_path / "ok", max_bytes=9000)["w"].shape == (1000,)
    with pytest.raises(TypeError, match="max_bytes must be a non-negative int"):
        mg.load(tmp_path / "ok", max_bytes=-1)


def test_a_complex_array_in_a_checkpoint_is_refused(tmp_path):
    np.savez(tmp_path / "c.npz", a0=np.array([1 + 2j]),
             __minigrad_index__=_index_array({"tensor": "a0"}))
    with pytest.raises(ValueError, match=r"entry 'a0' holds complex numbers \(complex128\)"):
        mg.load(tmp_path / "c.npz")
    with pytest.raises(TypeError, match=r"obj\['z'\] is an array of dtype complex64 that holds "
                                        "complex numbers"):
        mg.save({"z": np.ones(2, dtype=np.complex64)}, tmp_path / "z")
    assert not (tmp_path / "z").exists()


# ----------------------------------------------------------------------------- save
def test_a_symlink_planted_at_the_old_predictable_temp_name_is_not_followed(tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    target = tmp_path / "ck"
    os.symlink(victim, f"{target}.tmp-{os.getpid()}")  # where save used to write first
    mg.save({"w": mg.ones(3)}, target)
    assert victim.read_bytes() == b"precious"
    assert mg.load(target)["w"].tolist() == [1.0, 1.0, 1.0]
    assert os.path.islink(f"{target}.tmp-{os.getpid()}")  # left alone, not written through


def test_a_symlink_planted_at_the_drawn_temp_name_is_refused_and_another_name_drawn(
        tmp_path, monkeypatch):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    trap = str(tmp_path / ".ck.guessed.tmp")
    os.symlink(victim, trap)
    names = iter([trap, trap, str(tmp_path / ".ck.fresh.tmp")])
    drawn = []
    monkeypatch.setattr(serialization, "_temp_name",
                        lambda folder, base: drawn.append(next(names)) or drawn[-1])
    mg.save({"w": mg.ones(2)}, tmp_path / "ck")
    assert drawn == [trap, trap, str(tmp_path / ".ck.fresh.tmp")]  # O_EXCL refused the trap
    assert victim.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ck.guessed.tmp", "ck", "victim"]


def test_temp_names_are_random_and_in_the_target_folder(tmp_path, monkeypatch):
    seen = []
    real = os.replace
    monkeypatch.setattr(serialization.os, "replace",
                        lambda src, dst: seen.append((src, dst)) or real(src, dst))
    for _ in range(3):
        mg.save([1], tmp_path / "ck")
    tmps = [s for s, _ in seen]
    assert len(set(tmps)) == 3 and all(os.path.dirname(s) == str(tmp_path) for s in tmps)
    assert all(d == str(tmp_path / "ck") for _, d in seen)
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "ck").stat().st_mode & 0o777 == 0o666 & ~umask  # as open(path, "wb")


def test_a_failure_while_writing_keeps_the_old_checkpoint_and_leaves_no_temp(
        tmp_path, monkeypatch):
    mg.save({"w": mg.ones(3)}, tmp_path / "ck")
    old = (tmp_path / "ck").read_bytes()

    def disk_full(fh, **entries):
        fh.write(b"PK\x03\x04 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(serialization.np, "savez", disk_full)
    with pytest.raises(OSError, match="No space left"):
        mg.save({"w": mg.zeros(3)}, tmp_path / "ck")
    assert (tmp_path / "ck").read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["ck"]


def test_a_target_that_is_a_symlink_is_replaced_not_written_through(tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    os.symlink(victim, tmp_path / "ck")
    mg.save([1], tmp_path / "ck")
    assert victim.read_bytes() == b"precious" and not (tmp_path / "ck").is_symlink()
    assert mg.load(tmp_path / "ck") == [1]


# ----------------------------------------------------------------------------- load_state_dict
@pytest.mark.parametrize("bad, what", [
    (np.array([["a", "b", "c"]] * 2), r"holds strings \(dtype <U1\)"),
    (np.array([[object()] * 3] * 2, dtype=object), r"holds Python objects \(dtype object\)"),
    (np.ones((2, 3), dtype=np.complex64), r"holds complex numbers \(dtype complex64\)"),
    ("weights", r"holds a str, expected a Tensor of shape \(2, 3\) \(float32\)"),
])
def test_load_state_dict_refuses_non_numeric_values_before_touching_the_model(bad, what):
    model = nn.Linear(3, 2)
    before = _untouched(model)
    sd = {"weight": bad, "bias": mg.full((2,), 7.0)}  # the bias alone would fit
    with pytest.raises(TypeError, match=r"'weight': the checkpoint " + what):
        model.load_state_dict(sd)
    _assert_untouched(model, before)
    with pytest.raises(TypeError, match="Nothing was loaded"):
        model.load_state_dict(sd, strict=False)  # strict=False never loads a misfit either
    _assert_untouched(model, before)


def test_load_state_dict_refuses_floats_into_an_integer_buffer():
    model = nn.Linear(2, 2)
    model.register_buffer("steps", mg.tensor([3]))
    before = _untouched(model), model.steps.tolist()
    sd = dict(model.state_dict(), steps=mg.tensor([2.7]), weight=mg.zeros(2, 2))
    with pytest.raises(TypeError, match=r"'steps': the checkpoint has dtype float32, the "
                                        r"model's int64 tensor can't hold it \(floats would "
                                        "be truncated"):
        model.load_state_dict(sd)
    _assert_untouched(model, before[0])
    assert model.steps.tolist() == before[1]


def test_load_state_dict_names_every_misfit_with_shapes_and_dtypes():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    before = _untouched(model)
    sd = dict(model.state_dict())
    sd["0.weight"] = mg.zeros(4, 4, dtype=mg.float64)
    sd["2.bias"] = np.array(["x", "y"])
    with pytest.raises(TypeError) as err:
        model.load_state_dict(sd)
    msg = str(err.value)
    assert "0.weight: the checkpoint has shape (4, 4), the model has (4, 3) (dtypes: float64 " \
           "in the checkpoint, float32 in the model)" in msg
    assert "'2.bias': the checkpoint holds strings" in msg and "Nothing was loaded" in msg
    _assert_untouched(model, before)


def test_load_state_dict_still_casts_real_numbers_as_pytorch_does():
    model = nn.Linear(2, 1)
    model.load_state_dict({"weight": np.array([[1, 2]], dtype=np.int32),
                           "bias": np.array([0.5], dtype=np.float64)})
    assert model.weight.dtype == mg.float32 and model.weight.tolist() == [[1.0, 2.0]]
    assert model.bias.dtype == mg.float32 and model.bias.tolist() == [0.5]


# ----------------------------------------------------------------------------- optimizers
def _adam_state(shape):
    w = mg.ones(*shape, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    return opt.state_dict()


def test_optimizer_state_of_another_shape_is_refused_and_changes_nothing():
    sd = _adam_state((3,))
    w = mg.ones(4, requires_grad=True)
    opt = optim.Adam([w], lr=0.5)
    before = repr(opt.param_groups), dict(opt.state)
    with pytest.raises(ValueError, match=r"state 'exp_avg' of parameter 0 \(tensor of shape "
                                         r"\(4,\), float32\) has shape \(3,\) in the state dict; "
                                         r"it must be \(4,\)"):
        opt.load_state_dict(sd)
    assert (repr(opt.param_groups), dict(opt.state)) == before
    assert opt.param_groups[0]["lr"] == 0.5  # hyper-parameters not swapped in either


@pytest.mark.parametrize("bad", [np.array(["a", "b", "c"]), np.ones(3, dtype=np.complex128)])
def test_optimizer_state_that_is_not_real_numbers_is_refused(bad):
    sd = _adam_state((3,))
    sd["state"][0]["exp_avg_sq"] = bad
    opt = optim.Adam([mg.ones(3, requires_grad=True)], lr=0.5)
    with pytest.raises(ValueError, match=r"state 'exp_avg_sq' of parameter 0 .* is an array of "
                                         + re.escape(str(bad.dtype))):
        opt.load_state_dict(sd)
    assert opt.state == {} and opt.param_groups[0]["lr"] == 0.5


def test_an_optimizer_state_dict_of_the_wrong_structure_is_a_clear_error():
    opt = optim.SGD([mg.ones(3, requires_grad=True)], lr=0.5)
    for bad in ({"state": {}}, {"state": [], "param_groups": []}, [1, 2],
                {"state": {}, "param_groups": [7]}):
        with pytest.raises(ValueError, match=r"SGD\.load_state_dict: "):
            opt.load_state_dict(bad)
    assert opt.param_groups[0]["lr"] == 0.5
