"""Every op: forward against NumPy, and gradcheck + gradgradcheck in float64 over hypothesis
inputs (broadcasting pairs, dims/keepdim and axis/keepdims, every method/function spelling)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from opcases import CASES, bind, to_tensors

from minigrad.testing import gradcheck, gradgradcheck


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
