"""An op is declared once (``minigrad/ops/registry.py``); everything else is derived from that
declaration. These tests check that the derived lists agree: the exports, the Tensor methods,
``override_gradient``'s lookup, and the test suite's op table."""
import inspect

import pytest
from opcases import CASES

import minigrad as mg
from minigrad import ops
from minigrad.autograd.function import Function, Op
from minigrad.ops import registry
from minigrad.overrides import function_class

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_2, pytest.mark.ex2_3]

# Ops the shared op table does not draw (each is tested on its own, in the file named).
TESTED_ELSEWHERE = {
    "Cast": "tests/engine/test_ops_details.py (dtype conversions)",
    "Clone": "tests/engine/test_ops_details.py",
    "ToDevice": "tests/engine/test_backend_parity.py (strict stand-in and CuPy)",
    "IndexAdd": "tests/engine/test_ops_details.py (getitem's adjoint)",
    "Linear": "tests/nn/test_nn_layers.py (nn.Linear, gradcheck)",
    "Trace": "tests/engine/test_ops_details.py",
    "PCALoss": "tests/overrides/test_pca_loss.py",
}


IN_PLACE = {"SetItem"}  # x[i] = v: the in-place family attaches itself (ops/inplace.py)


def _op_classes_defined_in_ops():
    found = set()
    for mod in [m for name, m in vars(ops).items() if inspect.ismodule(m)]:
        for obj in vars(mod).values():
            if (isinstance(obj, type) and issubclass(obj, Op) and obj.__module__ == mod.__name__
                    and obj.__name__ not in IN_PLACE and "forward" in vars(obj)):
                found.add(obj)
    return found  # (a base such as ZeroGrad, with no forward of its own, is not an op)


def test_every_op_class_is_declared_by_a_function():
    declared = registry.op_classes()
    missing = {c.__name__ for c in _op_classes_defined_in_ops()} - {c.__name__ for c in declared}
    assert not missing, f"Op classes no public function declares: {sorted(missing)}"
    assert not any(issubclass(c, Function) for c in declared)  # built-ins are Ops


def test_every_declared_name_is_exported():
    for name, fn in registry.FUNCTIONS.items():
        assert getattr(ops, name) is fn and name in ops.__all__
    for cls in registry.op_classes():
        assert getattr(ops, cls.__name__) is cls and cls.__name__ in ops.__all__
    for name in ops.__all__:  # and nothing else is
        assert name in registry.FUNCTIONS or name in {c.__name__ for c in registry.op_classes()}


def test_every_declared_method_is_on_tensor():
    x = mg.tensor([1.0, 2.0])
    for name, fn in registry.METHODS.items():
        got = getattr(mg.Tensor, name)
        assert got is fn, name
        assert callable(getattr(x, name))


def test_override_gradient_finds_each_op_from_its_function():
    for name, fn in registry.FUNCTIONS.items():
        if fn.op is not None:
            assert function_class(fn) is fn.op, name
        else:
            with pytest.raises(TypeError, match="not a known single op"):
                function_class(fn)


def test_the_op_table_covers_every_op():
    case_names = {c.name.removesuffix("_scalar") for c in CASES}
    uncovered = []
    for cls in registry.op_classes():
        names = {n for n, f in registry.FUNCTIONS.items() if f.op is cls}
        if not names & case_names and cls.__name__ not in TESTED_ELSEWHERE:
            uncovered.append(f"{cls.__name__} ({', '.join(sorted(names))})")
    assert not uncovered, ("ops the shared table in tests/engine/opcases.py does not draw: add "
                           f"a Case, or say where they are tested: {uncovered}")


def test_a_new_declaration_reaches_every_list():
    class Twice(Op):
        """2x; d/dx = 2."""

        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, g):
            return 2 * g

    def twice(x):
        return Twice.apply(x)

    before = (dict(registry.FUNCTIONS), dict(registry.METHODS))
    try:
        registry.declare(Twice, methods=("twice",))(twice)
        registry.attach_methods(mg.Tensor)
        x = mg.tensor([1.0, 3.0], requires_grad=True)
        x.twice().sum().backward()
        assert x.grad.tolist() == [2.0, 2.0] and function_class(twice) is Twice
    finally:
        registry.FUNCTIONS.clear()
        registry.FUNCTIONS.update(before[0])
        registry.METHODS.clear()
        registry.METHODS.update(before[1])
        del mg.Tensor.twice
