"""See backprop: the computation graph, a backward pass step by step, and multi-loss plots.

Everything here returns a matplotlib Figure (matplotlib is imported lazily, inside the functions,
so ``import minigrad.viz`` works without it) and never calls ``show()``: display the figure in a
notebook, or ``fig.savefig(path)``.
"""
from .dot import to_dot
from .draw import draw_graph
from .graph import Graph, GraphNode, build_graph
from .trace import BackwardStep, BackwardTrace, draw_trace, print_trace, trace_backward

__all__ = ["draw_graph", "to_dot", "build_graph", "Graph", "GraphNode", "trace_backward",
           "BackwardTrace", "BackwardStep", "print_trace", "draw_trace"]
