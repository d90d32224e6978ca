"""draw_graph / build_graph / to_dot: structure, labels, root colours and readability."""
import itertools
import re

import numpy as np
import pytest
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.text import Text
from viz_models import two_heads

import minigrad as mg
from minigrad import viz

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]


def _extents(fig):
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    return r, {k: n.patch.get_window_extent(r) for k, n in fig.minigrad_graph.nodes.items()}


def _overlap(a, b, tol=0.5):
    return (a.x0 < b.x1 - tol and b.x0 < a.x1 - tol and a.y0 < b.y1 - tol and b.y0 < a.y1 - tol)


def test_forty_node_graph_is_readable():
    roots, params, _ = two_heads(depth=3)
    fig = viz.draw_graph(roots, params=params)
    graph = fig.minigrad_graph
    assert len(graph.nodes) >= 40
    renderer, boxes = _extents(fig)
    for (ka, a), (kb, b) in itertools.combinations(boxes.items(), 2):
        assert not _overlap(a, b), f"boxes of {graph.nodes[ka].title} and {graph.nodes[kb].title}"
    texts = [t.get_text() for t in fig.findobj(Text)]
    for key, node in graph.nodes.items():
        assert node.label in texts
        tb = node.text.get_window_extent(renderer)
        box = boxes[key]  # the label sits inside its box
        assert box.x0 <= tb.x0 + 0.5 and tb.x1 <= box.x1 + 0.5
        assert box.y0 <= tb.y0 + 0.5 and tb.y1 <= box.y1 + 0.5


def test_layers_follow_topological_depth(heads):
    roots, params, _ = heads
    fig = viz.draw_graph(roots, params=params)
    lay, graph = fig.minigrad_layout, fig.minigrad_graph
    for a, b in graph.edges:
        assert lay.ranks[a] < lay.ranks[b]
        assert lay.centres[a][1] < lay.centres[b][1]  # TB: inputs above their consumers
    fig = viz.draw_graph(roots, rankdir="LR")
    lay = fig.minigrad_layout
    for a, b in fig.minigrad_graph.edges:
        assert lay.centres[a][0] < lay.centres[b][0]


def test_one_node_per_tensor_and_op(heads):
    roots, params, _ = heads
    graph = viz.build_graph(roots, params=params)
    kinds = [n.kind for n in graph.nodes.values()]
    ops = [n for n in graph.nodes.values() if n.kind == "op"]
    # every op produces exactly one tensor box here, and every leaf is drawn once
    assert kinds.count("tensor") == len(ops)
    assert sorted(n.title for n in graph.nodes.values() if n.kind == "leaf") == sorted(params)
    assert {n.title for n in ops} >= {"MatMul", "Add", "Tanh", "LogSoftmax", "Mean", "Pow"}
    # intermediate boxes carry the producer's out_meta shape
    tanh = graph.find("Tanh")[0]
    (out,) = [b for a, b in graph.edges if a == tanh.key]
    assert graph.nodes[out].lines[0] == "(8, 5)"


def test_shared_layer_carries_both_heads_colours(heads):
    roots, params, _ = heads
    fig = viz.draw_graph(roots, params=params)
    graph = fig.minigrad_graph
    (w0,) = graph.find("W0")
    (wc,) = graph.find("Wc")
    (wp,) = graph.find("Wp")
    assert w0.reached == (0, 1) and wc.reached == (0,) and wp.reached == (1,)
    ce_colour, pca_colour = graph.colours
    assert ce_colour != pca_colour

    renderer, boxes = _extents(fig)

    def band_colours(node):
        box = boxes[node.key]
        out = set()
        for p in fig.axes[0].patches:
            e = p.get_window_extent(renderer)
            if isinstance(p, Rectangle) and box.contains((e.x0 + e.x1) / 2, (e.y0 + e.y1) / 2):
                out.add(_hex(p.get_facecolor()))
        return out

    assert band_colours(w0) == {ce_colour, pca_colour}
    assert band_colours(wc) == {ce_colour}
    # edges: one arrow per root that reaches the edge's target
    arrows = [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == sum(len(graph.edge_reached(e)) for e in graph.edges)
    assert {_hex(a.get_edgecolor()) for a in arrows} == {ce_colour, pca_colour}
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "CE" in legend_texts and "PCA" in legend_texts


def _hex(rgba):
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgba[:3])


def test_values_when_small_and_leaf_grads_after_backward():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.name = "x"
    y = (x * x).sum()
    before = viz.build_graph(y)
    (xn,) = before.find("x")
    assert xn.lines == ["(3,)", "= [1, 2, 3]"]
    y.backward()
    after = viz.build_graph(y)  # node links survive backward; only saved values were freed
    assert [n.title for n in after.nodes.values()] == [n.title for n in before.nodes.values()]
    (xn,) = after.find("x")
    assert xn.lines[-1] == "grad [2, 4, 6]"
    (root,) = after.find("loss")
    assert "= 14" in root.lines


def test_big_tensors_show_gradient_norm_and_retained_intermediates():
    mg.manual_seed(1)
    W = mg.randn(4, 5).requires_grad_()
    h = W.tanh()
    h.retain_grad()
    loss = (h * h).sum()
    loss.backward()
    graph = viz.build_graph(loss, params={"W": W})
    (wn,) = graph.find("W")
    norm = float(np.linalg.norm(W.grad.numpy()))
    assert wn.lines[-1] == f"|grad| {norm:.3g}"
    tanh_out = [n for n in graph.nodes.values() if n.kind == "tensor" and n.title == "tensor"]
    assert any(line.startswith("|grad|") for n in tanh_out for line in n.lines)


def test_to_dot_matches_the_drawing(heads):
    roots, params, _ = heads
    dot = viz.to_dot(roots, params=params)
    graph = viz.build_graph(roots, params=params)
    assert dot.startswith("digraph minigrad {") and dot.rstrip().endswith("}")
    node_lines = re.findall(r"^  n\d+ \[label=", dot, flags=re.M)
    edge_lines = re.findall(r"^  n\d+ -> n\d+ \[color=\"([^\"]+)\"\];", dot, flags=re.M)
    assert len(node_lines) == len(graph.nodes) and len(edge_lines) == len(graph.edges)
    both = ":".join(graph.colours)
    assert both in edge_lines  # the shared trunk's edges carry both heads' colours
    for node in graph.nodes.values():
        assert node.title in dot
    with pytest.raises(ValueError, match="rankdir"):
        viz.to_dot(roots, rankdir="BT")


def test_bad_roots_are_explained():
    with pytest.raises(TypeError, match="roots must be a Tensor"):
        viz.draw_graph(3.0)
    with pytest.raises(ValueError, match="no roots"):
        viz.build_graph({})
    with pytest.raises(TypeError, match="root 'a' is a int"):
        viz.build_graph({"a": 1})
    x = mg.ones(3, requires_grad=True)
    y = x
    for _ in range(30):
        y = y * 1.01
    with pytest.raises(ValueError, match="more than 20 nodes"):
        viz.build_graph(y, max_nodes=20)
