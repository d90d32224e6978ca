"""minigrad.save / minigrad.load: nested structures round-trip, nothing else is accepted, and a
file that is not a complete checkpoint is refused clearly."""
import io
import pickle
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim

pytestmark = [pytest.mark.ex3_5]


def test_nested_structures_round_trip(tmp_path):
    obj = {
        "name": "run-1", "epoch": 7, "lr": 1e-3, "done": False, "note": None,
        "nan": float("nan"), "big": 2 ** 70,
        3: ["int key", (1, 2.5, "three")],
        "tensors": [mg.tensor([1.0, 2.0]), mg.tensor([[1, 2]]), mg.ones(2, dtype=mg.float64)],
        "array": np.arange(4, dtype=np.int16),
        "nested": {"deeper": {"empty": {}, "empty_list": [], "scalar": mg.tensor(3.5)}},
    }
    path = tmp_path / "ckpt.mg"
    mg.save(obj, path)
    assert path.exists() and not (tmp_path / "ckpt.mg.npz").exists()  # the path as given
    back = mg.load(path)
    assert list(back) == list(obj)
    assert back["name"] == "run-1" and back["epoch"] == 7 and back["lr"] == 1e-3
    assert back["done"] is False and back["note"] is None and np.isnan(back["nan"])
    assert back["big"] == 2 ** 70
    assert back[3] == ["int key", (1, 2.5, "three")]
    t0, t1, t2 = back["tensors"]
    assert isinstance(t0, mg.Tensor) and t0.dtype == mg.float32 and t0.tolist() == [1.0, 2.0]
    assert t1.dtype == mg.int64 and t1.shape == (1, 2)
    assert t2.dtype == mg.float64
    assert back["array"].dtype == np.int16 and back["array"].tolist() == [0, 1, 2, 3]
    assert back["nested"]["deeper"]["empty"] == {} and back["nested"]["deeper"]["empty_list"] == []
    assert back["nested"]["deeper"]["scalar"].shape == ()


def test_requires_grad_is_kept_and_values_are_copies(tmp_path):
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    mg.save({"w": w}, tmp_path / "w")
    w.array[...] = 0  # later changes do not reach the file
    back = mg.load(tmp_path / "w")["w"]
    assert back.requires_grad and back.is_leaf and back.detach().tolist() == [1.0, 2.0]


def test_model_and_optimizer_checkpoint(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    opt = optim.AdamW(model.parameters(), lr=0.01)
    model(mg.randn(5, 4)).sum().backward()
    opt.step()
    mg.save({"model": model.state_dict(), "optim": opt.state_dict()}, tmp_path / "c.npz")
    ck = mg.load(tmp_path / "c.npz")
    assert list(ck["model"]) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert sorted(ck["optim"]["state"]) == [0, 1, 2, 3]  # int keys survive
    assert ck["optim"]["param_groups"][0]["betas"] == (0.9, 0.999)
    fresh = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    fresh.load_state_dict(ck["model"])
    x = mg.randn(2, 4)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_file_objects_work():
    buf = io.BytesIO()
    mg.save([mg.arange(3)], buf)
    buf.seek(0)
    assert mg.load(buf)[0].tolist() == [0, 1, 2]


def test_map_location_and_device_tensors(tmp_path):
    t = mg.tensor([1.0, 2.0], device="strict")  # saved from a host copy
    mg.save({"t": t}, tmp_path / "d")
    assert mg.load(tmp_path / "d")["t"].device == "cpu"
    back = mg.load(tmp_path / "d", map_location="strict")["t"]
    assert back.device == "strict" and back.cpu().tolist() == [1.0, 2.0]


@pytest.mark.parametrize("bad,where", [
    ({"fn": print}, r"obj\['fn'\] is a builtin_function_or_method"),
    ([1, {"x": object()}], r"obj\[1\]\['x'\] is a object"),
    ({(1, 2): 3}, "only str and int keys"),
    ({"m": nn.Linear(2, 2)}, r"state_dict\(\) instead"),
    ({"s": {1, 2}}, "is a set"),
    ({"a": np.array(["a"], dtype=object)}, "dtype object"),
])
def test_other_types_raise_type_error_naming_where(bad, where, tmp_path):
    with pytest.raises(TypeError, match=where):
        mg.save(bad, tmp_path / "x")
    assert not any(tmp_path.iterdir())  # nothing written, not even a temporary file


def test_truncated_file_raises_clearly(tmp_path):
    path = tmp_path / "ok"
    mg.save({"w": mg.randn(100, 100)}, path)
    data = path.read_bytes()
    (tmp_path / "cut").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a minigrad checkpoint|damaged or truncated"):
        mg.load(tmp_path / "cut")


def test_foreign_files_raise_clearly(tmp_path):
    (tmp_path / "text").write_text("hello")
    with pytest.raises(ValueError, match="not a minigrad checkpoint"):
        mg.load(tmp_path / "text")
    np.save(tmp_path / "arr.npy", np.zeros(3))
    with pytest.raises(ValueError, match="single .npy array"):
        mg.load(tmp_path / "arr.npy")
    np.savez(tmp_path / "plain.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="no __minigrad_index__"):
        mg.load(tmp_path / "plain.npz")
    with open(tmp_path / "pickled", "wb") as f:
        pickle.dump({"w": [1, 2]}, f)
    with pytest.raises(ValueError, match="not a minigrad checkpoint"):
        mg.load(tmp_path / "pickled")
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / "missing")


def test_pickled_array_inside_the_archive_is_never_unpickled(tmp_path):
    path = tmp_path / "evil.npz"
    index = np.frombuffer(b'{"format": "minigrad-checkpoint", "version": 1, '
                          b'"root": {"array": "a0"}}', dtype=np.uint8)
    with zipfile.ZipFile(path, "w") as z:
        buf = io.BytesIO()
        np.save(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
        z.writestr("a0.npy", buf.getvalue())
        buf = io.BytesIO()
        np.save(buf, index)
        z.writestr("__minigrad_index__.npy", buf.getvalue())
    with pytest.raises(ValueError, match="pickled|damaged"):
        mg.load(path)


def test_newer_format_is_refused(tmp_path):
    path = tmp_path / "future.npz"
    index = np.frombuffer(b'{"format": "minigrad-checkpoint", "version": 99, "root": 1}',
                          dtype=np.uint8)
    np.savez(path, __minigrad_index__=index)
    with pytest.raises(ValueError, match="newer minigrad"):
        mg.load(path)


@pytest.mark.gpu
def test_cuda_tensors_are_saved_from_host_copies(tmp_path):
    t = mg.tensor([1.0, 2.0], device="cuda")
    mg.save({"t": t}, tmp_path / "g")
    back = mg.load(tmp_path / "g")["t"]
    assert back.device == "cpu" and back.tolist() == [1.0, 2.0]
    assert mg.load(tmp_path / "g", map_location="cuda")["t"].device == "cuda:0"
