"""``minigrad.nn.functional`` (import it as ``F``): layers and losses as plain functions.

Most of these are compositions of minigrad's ops, so ``loss.backward()`` runs the engine's own
backward rules. The CNN family (``conv2d``, ``conv_transpose2d``, ``max_pool2d``, ``avg_pool2d``,
``unfold``/``fold``, ``batch_norm``, ``layer_norm``) and ``pca_loss`` are single ops with a
hand-written backward next to their forward (``minigrad/ops/conv.py``, ``pool.py``, ``norm.py``,
``unfold.py``, ``pca.py``).
"""
from ...ops.conv import conv2d, conv_transpose2d
from ...ops.normalization import batch_norm, layer_norm
from ...ops.pca import pca_loss
from ...ops.pool import avg_pool2d, max_pool2d
from ...ops.unfold import fold, unfold
from .layers import (
    dropout,
    embedding,
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
           "conv_transpose2d", "unfold", "fold", "max_pool2d", "avg_pool2d",
           "batch_norm"]
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
