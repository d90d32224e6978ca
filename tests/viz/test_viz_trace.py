"""trace_backward: the steps of a backward pass, in the engine's order, with the right gradients."""
import numpy as np
import pytest
from viz_models import two_heads

import minigrad as mg
from minigrad import viz
from minigrad.autograd import extend
from minigrad.autograd.function import Context

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3, pytest.mark.ex3_2]


def test_steps_come_in_reverse_topological_order(heads):
    roots, params, _ = heads
    trace = viz.trace_backward(roots)
    assert extend.on_backward == []  # removed again: an ordinary backward pays nothing
    position = {id(s.node): s.index for s in trace}
    assert [s.index for s in trace] == list(range(len(trace)))
    assert len(position) == len(trace)  # each node runs once, after all its consumers
    graph = viz.build_graph(roots)
    assert len(trace) == sum(1 for n in graph.nodes.values() if n.kind == "op")
    for s in trace:
        for p in s.node.parents:
            if type(p) is Context:
                assert position[id(p)] > s.index, f"{p.fn.__name__} ran before {s.op}"


def test_step_gradients_match_the_engine(heads):
    roots, params, h = heads
    # reference gradients from grad(), before the traced backward frees the graph
    ref = mg.grad(roots["CE"] + roots["PCA"], list(params.values()), retain_graph=True)
    trace = viz.trace_backward(roots)
    for (name, p), g in zip(params.items(), ref):
        np.testing.assert_allclose(p.grad.numpy(), g.numpy(), rtol=1e-6, atol=1e-7)
    grads, notes, current = trace.drawing_state()
    assert current is None and len(notes) == len(trace)
    for name, p in params.items():  # the per-step leaf sums add up to .grad
        np.testing.assert_allclose(grads[("leaf", id(p))], p.grad.numpy(), rtol=1e-5, atol=1e-7)
    for s in trace:  # each step: incoming gradient per output, outgoing per forward argument
        assert len(s.grad_outputs) == len(s.node.out_meta)
        assert len(s.grad_inputs) == len(s.node.parents)
        for g, (shape, _) in zip(s.grad_outputs, s.node.out_meta):
            assert g is None or g.shape == shape
        assert s.rule == f"{s.node.fn.__name__}.backward"
    first = trace[0]  # the seed: d loss / d loss = 1
    assert first.grad_outputs[0].item() == 1.0


def test_partial_state_and_drawing_step_by_step(heads):
    roots, params, _ = heads
    trace = viz.trace_backward(roots)
    grads, notes, current = trace.drawing_state(0)
    assert current == ("op", id(trace[0].node)) and len(notes) == 1
    assert all(grads[("leaf", id(p))] is None for p in params.values())  # nothing arrived yet
    k = next(s.index for s in trace if any(p is params["Wc"] for p in s.node.parents))
    grads, _, _ = trace.drawing_state(k)
    assert grads[("leaf", id(params["Wc"]))] is not None
    assert grads[("leaf", id(params["W0"]))] is None
    fig = viz.draw_trace(trace, step=k, params=params)
    node = fig.minigrad_graph.nodes[("op", id(trace[k].node))]
    assert node.patch.get_linewidth() == pytest.approx(3.0)
    assert f"step {k + 1}" in node.label
    (wc,) = fig.minigrad_graph.find("Wc")
    assert wc.lines[-1].startswith("|grad|")
    (w0,) = fig.minigrad_graph.find("W0")
    assert not any("grad" in line for line in w0.lines)
    with pytest.raises(IndexError, match="out of range"):
        trace.drawing_state(len(trace))


def test_print_trace(capsys):
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    x.name = "x"
    trace = viz.trace_backward((x * x).sum())
    viz.print_trace(trace)
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "step 1: Sum  (rule Sum.backward)"
    assert "-> Mul: [1, 1]" in out
    assert "-> leaf x: [1, 2]" in out  # each of Mul's two inputs gets x
    assert str(trace) + "\n" == out


def test_observer_removed_after_an_error():
    class Boom(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            raise ArithmeticError("boom")

    x = mg.ones(2, requires_grad=True)
    with pytest.raises(ArithmeticError):
        viz.trace_backward(Boom.apply(x).sum())
    assert extend.on_backward == []


def test_trace_of_overridden_rule_names_it():
    if not hasattr(mg, "override_gradient"):
        pytest.skip("override_gradient not available")
    x = mg.tensor([1.0, -2.0], requires_grad=True)

    def straight_through(ctx, g):
        return g

    from minigrad.ops.unary import Relu

    with mg.override_gradient(Relu, straight_through):
        y = x.relu().sum()
    trace = viz.trace_backward(y)
    relu_step = next(s for s in trace if s.op == "Relu")
    assert relu_step.rule.startswith("override") and "straight_through" in relu_step.rule
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_two_heads_graph_trace_counts():
    roots, params, _ = two_heads(depth=2)
    trace = viz.trace_backward(roots)
    ops = [s.op for s in trace]
    assert ops.count("Tanh") == 2 and ops.count("LogSoftmax") == 1
