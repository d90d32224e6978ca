"""nn.Module: registration, walking the tree (shared parts once), modes, moves, state dicts."""
import copy

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex3_4]


class TwoHeads(nn.Module):
    """A shared trunk feeding two heads: the project's running example."""

    def __init__(self):
        super().__init__()
        self.trunk = nn.Linear(3, 4)
        self.head_a = nn.Sequential(self.trunk, nn.ReLU(), nn.Linear(4, 2))
        self.head_b = nn.Linear(4, 1)

    def forward(self, x):
        h = self.trunk(x)
        return self.head_a[2](h.relu()), self.head_b(h)


def test_parameter_is_a_marked_leaf_sharing_data():
    t = mg.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert isinstance(p, nn.Parameter) and isinstance(p, mg.Tensor)
    assert p.requires_grad and p.is_leaf
    assert p.array is t.array  # shares memory, as in PyTorch
    assert not isinstance(t, nn.Parameter)
    assert not isinstance(p.detach(), nn.Parameter)
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    with pytest.raises(TypeError, match="Parameter"):
        nn.Parameter([1.0, 2.0])


def test_assignment_registers_parameters_and_submodules():
    m = nn.Module()
    m.w = nn.Parameter(mg.zeros(2))
    m.sub = nn.Linear(2, 3)
    m.plain = mg.zeros(2)  # a plain tensor is just an attribute
    names = [n for n, _ in m.named_parameters()]
    assert names == ["w", "sub.weight", "sub.bias"]
    assert list(m.children()) == [m.sub]
    assert m.w is m._parameters["w"]
    with pytest.raises(TypeError, match="nn.Parameter"):
        m.w = mg.ones(2)
    m.w = None
    assert [n for n, _ in m.named_parameters()] == ["sub.weight", "sub.bias"]
    del m.sub
    assert list(m.parameters()) == []
    with pytest.raises(AttributeError, match="no attribute 'sub'"):
        m.sub  # noqa: B018


def test_assigning_before_init_says_call_super():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Bad()


def test_shared_trunk_parameters_are_yielded_once():
    m = TwoHeads()
    params = list(m.parameters())
    assert len(params) == 6  # trunk (2) + head_a's Linear (2) + head_b (2)
    assert len({id(p) for p in params}) == 6
    names = [n for n, _ in m.named_parameters()]
    assert names[:2] == ["trunk.weight", "trunk.bias"]
    assert len(list(m.modules())) == 6  # TwoHeads, trunk, head_a, ReLU, head_a.2, head_b
    # the state dict lists the shared trunk under both of its names, as PyTorch does
    sd = m.state_dict()
    assert "head_a.0.weight" in sd and sd["head_a.0.weight"].array is m.trunk.weight.array


def test_tied_parameter_appears_once():
    m = nn.Module()
    m.a = nn.Linear(2, 2, bias=False)
    m.b = nn.Linear(2, 2, bias=False)
    m.b.weight = m.a.weight
    assert [n for n, _ in m.named_parameters()] == ["a.weight"]
    assert len(list(m.named_parameters(remove_duplicate=False))) == 2


def test_zero_grad_train_eval_and_requires_grad():
    m = TwoHeads()
    ya, yb = m(mg.randn(5, 3))
    (ya.sum() + yb.sum()).backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    assert m.eval() is m and not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_to_dtype_moves_in_place_and_keeps_objects():
    m = TwoHeads()
    before = list(m.parameters())
    opt = mg.optim.SGD(m.parameters(), lr=0.1)
    m.to(mg.float64)
    after = list(m.parameters())
    assert all(a is b for a, b in zip(before, after))
    assert all(p.dtype == mg.float64 for p in after)
    ya, yb = m(mg.randn(4, 3, dtype=mg.float64))
    (ya.sum() + yb.sum()).backward()
    w0 = m.trunk.weight.detach().numpy().copy()
    opt.step()  # the optimizer built before the move still updates the same tensors
    assert not np.allclose(m.trunk.weight.detach().numpy(), w0)
    assert m.double() is m and m.float().trunk.weight.dtype == mg.float32
    with pytest.raises(TypeError, match="floating"):
        m.to(mg.int64)


def test_to_device_moves_in_place_on_the_strict_stand_in():
    m = nn.Linear(3, 2)
    w = m.weight
    m(mg.randn(1, 3)).sum().backward()
    m.to("strict")
    assert m.weight is w and w.device == "strict" and w.grad.device == "strict"
    out = m(mg.randn(4, 3, device="strict"))
    assert out.device == "strict" and out.shape == (4, 2)
    m.cpu()
    assert w.device == "cpu"


def test_state_dict_names_follow_pytorch():
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    sd = model.state_dict()
    assert [(k, v.shape) for k, v in sd.items()] == [
        ("0.weight", (256, 64)), ("0.bias", (256,)), ("2.weight", (10, 256)), ("2.bias", (10,))]
    assert all(not v.requires_grad for v in sd.values())
    assert sd["0.weight"].array is model[0].weight.array  # shares memory
    assert model.state_dict(keep_vars=True)["0.weight"] is model[0].weight


def test_load_state_dict_round_trip_is_in_place():
    src, dst = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)), \
        nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    w = dst[0].weight
    keys = dst.load_state_dict(src.state_dict())
    assert keys.missing_keys == [] and keys.unexpected_keys == []
    assert dst[0].weight is w
    x = mg.randn(5, 3)
    np.testing.assert_array_equal(dst(x).detach().numpy(), src(x).detach().numpy())
    # values were copied, not aliased
    src[0].weight.array[...] = 0
    assert dst[0].weight.detach().numpy().any()


def test_load_state_dict_errors_name_everything_and_load_nothing():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    other = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2)).state_dict()
    bad = dict(other)
    del bad["2.bias"]
    bad["extra.weight"] = mg.zeros(1)
    bad["2.weight"] = mg.full((2, 4), 5.0)  # right shape: must still not be loaded
    with pytest.raises(RuntimeError) as err:
        model.load_state_dict(bad)
    msg = str(err.value)
    assert "missing keys" in msg and "2.bias" in msg
    assert "unexpected keys" in msg and "extra.weight" in msg
    assert "0.weight: the checkpoint has shape (5, 3), the model has (4, 3)" in msg
    assert "0.bias: the checkpoint has shape (5,), the model has (4,)" in msg
    assert "Nothing was loaded" in msg
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])  # every tensor untouched
    # strict=False skips missing/unexpected keys but never loads a wrong shape
    with pytest.raises(RuntimeError, match="shape mismatches"):
        model.load_state_dict(bad, strict=False)
    good = {k: v for k, v in nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
            .state_dict().items() if k != "2.bias"}
    good["junk"] = mg.zeros(1)
    res = model.load_state_dict(good, strict=False)
    assert res.missing_keys == ["2.bias"] and res.unexpected_keys == ["junk"]
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), good["0.weight"].numpy())
    np.testing.assert_array_equal(model[2].bias.detach().numpy(), before["2.bias"])


def test_load_state_dict_casts_dtype_and_rejects_non_tensors():
    m = nn.Linear(2, 2)
    sd = {k: v.double() for k, v in nn.Linear(2, 2).state_dict().items()}
    m.load_state_dict(sd)
    assert m.weight.dtype == mg.float32
    np.testing.assert_allclose(m.weight.detach().numpy(), sd["weight"].numpy(), rtol=1e-6)
    with pytest.raises(TypeError, match="'weight'"):
        m.load_state_dict({"weight": [[1.0, 2.0], [3.0, 4.0]], "bias": mg.zeros(2)})


def test_buffers_are_saved_unless_non_persistent():
    m = nn.Linear(2, 2)
    m.register_buffer("running", mg.ones(2))
    m.register_buffer("scratch", mg.zeros(2), persistent=False)
    assert list(m.state_dict()) == ["weight", "bias", "running"]
    assert [n for n, _ in m.named_buffers()] == ["running", "scratch"]
    with pytest.raises(TypeError, match="buffer"):
        m.running = 3.0
    m.running = mg.zeros(2)
    assert m.state_dict()["running"].numpy().tolist() == [0.0, 0.0]


def test_repr_is_readable():
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Dropout(0.1),
                          nn.Sequential(nn.Linear(256, 10, bias=False)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=64, out_features=256, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.1)\n"
        "  (3): Sequential(\n"
        "    (0): Linear(in_features=256, out_features=10, bias=False)\n"
        "  )\n"
        ")")


def test_sequential_indexing_and_errors():
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(s) == 3 and isinstance(s[-1], nn.Linear)
    sub = s[:2]
    assert isinstance(sub, nn.Sequential) and list(sub._modules) == ["0", "1"]
    assert sub[0] is s[0]
    with pytest.raises(IndexError, match="out of range"):
        s[3]  # noqa: B018
    with pytest.raises(TypeError, match=r"nn.ReLU\(\) instead of F.relu"):
        nn.Sequential(nn.Linear(2, 2), mg.nn.functional.relu)
    named = nn.Sequential({"enc": nn.Linear(2, 3), "act": nn.Tanh()})
    assert list(named.state_dict()) == ["enc.weight", "enc.bias"]
    assert named.append(nn.Linear(3, 1)) is named and len(named) == 3


def test_module_list_and_dict_register_children():
    heads = nn.ModuleList([nn.Linear(4, 1) for _ in range(3)])
    d = nn.ModuleDict({"digit": nn.Linear(4, 10), "parity": nn.Linear(4, 2)})
    assert len(list(heads.parameters())) == 6 and len(heads) == 3
    assert list(d.keys()) == ["digit", "parity"] and "digit" in d
    assert [k for k in d.state_dict()] == ["digit.weight", "digit.bias", "parity.weight",
                                           "parity.bias"]
    heads[0] = nn.Linear(4, 2)
    assert heads[0].out_features == 2


def test_deepcopy_keeps_parameters_and_ties():
    m = nn.Module()
    m.a = nn.Linear(2, 2)
    m.b = nn.Linear(2, 2)
    m.b.weight = m.a.weight
    c = copy.deepcopy(m)
    assert isinstance(c.a.weight, nn.Parameter)
    assert c.a.weight is c.b.weight and c.a.weight is not m.a.weight
    c.a.weight.array[...] = 7.0
    assert not (m.a.weight.detach().numpy() == 7.0).any()
    c.a.weight = c.a.weight  # still accepted as a Parameter


def test_forward_hook_sees_and_can_replace_output():
    m = nn.Linear(2, 2)
    seen = []
    h = m.register_forward_hook(lambda mod, inp, out: seen.append(out.shape))
    m(mg.randn(3, 2))
    assert seen == [(3, 2)]
    h.remove()
    m(mg.randn(3, 2))
    assert seen == [(3, 2)]
    m.register_forward_hook(lambda mod, inp, out: out * 0)
    assert not m(mg.randn(3, 2)).detach().numpy().any()


def test_get_submodule_apply_and_missing_forward():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Linear(3, 3)))
    assert model.get_submodule("1.0") is model[1][0]
    with pytest.raises(AttributeError, match="no submodule '5'"):
        model.get_submodule("5")
    kinds = []
    model.apply(lambda m: kinds.append(type(m).__name__))
    assert kinds == ["Linear", "Linear", "Sequential", "Sequential"]
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_forgetting_super_init_is_explained_at_call_time_too():
    class NoInit(nn.Module):
        def __init__(self):
            pass

        def forward(self, x):
            return x

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\)"):
        NoInit()(mg.ones(1))


def test_zero_grad_without_none_zeroes_the_same_grad_tensor_and_backward_adds_into_it():
    m = nn.Linear(2, 1)
    m(mg.randn(4, 2)).sum().backward()
    g = m.weight.grad
    m.zero_grad(set_to_none=False)
    assert m.weight.grad is g and not g.numpy().any()
    m(mg.randn(4, 2)).sum().backward()
    assert m.weight.grad is g and g.numpy().any()  # accumulated in place, as in PyTorch
    optim.SGD(m.parameters(), lr=0.1).zero_grad(set_to_none=False)
    assert m.weight.grad is g and not g.numpy().any()
