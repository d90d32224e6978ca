"""The computation graph as Graphviz DOT text, for people who have Graphviz installed.

``dot -Tpng graph.dot -o graph.png`` renders it. It holds the same nodes, labels and root colours
as :func:`minigrad.viz.draw_graph`: each box has a row of colour cells, one per root that depends
on it, and each edge is drawn in those colours side by side (``color="a:b"``).
"""
from __future__ import annotations

from html import escape

from .draw import _FILL
from .graph import build_traced_graph


def _html_label(node, colours) -> str:
    text = "<BR/>".join(escape(line) for line in node.label.split("\n"))
    if len(colours) < 2:
        return f"<{text}>"
    cells = "".join(f'<TD BGCOLOR="{c}" HEIGHT="4" WIDTH="12"></TD>' for c in colours)
    return (f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="1"><TR><TD COLSPAN="{len(colours)}">'
            f"{text}</TD></TR><TR>{cells}</TR></TABLE>>")


def to_dot(roots, *, params=None, trace=None, step=None, rankdir="TB", small=4,
           show_constants=True, max_nodes=400) -> str:
    """Return Graphviz DOT text for the graph behind ``roots`` (same arguments as draw_graph)."""
    graph, _ = build_traced_graph(roots, trace, step, params=params, small=small,
                                  show_constants=show_constants, max_nodes=max_nodes)
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"to_dot: rankdir must be 'TB' or 'LR', got {rankdir!r}")
    ids = {key: f"n{i}" for i, key in enumerate(graph.nodes)}
    out = ["digraph minigrad {", f"  rankdir={rankdir};",
           '  node [fontname="Helvetica", fontsize=10];', '  edge [arrowsize=0.7];']
    for name, colour in zip(graph.root_names, graph.colours):
        out.append(f"  // root {escape(name)!s}: {colour}")
    for key, node in graph.nodes.items():
        colours = [graph.colours[r] for r in node.reached]
        border = colours[0] if len(colours) == 1 else "#444444"
        style = "filled,rounded" if node.kind == "op" else "filled"
        if node.kind == "const":
            style += ",dashed"
        width = 2 if key in graph.root_keys else 1
        out.append(f'  {ids[key]} [label={_html_label(node, colours)}, shape=box, '
                   f'style="{style}", fillcolor="{_FILL[node.kind]}", color="{border}", '
                   f"penwidth={width}];")
    for a, b in graph.edges:
        colours = [graph.colours[r] for r in graph.edge_reached((a, b))] or ["#555555"]
        out.append(f'  {ids[a]} -> {ids[b]} [color="{":".join(colours)}"];')
    out.append("}")
    return "\n".join(out) + "\n"
