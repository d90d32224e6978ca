"""The quality bar: a small MLP trained with minigrad reaches 96% test accuracy on the digits."""
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.data import DataLoader, load_digits, train_test_split

pytestmark = [pytest.mark.ex3_2, pytest.mark.ex3_5]


def train_digits(seed, max_epochs=20, target=0.96):
    """Train until the test accuracy reaches ``target``; return the accuracy after each epoch."""
    mg.manual_seed(seed)
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, test_size=0.25,
                                                        stratify=True, seed=0)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = mg.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader((X_train, y_train), batch_size=64, shuffle=True, seed=seed)
    history = []
    for _ in range(max_epochs):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
        model.eval()
        with mg.no_grad():
            history.append((model(X_test).argmax(dim=1) == y_test).float().mean().item())
        if history[-1] >= target:
            break
    return history


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mlp_reaches_96_percent_on_digits_within_20_epochs(seed):
    history = train_digits(seed)
    assert history[-1] >= 0.96, f"test accuracy per epoch: {[round(a, 3) for a in history]}"
    assert history[0] > 0.6  # it is learning from the first epoch
