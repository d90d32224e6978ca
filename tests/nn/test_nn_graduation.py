"""The graduation path: weights move to PyTorch by name, arrays move anywhere by DLPack."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

pytestmark = [pytest.mark.ex3_2]


def digits_mlp():
    return nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))


def test_state_dict_names_and_shapes_match_torch_without_torch():
    sd = digits_mlp().state_dict()
    assert {k: v.shape for k, v in sd.items()} == {
        "0.weight": (256, 64), "0.bias": (256,), "2.weight": (10, 256), "2.bias": (10,)}


def test_weights_load_into_the_equivalent_torch_model():
    torch = pytest.importorskip("torch")
    model = digits_mlp()
    tmodel = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(),
                                 torch.nn.Linear(256, 10))
    result = tmodel.load_state_dict({k: torch.from_numpy(v.numpy())
                                     for k, v in model.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    x = mg.rand(16, 64)
    with torch.no_grad():
        expected = tmodel(torch.from_numpy(x.numpy())).numpy()
    np.testing.assert_allclose(model(x).detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    # and back: torch weights into minigrad
    back = digits_mlp()
    back.load_state_dict({k: mg.tensor(v.numpy()) for k, v in tmodel.state_dict().items()})
    np.testing.assert_allclose(back(x).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_losses_and_gradients_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 4)) * 3
    t = np.array([0, 3, -100, 1, 2, 2])
    w = np.array([0.5, 1.0, 2.0, 0.3])
    ours = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    F.cross_entropy(ours, mg.tensor(t), weight=mg.tensor(w, dtype=mg.float64),
                    label_smoothing=0.1).backward()
    torch.nn.functional.cross_entropy(theirs, torch.tensor(t), weight=torch.tensor(w),
                                      label_smoothing=0.1).backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)
    y = rng.uniform(size=(6, 4))
    pw = np.array([1.0, 2.0, 0.5, 3.0])
    ours.grad, theirs.grad = None, None
    F.binary_cross_entropy_with_logits(ours, mg.tensor(y), pos_weight=mg.tensor(pw)).backward()
    torch.nn.functional.binary_cross_entropy_with_logits(
        theirs, torch.tensor(y), pos_weight=torch.tensor(pw)).backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)


def test_from_dlpack_round_trip_with_numpy():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = mg.from_dlpack(a)
    assert t.shape == (2, 3) and t.dtype == mg.float32
    np.testing.assert_array_equal(t.numpy(), a)
    back = np.from_dlpack(t)
    np.testing.assert_array_equal(back, a)
    a[0, 0] = 42.0  # zero-copy both ways on the CPU
    assert t.numpy()[0, 0] == 42.0 and back[0, 0] == 42.0


def test_exporting_a_tensor_that_requires_grad_raises():
    w = nn.Linear(2, 2).weight
    with pytest.raises(RuntimeError, match=r"detach\(\)"):
        np.from_dlpack(w)
    np.testing.assert_array_equal(np.from_dlpack(w.detach()), w.detach().numpy())
