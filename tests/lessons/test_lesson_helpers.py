"""lessons/lesson_helpers: what the lessons import besides the exercise checks."""
import sys
from pathlib import Path

import numpy as np
import pytest

LESSON_DIR = Path(__file__).resolve().parents[2] / "lessons"
sys.path.insert(0, str(LESSON_DIR))
from lesson_helpers import slider_or_static, spread  # noqa: E402


def test_spread_prints_mean_std_and_range(capsys):
    a = spread([0.9, 0.92, 0.94], "accuracy")
    assert isinstance(a, np.ndarray) and a.tolist() == [0.9, 0.92, 0.94]
    out = capsys.readouterr().out
    assert out.strip() == "accuracy over 3 seeds: 0.920 +- 0.020 (min 0.900, max 0.940)"


@pytest.mark.parametrize("bad", [[0.9], [[0.9, 0.8]]])
def test_spread_refuses_fewer_than_two_values(bad):
    with pytest.raises(ValueError, match="spread: need a 1-D list of at least 2 values"):
        spread(bad)


def _recorder(monkeypatch):
    import IPython.display
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs: shown.extend(objs))
    return shown


def test_slider_or_static_without_widgets_shows_the_static_values(monkeypatch):
    shown = _recorder(monkeypatch)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets raises ImportError
    drawn = []
    result = slider_or_static(lambda v: drawn.append(v) or f"fig {v}", value=0, min=0, max=9,
                              description="step", static=(0, 4, 9))
    assert result is None and drawn == [0, 4, 9] and shown == ["fig 0", "fig 4", "fig 9"]


def test_slider_or_static_redraws_when_the_value_changes(monkeypatch):
    widgets = pytest.importorskip("ipywidgets")
    _recorder(monkeypatch)
    drawn = []
    slider = slider_or_static(drawn.append, value=0.5, min=0.0, max=1.0, step=0.1,
                              description="alpha", static=(), kind="float")
    assert isinstance(slider, widgets.FloatSlider) and drawn == [0.5]
    slider.value = 0.9
    assert drawn == [0.5, 0.9]


def test_slider_or_static_names_a_wrong_kind():
    with pytest.raises(ValueError, match="slider_or_static: kind must be 'int' or 'float'"):
        slider_or_static(print, value=0, min=0, max=1, description="x", static=(), kind="log")


def test_train_two_heads_records_every_fifth_step_and_reports_test_metrics():
    from lesson_helpers.two_heads import train_two_heads

    import minigrad
    from minigrad import nn

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.shared, self.classifier, self.decoder = (nn.Linear(4, 3), nn.Linear(3, 2),
                                                          nn.Linear(3, 4))

        def forward(self, x):
            h = self.shared(x).tanh()
            return h, self.classifier(h), self.decoder(h)

    rng = np.random.default_rng(0)
    X = minigrad.tensor(rng.normal(size=(128, 4)), dtype=minigrad.float32)
    y = minigrad.tensor((rng.normal(size=128) > 0).astype(np.int64))
    record = {"CE": [], "MSE": [], "steps": []}
    _, acc, mse, steps = train_two_heads(Tiny, (X, y, X, y), seed=0, epochs=2, record=record)
    assert steps == 4 and record["steps"] == [0] and len(record["CE"]) == 1
    assert 0.0 <= acc <= 1.0 and mse > 0
    again = train_two_heads(Tiny, (X, y, X, y), seed=0, epochs=2)
    assert again[1] == acc and again[2] == mse                # the seed fixes the run
