"""``minigrad.nn.functional`` (import it as ``F``): layers and losses as plain functions.

Everything here is a composition of minigrad's ops, so ``loss.backward()`` runs the engine's own
backward rules; ``pca_loss`` is the one op with a closed-form gradient (see ``minigrad.ops.pca``).
"""
from ...ops.pca import pca_loss
from .layers import (
    dropout,
    embedding,
    layer_norm,
    linear,
    log_softmax,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)

__all__ = ["linear", "relu", "tanh", "sigmoid", "softmax", "log_softmax", "dropout",
           "layer_norm", "embedding", "cross_entropy", "nll_loss", "mse_loss", "l1_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "pca_loss"]
from ...ops.elementwise_more import elu, gelu, leaky_relu, silu, softplus  # noqa: E402
from .extra import (  # noqa: E402
    cosine_similarity,
    huber_loss,
    kl_div,
    normalize,
    one_hot,
    pad,
    smooth_l1_loss,
)

__all__ += ["leaky_relu", "elu", "softplus", "gelu", "silu", "one_hot", "pad", "normalize",
            "cosine_similarity", "huber_loss", "smooth_l1_loss", "kl_div"]
