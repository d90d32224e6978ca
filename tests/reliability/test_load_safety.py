"""Saved files: ``minigrad.load`` never unpickles, and truncated, tampered or foreign files give a
clear ``ValueError`` and change nothing. Adds to tests/test_serialization.py (which covers the
round trips, one truncation, foreign .npy/.npz/pickle files and an object array in the archive).
"""
import io
import json
import pathlib
import pickle
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_3, pytest.mark.ex3_5]

CLEAR = r"not a minigrad checkpoint|damaged|truncated|pickled|not numbers"


class _Touch:
    """Unpickling this creates a file: the proof that something was unpickled."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.path),))


def _index(root):
    doc = {"format": "minigrad-checkpoint", "version": 1, "root": root}
    return np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8)


def _npz(path, **entries):
    """Write raw .npy entries (object arrays allowed) into a zip, as a forger would."""
    with zipfile.ZipFile(path, "w") as z:
        for name, arr in entries.items():
            buf = io.BytesIO()
            np.save(buf, arr, allow_pickle=True)
            z.writestr(f"{name}.npy", buf.getvalue())


def _payload(marker):
    arr = np.empty(1, dtype=object)
    arr[0] = _Touch(marker)
    return arr


@pytest.mark.parametrize("where", ["pickle file", "tensor entry", "index entry", "npy file"])
def test_load_never_unpickles(where, tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil"
    if where == "pickle file":
        path.write_bytes(pickle.dumps({"w": _Touch(marker)}))
    elif where == "tensor entry":
        _npz(path, a0=_payload(marker), __minigrad_index__=_index({"tensor": "a0"}))
    elif where == "index entry":
        _npz(path, __minigrad_index__=_payload(marker))
    else:
        np.save(path, _payload(marker), allow_pickle=True)
        path = tmp_path / "evil.npy"
    pickle.loads(pickle.dumps(_Touch(tmp_path / "control")))  # the payload does work ...
    assert (tmp_path / "control").exists()
    with pytest.raises(ValueError, match=CLEAR):
        mg.load(path)
    assert not marker.exists()  # ... but load never ran it


@pytest.fixture
def checkpoint():
    mg.manual_seed(0)
    obj = {"model": nn.Linear(20, 30).state_dict(), "step": 7, "names": ["a", "b"],
           "grid": mg.randn(4, 5, dtype=mg.float64)}
    buf = io.BytesIO()
    mg.save(obj, buf)
    return obj, buf.getvalue()


def _same(a, b):
    if isinstance(a, mg.Tensor):
        return isinstance(b, mg.Tensor) and a.dtype == b.dtype and np.array_equal(
            a.numpy(), b.numpy())
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def test_every_truncation_is_a_clear_error(checkpoint):
    _, data = checkpoint
    cuts = sorted(set(np.linspace(0, len(data) - 1, 60).astype(int)) | {1, 4, len(data) - 22})
    for cut in cuts:
        with pytest.raises(ValueError, match=CLEAR):
            mg.load(io.BytesIO(data[:cut]))


def test_bit_flips_are_caught_or_harmless(checkpoint):
    """Flip one bit at 300 places: either load raises a clear ValueError, or the flip hit bytes
    that carry no content (zip timestamps, ...) and the loaded objects are exactly the saved
    ones. Never another exception, never different numbers."""
    obj, data = checkpoint
    rng = np.random.default_rng(0)
    caught = 0
    for pos in rng.choice(len(data), size=300, replace=False):
        bad = bytearray(data)
        bad[pos] ^= 1 << int(rng.integers(8))
        try:
            got = mg.load(io.BytesIO(bytes(bad)))
        except ValueError as exc:
            assert "load:" in str(exc)
            caught += 1
            continue
        assert _same(obj, got), f"a flip at byte {pos} changed the loaded values"
    assert caught > 250


@pytest.mark.parametrize("root, entries", [
    ({"dict": 5}, {}),
    ({"list": 5}, {}),
    ({"dict": [[1, 2, 3]]}, {}),
    ({"dict": [[[1], 2]]}, {}),
    ({"tensor": "a9"}, {}),
    ({"tensor": ["a0"]}, {"a0": np.zeros(2)}),
    ({"tensor": "a0"}, {"a0": np.array(["text"])}),
    ({"array": "a0"}, {"a0": np.array([b"bytes"])}),
    ({"what": 1}, {}),
    ({}, {}),
])
def test_tampered_indexes_are_clear_errors(root, entries, tmp_path):
    np.savez(tmp_path / "t.npz", __minigrad_index__=_index(root), **entries)
    with pytest.raises(ValueError, match=r"load: .*(damaged|not a minigrad checkpoint|numbers)"):
        mg.load(tmp_path / "t.npz")


@pytest.mark.parametrize("content", [
    b"", b"\x89PNG\r\n\x1a\n" + bytes(100), b'{"format": "minigrad-checkpoint"}',
    b"PK\x05\x06" + bytes(18),  # an empty zip archive
])
def test_foreign_bytes_are_clear_errors(content, tmp_path):
    (tmp_path / "f").write_bytes(content)
    with pytest.raises(ValueError, match=CLEAR):
        mg.load(tmp_path / "f")


def test_index_with_a_bad_version_field(tmp_path):
    doc = {"format": "minigrad-checkpoint", "version": "one", "root": 1}
    np.savez(tmp_path / "v.npz",
             __minigrad_index__=np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8))
    with pytest.raises(ValueError, match="damaged"):
        mg.load(tmp_path / "v.npz")


# ----------------------------------------------------------------------------- change nothing
def test_a_failed_load_leaves_the_file_and_the_model_as_they_were(checkpoint, tmp_path):
    _, data = checkpoint
    path = tmp_path / "cut"
    path.write_bytes(data[: len(data) // 3])
    model = nn.Linear(20, 30)
    before = [(p.detach().numpy().copy(), p._version) for p in model.parameters()]
    with pytest.raises(ValueError):
        model.load_state_dict(mg.load(path)["model"])
    assert path.read_bytes() == data[: len(data) // 3]
    for (v, ver), p in zip(before, model.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), v)
        assert p._version == ver


def test_a_checkpoint_of_the_wrong_shapes_changes_nothing(tmp_path):
    mg.manual_seed(0)
    good = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
    sd = good.state_dict()
    sd["2.weight"] = mg.zeros(3, 6)  # tampered: one layer has the wrong shape
    mg.save(sd, tmp_path / "ck")
    mg.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
    before = {k: (v.numpy().copy(), p._version) for (k, v), p in
              zip(model.state_dict().items(), model.parameters())}
    with pytest.raises((ValueError, RuntimeError), match=r"2\.weight.*\(3, 6\).*\(2, 6\)|"
                                                         r"2\.weight.*\(2, 6\).*\(3, 6\)"):
        model.load_state_dict(mg.load(tmp_path / "ck"))
    for (k, (v, ver)), p in zip(before.items(), model.parameters()):
        np.testing.assert_array_equal(model.state_dict()[k].numpy(), v)
        assert p._version == ver  # nothing was written, not even the layers that would fit


def test_a_failed_save_keeps_the_previous_checkpoint(tmp_path):
    path = tmp_path / "ck"
    mg.save({"w": mg.ones(3)}, path)
    data = path.read_bytes()
    with pytest.raises(TypeError, match="obj\\['f'\\] is a function"):
        mg.save({"w": mg.zeros(3), "f": lambda: 0}, path)
    assert path.read_bytes() == data and sorted(p.name for p in tmp_path.iterdir()) == ["ck"]
    np.testing.assert_array_equal(mg.load(path)["w"].numpy(), np.ones(3))


def test_loading_weights_between_forward_and_backward_is_caught(tmp_path):
    """load_state_dict writes in place and bumps versions: a backward through a graph built
    before the load refuses to mix old activations with new weights."""
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 1))
    mg.save(model.state_dict(), tmp_path / "ck")
    loss = model(mg.randn(3, 4)).sum()
    model.load_state_dict(mg.load(tmp_path / "ck"))
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_an_optimizer_state_that_does_not_fit_changes_nothing(tmp_path):
    w = mg.ones(3, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    mg.save(opt.state_dict(), tmp_path / "opt")
    other = optim.Adam([mg.ones(3, requires_grad=True), mg.ones(2, requires_grad=True)], lr=0.5)
    before = repr(other.param_groups), dict(other.state)
    with pytest.raises(ValueError, match="group 0 has 1 parameter"):
        other.load_state_dict(mg.load(tmp_path / "opt"))
    assert (repr(other.param_groups), dict(other.state)) == before
