"""``slider_or_static``: a figure under an ipywidgets slider, or a few static figures without it."""
from __future__ import annotations


def slider_or_static(show, *, value, min, max, step=1, description, static, kind="int"):
    """Display ``show(v)`` (it returns a matplotlib Figure) under a slider for ``v``.

    With ipywidgets: an ``IntSlider`` (``kind="int"``) or ``FloatSlider`` (``kind="float"``)
    from ``min`` to ``max``; moving it, or setting its ``.value``, redraws. Returns the slider.
    Without ipywidgets (not installed, or a headless run): displays ``show(v)`` for each ``v`` in
    ``static`` side by side and returns None.
    """
    if kind not in ("int", "float"):
        raise ValueError(f"slider_or_static: kind must be 'int' or 'float', got {kind!r}")
    from IPython.display import display

    try:
        import ipywidgets as widgets
    except ImportError:                  # no widgets: static figures
        widgets = None
    if widgets is None:
        for v in static:
            display(show(v))
        return None
    cls = widgets.IntSlider if kind == "int" else widgets.FloatSlider
    slider = cls(value=value, min=min, max=max, step=step, description=description)
    screen = widgets.Output()

    def on_change(change):
        with screen:
            screen.clear_output(wait=True)
            display(show(change["new"]))

    slider.observe(on_change, names="value")
    display(slider, screen)
    on_change({"new": slider.value})
    return slider
