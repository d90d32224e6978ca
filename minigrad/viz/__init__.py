"""See backprop: the computation graph, a backward pass step by step, and multi-loss plots.

Everything here returns a matplotlib Figure (matplotlib is imported lazily, inside the functions,
so ``import minigrad.viz`` works without it) and never calls ``show()``: display the figure in a
notebook, or ``fig.savefig(path)``.

Graph
    :func:`draw_graph` (matplotlib only), :func:`to_dot` (Graphviz text),
    :func:`trace_backward` / :func:`print_trace` / :func:`draw_trace` (a backward pass step by
    step).
Several losses
    :func:`plot_grad_norms`, :func:`plot_cosine`, :func:`plot_curves`, :func:`plot_weights`,
    :func:`plot_pareto`.
"""
from .dot import to_dot
from .draw import draw_graph
from .graph import Graph, GraphNode, build_graph
from .pareto import plot_pareto
from .plots import plot_cosine, plot_curves, plot_grad_norms, plot_weights
from .trace import BackwardStep, BackwardTrace, draw_trace, print_trace, trace_backward

__all__ = ["draw_graph", "to_dot", "build_graph", "Graph", "GraphNode", "trace_backward",
           "BackwardTrace", "BackwardStep", "print_trace", "draw_trace", "plot_grad_norms",
           "plot_cosine", "plot_curves", "plot_weights", "plot_pareto"]
