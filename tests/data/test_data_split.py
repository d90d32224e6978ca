"""train_test_split: sizes, stratification, reproducibility, errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.data import load_digits, train_test_split


def test_sizes_disjoint_and_complete():
    X = mg.arange(20).reshape(10, 2).float()
    y = mg.arange(10)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, seed=0)
    assert len(Xte) == 3 and len(Xtr) == 7  # ceil(0.25 * 10)
    ids = np.concatenate([ytr.numpy(), yte.numpy()])
    assert sorted(ids.tolist()) == list(range(10))
    np.testing.assert_array_equal(Xtr.numpy()[:, 0] / 2, ytr.numpy())  # rows stay paired
    a, b = train_test_split(X, test_size=4, seed=1)
    assert (len(a), len(b)) == (6, 4)


def test_seeded_and_global_generator():
    X = mg.arange(50)
    s0 = train_test_split(X, seed=0)[1].numpy()
    np.testing.assert_array_equal(train_test_split(X, seed=0)[1].numpy(), s0)
    assert not np.array_equal(train_test_split(X, seed=1)[1].numpy(), s0)
    mg.manual_seed(3)
    g = train_test_split(X)[1].numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(train_test_split(X)[1].numpy(), g)


def test_stratified_split_keeps_class_shares():
    X, y = load_digits()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, stratify=True, seed=0)
    assert len(yte) == 450 and len(ytr) == 1347
    full, test = np.bincount(y.numpy()), np.bincount(yte.numpy(), minlength=10)
    assert np.abs(test - full * 450 / 1797).max() < 1  # each class within one sample of its share
    assert test.sum() == 450
    # stratify may also be the labels themselves
    other = train_test_split(X, test_size=0.5, stratify=y, seed=0)[1]
    assert len(other) == 899


def test_errors():
    X = mg.arange(10)
    with pytest.raises(ValueError, match=r"must be in \(0, 1\)"):
        train_test_split(X, test_size=0.0)
    with pytest.raises(ValueError, match="both sets must be non-empty"):
        train_test_split(X, test_size=10)
    with pytest.raises(ValueError, match="X has 10 samples but y has 9"):
        train_test_split(X, mg.arange(9))
    with pytest.raises(ValueError, match="needs the labels"):
        train_test_split(X, stratify=True)
    with pytest.raises(ValueError, match="at least 2 per class"):
        train_test_split(X, mg.tensor([0] * 9 + [1]), stratify=True)
