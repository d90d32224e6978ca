"""DataLoader: every sample once per epoch, batch sizes, drop_last, seeded shuffling."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader, TensorDataset

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def dataset(n=10):
    X = mg.arange(2 * n).reshape(n, 2).float()
    return X, mg.arange(n)


def test_batches_cover_every_sample_once():
    X, y = dataset(10)
    loader = DataLoader((X, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [len(b[1]) for b in batches] == [4, 4, 2]
    assert np.concatenate([b[1].numpy() for b in batches]).tolist() == list(range(10))
    xb, yb = batches[0]
    np.testing.assert_array_equal(xb.numpy()[:, 0] / 2, yb.numpy())


def test_drop_last():
    loader = DataLoader(TensorDataset(*dataset(10)), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [len(b[0]) for b in loader] == [4, 4]


def test_seeded_shuffle_differs_per_epoch_and_repeats_per_run():
    X, y = dataset(30)

    def epochs(loader):
        return [np.concatenate([b[1].numpy() for b in loader]) for _ in range(2)]

    e1, e2 = epochs(DataLoader((X, y), batch_size=7, shuffle=True, seed=4))
    assert sorted(e1.tolist()) == list(range(30)) and not np.array_equal(e1, e2)
    f1, f2 = epochs(DataLoader((X, y), batch_size=7, shuffle=True, seed=4))
    np.testing.assert_array_equal(e1, f1)
    np.testing.assert_array_equal(e2, f2)
    mg.manual_seed(9)
    g1 = epochs(DataLoader((X, y), batch_size=7, shuffle=True))[0]
    mg.manual_seed(9)
    np.testing.assert_array_equal(epochs(DataLoader((X, y), batch_size=7, shuffle=True))[0], g1)


def test_single_tensor_and_generic_dataset():
    X, _ = dataset(5)
    assert [b.shape for b in DataLoader(X, batch_size=2)] == [(2, 2), (2, 2), (1, 2)]

    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return mg.tensor([float(i)]), i * i

    xs, ys = next(iter(DataLoader(Squares(), batch_size=3)))
    assert xs.shape == (3, 1) and ys.numpy().tolist() == [0, 1, 4]


def test_errors():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(dataset()[0], batch_size=0)
    with pytest.raises(ValueError, match="tensor 0 has 10 rows but tensor 1 has 9"):
        TensorDataset(mg.zeros(10), mg.zeros(9))
    with pytest.raises(TypeError, match="not a Tensor"):
        TensorDataset(mg.zeros(3), [1, 2, 3])


def test_split_and_batches_stay_on_the_device_strict_stand_in():
    X, y = mg.data.load_digits(n_class=2, device="strict")
    Xtr, Xte, ytr, yte = mg.data.train_test_split(X, y, stratify=True, seed=0)
    xb, yb = next(iter(DataLoader((Xtr, ytr), batch_size=16, shuffle=True, seed=0)))
    assert {t.device for t in (Xtr, Xte, ytr, yte, xb, yb)} == {"strict"}
    assert xb.shape == (16, 64) and yb.dtype == mg.int64
    w = mg.randn(6, 2, requires_grad=True, device="strict")  # a split keeps the graph
    a, b = mg.data.train_test_split(w, seed=0)
    (a.sum() + b.sum()).backward()
    assert w.grad.cpu().numpy().tolist() == [[1.0, 1.0]] * 6
