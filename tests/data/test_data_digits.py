"""The bundled digits: right size, classes and values, read from the package itself."""
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import load_digits


def test_shapes_dtypes_and_class_counts():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == mg.float32
    assert y.shape == (1797,) and y.dtype == mg.int64
    x = X.numpy()
    assert x.min() == 0 and x.max() == 16 and (x == np.round(x)).all()
    # the class sizes of the UCI test set as scikit-learn ships it
    assert np.bincount(y.numpy()).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_images_subset_and_dtype_options():
    X, y = load_digits(n_class=3, images=True, dtype=mg.float64)
    assert X.shape == (537, 8, 8) and X.dtype == mg.float64 and set(y.numpy()) == {0, 1, 2}
    flat, _ = load_digits(n_class=3)
    np.testing.assert_array_equal(X.numpy().reshape(537, 64), flat.numpy())
    with pytest.raises(ValueError, match="n_class"):
        load_digits(n_class=11)


def test_images_look_like_digits():
    X, y = load_digits(images=True)
    img = X.numpy()
    zeros, ones = img[y.numpy() == 0].mean(0), img[y.numpy() == 1].mean(0)
    assert zeros[3:5, 3:5].mean() < zeros[3:5, 1].mean()  # a hole in the middle of a 0
    assert ones[:, 3:5].mean() > ones[:, 0].mean()  # ink down the middle of a 1


def test_the_data_file_ships_inside_the_package_and_is_small():
    path = resources.files("minigrad.data") / "digits.npz"
    assert path.is_file() and path.stat().st_size < 100_000
    source = Path(mg.data.digits.__file__).read_text()
    assert "sklearn" not in source.replace("sklearn/datasets", "")  # no run-time dependency
