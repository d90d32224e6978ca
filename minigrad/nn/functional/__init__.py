"""``minigrad.nn.functional`` (import it as ``F``): layers and losses as plain functions.

Everything here is a composition of minigrad's ops, so ``loss.backward()`` runs the engine's own
backward rules; ``pca_loss`` is the one op with a closed-form gradient (see ``minigrad.ops.pca``).
"""
from ...ops.conv import conv2d, conv_transpose2d
from ...ops.pca import pca_loss
from ...ops.pool import avg_pool2d, max_pool2d
from ...ops.unfold import fold, unfold
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
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "pca_loss", "conv2d",
           "conv_transpose2d", "unfold", "fold", "max_pool2d", "avg_pool2d"]
