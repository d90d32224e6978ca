"""Every op: forward against NumPy, and gradcheck + gradgradcheck in float64 over hypothesis
inputs (broadcasting pairs, dims/keepdim and axis/keepdims, every method/function spelling).

No op is first-order only: every backward rule is written with ``ctx.xp`` operations, so under
``create_graph=True`` it records itself and gradgradcheck (which also differentiates with
respect to the incoming gradient, as PyTorch's does) passes for all of them, including the
piecewise-linear ones (relu, abs, clip, max/min, maximum/minimum) and the zero-gradient ones
(sign, round)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from opcases import CASES, bind, to_tensors

from minigrad.testing import gradcheck, gradgradcheck

pytestmark = [pytest.mark.ex2_1, pytest.mark.ex2_3, pytest.mark.ex3_1, pytest.mark.ex3_2]


@pytest.mark.parametrize("case", CASES, ids=repr)
@given(data=st.data())
def test_forward_matches_numpy_in_every_spelling(case, data):
    arrays, params = data.draw(case.strategy)
    want = np.asarray(case.ref(*arrays, **params))
    for form in case.forms:
        out = form(*to_tensors(arrays), **params)
        assert out.shape == want.shape, (case.name, out.shape, want.shape)
        assert out.dtype == want.dtype
        np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=repr)
@given(data=st.data())
def test_gradcheck(case, data):
    arrays, params = data.draw(case.strategy)
    form = data.draw(st.sampled_from(case.forms))
    assert gradcheck(bind(case, form, params), to_tensors(arrays))


@pytest.mark.parametrize("case", CASES, ids=repr)
@given(data=st.data())
def test_gradgradcheck(case, data):
    arrays, params = data.draw(case.strategy)
    form = data.draw(st.sampled_from(case.forms))
    assert gradgradcheck(bind(case, form, params), to_tensors(arrays))
