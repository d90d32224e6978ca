"""``minigrad.nn``: modules, parameters, layers and losses with PyTorch's names.

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    >>> [(k, v.shape) for k, v in model.state_dict().items()][:2]
    [('0.weight', (256, 64)), ('0.bias', (256,))]
"""
from . import functional, init, utils
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv2d, ConvTranspose2d
from .layers import (
    Dropout,
    Embedding,
    Flatten,
    Identity,
    LayerNorm,
    LazyLinear,
    Linear,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
from .parameter import Parameter
from .pooling import AvgPool2d, MaxPool2d

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "Linear", "Identity",
           "Flatten", "ReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Dropout", "LayerNorm",
           "Embedding", "MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss",
           "BCELoss", "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "BatchNorm1d",
           "BatchNorm2d", "functional", "init", "utils"]
from .activations import ELU, GELU, LeakyReLU, SiLU, Softplus  # noqa: E402
from .losses_more import HuberLoss, KLDivLoss, SmoothL1Loss  # noqa: E402

__all__ += ["LeakyReLU", "ELU", "Softplus", "GELU", "SiLU", "HuberLoss", "SmoothL1Loss",
            "KLDivLoss"]
from .rnn import GRU, LSTM, RNN  # noqa: E402
from .rnn_cells import GRUCell, LSTMCell, RNNCell  # noqa: E402

__all__ += ["LSTM", "LSTMCell", "GRU", "GRUCell", "RNN", "RNNCell", "LazyLinear"]
