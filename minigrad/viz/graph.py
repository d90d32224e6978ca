"""Read the graph recorded behind one or several losses into plain nodes and edges.

The engine keeps, for every op application, a node (:class:`~minigrad.autograd.function.Context`)
that links to where each input came from (``ctx.parents``: another node, a leaf tensor, or None
for a constant) and remembers the shape and dtype of each output (``ctx.out_meta``). Those links
survive ``backward``; only the values saved for the backward rules are freed. So the graph can be
drawn before or after backward, and the intermediate tensors themselves are not needed: an
intermediate is drawn from its producer's ``out_meta``.

Both drawings (:func:`minigrad.viz.draw_graph` with matplotlib and :func:`minigrad.viz.to_dot`
for Graphviz) read the same :class:`Graph`, built here without any plotting library.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import backend
from ..autograd.function import Context
from ..autograd.hooks import RetainGrad
from ..tensor import Tensor

# Colours for the roots (matplotlib's tab10, so plots and drawings agree).
ROOT_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf")


@dataclass
class GraphNode:
    """One box of the drawing: an op, a leaf tensor, an intermediate tensor or a constant."""

    key: tuple
    kind: str  # "op" | "leaf" | "tensor" | "const"
    title: str
    lines: list = field(default_factory=list)
    reached: tuple = ()  # indices of the roots that depend on this node
    ref: object = None  # the Context (op), the leaf Tensor, or (Context, output index)
    patch: object = None  # set by draw_graph: the box artist
    text: object = None  # set by draw_graph: the label artist

    @property
    def label(self) -> str:
        return "\n".join([self.title, *self.lines])


@dataclass
class Graph:
    """Nodes (in discovery order), edges ``(source key, target key)`` and the named roots."""

    nodes: dict
    edges: list
    root_names: list
    root_keys: list
    colours: list

    def preds(self) -> dict:
        out: dict = {k: [] for k in self.nodes}
        for a, b in self.edges:
            out[b].append(a)
        return out

    def succs(self) -> dict:
        out: dict = {k: [] for k in self.nodes}
        for a, b in self.edges:
            out[a].append(b)
        return out

    def edge_reached(self, edge) -> tuple:
        """The roots an edge carries gradient back from: those that reach its target."""
        return self.nodes[edge[1]].reached

    def find(self, title: str) -> list:
        """The nodes whose title is ``title`` (handy in tests and notebooks)."""
        return [n for n in self.nodes.values() if n.title == title]


def normalize_roots(roots) -> list:
    """``roots`` as a list of ``(name, Tensor)``: a Tensor, a dict of named losses, or a list."""
    if isinstance(roots, Tensor):
        return [(roots.name or "loss", roots)]
    if isinstance(roots, dict):
        items = list(roots.items())
    elif isinstance(roots, (list, tuple)):
        items = [(t.name if isinstance(t, Tensor) and t.name else f"root {i}", t)
                 for i, t in enumerate(roots)]
    else:
        raise TypeError(
            f"draw_graph/to_dot: roots must be a Tensor, a dict {{name: Tensor}} or a list of "
            f"Tensors, got {type(roots).__name__}"
        )
    if not items:
        raise ValueError("draw_graph/to_dot: got no roots; pass the loss tensor(s) to draw")
    for name, t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"draw_graph/to_dot: root {name!r} is a {type(t).__name__}, "
                            "not a Tensor")
    return [(str(n), t) for n, t in items]


def fmt_array(arr, small: int) -> str | None:
    """Values of a host array on one line when it has at most ``small`` elements, else None."""
    a = np.asarray(arr)
    if a.size > small:
        return None
    if a.size == 1:
        return _num(a.reshape(()).item(), 4)
    return _nested(a)


def _num(v, digits=3) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{v:.{digits}g}"


def _nested(a) -> str:
    if a.ndim == 0:
        return _num(a.item())
    return "[" + ", ".join(_nested(x) for x in a) + "]"


def _shape_line(shape, dtype) -> str:
    dt = str(dtype)
    return f"{tuple(shape)} {dt}" if dt != "float32" else f"{tuple(shape)}"


def _grad_line(g, small: int) -> str:
    a = backend.to_numpy(g.array if isinstance(g, Tensor) else g)
    vals = fmt_array(a, small)
    if vals is not None:
        return f"grad {vals}"
    return f"|grad| {np.sqrt(np.sum(np.asarray(a, dtype=np.float64) ** 2)):.3g}"


def _value_line(t: Tensor, small: int) -> str | None:
    vals = fmt_array(backend.to_numpy(t.array), small)
    return None if vals is None else f"= {vals}"


def build_graph(roots, params=None, grads=None, small: int = 4, show_constants: bool = True,
                max_nodes: int = 400) -> Graph:
    """Collect the nodes and edges that ``roots`` depend on.

    ``params`` ({name: Tensor}, e.g. ``dict(model.named_parameters())``) names leaves;
    ``grads`` ({node key: array or None}) supplies gradients by node key (``("out", id(ctx), i)``
    or ``("leaf", id(tensor))``), e.g. from :func:`minigrad.viz.trace_backward`; they take
    precedence over ``.grad``. Values are shown for tensors with at most ``small``
    elements.
    """
    named = normalize_roots(roots)
    names = {id(t): n for n, t in (params or {}).items()}
    grads = grads or {}
    nodes: dict = {}
    edges: list = []
    root_keys = []

    def leaf_node(t: Tensor, title=None):
        key = ("leaf", id(t))
        if key not in nodes:
            title = title or names.get(id(t)) or t.name or ("leaf" if t.requires_grad
                                                            else "tensor")
            lines = [_shape_line(t.shape, t.dtype)]
            v = _value_line(t, small)
            if v:
                lines.append(v)
            g = grads[key] if key in grads else t.grad  # a trace may say "no grad yet": None
            if g is not None:
                lines.append(_grad_line(g, small))
            nodes[key] = GraphNode(key, "leaf", title, lines, ref=t)
        return key

    def out_node(ctx: Context, i: int, title=None, tensor=None):
        key = ("out", id(ctx), i)
        if key not in nodes:
            shape, dtype = ctx.out_meta[i]
            held = tensor
            if held is None and ctx.hooks and i in ctx.hooks:
                held = next((h.ref() for h in ctx.hooks[i] if type(h) is RetainGrad), None)
            if held is not None and held.name and title is None:
                title = held.name
            lines = [_shape_line(shape, dtype)]
            if held is not None:
                v = _value_line(held, small)
                if v:
                    lines.append(v)
            g = grads.get(key)
            if g is None and held is not None and held.grad is not None:
                g = held.grad
            if g is not None:
                lines.append(_grad_line(g, small))
            nodes[key] = GraphNode(key, "tensor", title or "tensor", lines, ref=(ctx, i))
        elif title is not None:
            nodes[key].title = title
        return key

    def op_node(ctx: Context):
        key = ("op", id(ctx))
        if key not in nodes:
            lines = []
            if ctx.custom_rule is not None:
                lines.append(f"rule: {getattr(ctx.custom_rule, '__name__', 'custom')}")
            nodes[key] = GraphNode(key, "op", ctx.fn.__name__.lstrip("_"), lines, ref=ctx)
        return key

    stack = []
    producers = {}
    for name, t in named:
        if t.grad_fn is None:
            root_keys.append(leaf_node(t, title=name))
        else:
            root_keys.append(out_node(t.grad_fn, t._out_index, title=name, tensor=t))
            producers[root_keys[-1]] = t.grad_fn
            stack.append(t.grad_fn)
    seen = set()
    while stack:
        ctx = stack.pop()
        if ctx in seen:
            continue
        seen.add(ctx)
        if len(nodes) > max_nodes:
            raise ValueError(
                f"draw_graph/to_dot: the graph has more than {max_nodes} nodes, too many to read; "
                "draw a smaller part (e.g. one layer's loss) or raise max_nodes"
            )
        me = op_node(ctx)
        for i, p in enumerate(ctx.parents):
            p, j = p if type(p) is tuple else (p, 0)
            if type(p) is Context:
                src = out_node(p, j)
                edges.append((op_node(p), src))
                stack.append(p)
            elif isinstance(p, Tensor):
                src = leaf_node(p)
            elif show_constants and ctx.in_shapes[i] is not None:
                src = ("const", id(ctx), i)
                nodes[src] = GraphNode(src, "const", "const", [str(tuple(ctx.in_shapes[i]))],
                                       ref=(ctx, i))
            else:
                continue
            edges.append((src, me))
    for key, ctx in producers.items():  # each root's own producer -> root edge
        edges.append((op_node(ctx), key))
    edges = list(dict.fromkeys(edges))  # an op feeding one tensor twice: one edge
    graph = Graph(nodes, edges, [n for n, _ in named], root_keys,
                  [ROOT_COLOURS[k % len(ROOT_COLOURS)] for k in range(len(named))])
    _mark_reach(graph)
    return graph


def _mark_reach(graph: Graph) -> None:
    """For each root, mark every node it depends on (walking edges backwards)."""
    preds = graph.preds()
    reached: dict = {k: [] for k in graph.nodes}
    for r, key in enumerate(graph.root_keys):
        stack, seen = [key], set()
        while stack:
            k = stack.pop()
            if k in seen:
                continue
            seen.add(k)
            reached[k].append(r)
            stack.extend(preds[k])
    for k, node in graph.nodes.items():
        node.reached = tuple(reached[k])


def build_traced_graph(roots, trace=None, step=None, **kwargs):
    """:func:`build_graph` with a backward trace's gradients and notes (up to ``step``) applied.
    Returns ``(graph, current)``, ``current`` being the node the trace is at (or None)."""
    grads, notes, current = {}, {}, None
    if trace is not None:
        grads, notes, current = trace.drawing_state(step)
        if roots is None:
            roots = trace.roots
    graph = build_graph(roots, grads=grads, **kwargs)
    for key, note in notes.items():
        if key in graph.nodes:
            graph.nodes[key].lines.append(note)
    return graph, current
