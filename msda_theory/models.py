"""The models trained and probed by the toolkit: f(x), a logit vector (B, K) per image.

docs/theory.md sections 1 and 7. Four architectures, all taking images (B, C, H, W):

- ``linear``: f(x) = W vec(x) + b, logistic / softmax regression. With
  ``num_classes == 1`` it is the binary logistic model of Zhang et al.'s
  Theorem 3.1 (one logit, output (B, 1)).
- ``mlp``: two hidden layers of 256 units.
- ``cnn``: conv 3x3 (32) -> pool 2 -> conv 3x3 (64) -> pool 2 -> adaptive
  average pool to 4x4 -> linear 128 -> linear K. Sized for 28x28, runs on any
  input from 8x8 up (padding and adaptive pooling).
- ``cnn-max``: the same layout with max pooling in place of both 2x2 average
  pools; not smooth in x, but it trains to overfitting on a Fashion-MNIST
  subset in a few epochs (the evidence runs of claims 9 and 12 use it).
- ``resnet``: a ResNet-8 for 32x32 (stem + three stages of one basic block,
  16/32/64 channels, global average pool), small enough for a CPU.

Pooling in ``cnn`` is average pooling, so with a smooth activation (tanh, gelu,
softplus) the whole network is smooth in x: the Hessian terms R3 and the
Taylor remainder checks of section 5 need that. Every model exposes
``model.first_layer``, the ``nn.Linear`` or ``nn.Conv2d`` applied to the
input (section 7: f(x) = g(W x + b)).
"""
from __future__ import annotations

from typing import Callable

from torch import Tensor, nn

from msda_theory.user_objects import current_folder_importable, resolve

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "softplus": nn.Softplus,
}
"""Activation name -> module factory; tanh, gelu and softplus are smooth."""

SMOOTH_ACTIVATIONS = ("tanh", "gelu", "softplus")


def activation_module(name: str) -> nn.Module:
    """A fresh activation module called ``name`` (one of ``ACTIVATIONS``)."""
    key = str(name).lower()
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[key]()


class LinearModel(nn.Module):
    """f(x) = W vec(x) + b: (B, C, H, W) -> (B, K); ``first_layer`` is W."""

    def __init__(self, in_shape: tuple[int, int, int], num_classes: int) -> None:
        super().__init__()
        c, h, w = in_shape
        self.first_layer = nn.Linear(c * h * w, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.first_layer(x.flatten(1))


class MLP(nn.Module):
    """f(x) = W3 s(W2 s(W1 vec(x))) with hidden width ``hidden``: (B, C, H, W) -> (B, K)."""

    def __init__(self, in_shape: tuple[int, int, int], num_classes: int, *, activation: str = "relu",
                 hidden: int = 256) -> None:
        super().__init__()
        c, h, w = in_shape
        self.first_layer = nn.Linear(c * h * w, hidden)
        self.body = nn.Sequential(
            activation_module(activation), nn.Linear(hidden, hidden),
            activation_module(activation), nn.Linear(hidden, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.body(self.first_layer(x.flatten(1)))


class CNN(nn.Module):
    """conv32 -> pool -> conv64 -> pool -> adaptive pool 4x4 -> fc128 -> fc K: (B, C, H, W) -> (B, K).

    ``pool`` is "avg" (smooth) or "max" for the two 2x2 pools."""

    def __init__(self, in_shape: tuple[int, int, int], num_classes: int, *, activation: str = "relu",
                 channels: tuple[int, int] = (32, 64), hidden: int = 128, pool: str = "avg") -> None:
        super().__init__()
        c1, c2 = channels
        pool_2x2 = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}[pool]
        self.first_layer = nn.Conv2d(in_shape[0], c1, 3, padding=1)
        self.body = nn.Sequential(
            activation_module(activation), pool_2x2(2),                      # (B, c1, H/2, W/2)
            nn.Conv2d(c1, c2, 3, padding=1), activation_module(activation), pool_2x2(2),
            nn.AdaptiveAvgPool2d(4), nn.Flatten(),                           # (B, c2 * 16)
            nn.Linear(c2 * 16, hidden), activation_module(activation),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.body(self.first_layer(x))


class BasicBlock(nn.Module):
    """y = s(x' + BN(conv(s(BN(conv(x)))))), x' = x or a strided 1x1 projection of x."""

    def __init__(self, c_in: int, c_out: int, stride: int, activation: str) -> None:
        super().__init__()
        self.branch = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(c_out),
            activation_module(activation),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
        )
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))
        self.out = activation_module(activation)

    def forward(self, x: Tensor) -> Tensor:
        return self.out(self.shortcut(x) + self.branch(x))


class ResNet(nn.Module):
    """A ResNet-8: stem conv16 -> blocks 16, 32 (stride 2), 64 (stride 2) -> global pool -> fc K."""

    def __init__(self, in_shape: tuple[int, int, int], num_classes: int, *, activation: str = "relu",
                 widths: tuple[int, int, int] = (16, 32, 64)) -> None:
        super().__init__()
        w1, w2, w3 = widths
        self.first_layer = nn.Conv2d(in_shape[0], w1, 3, padding=1, bias=False)
        self.body = nn.Sequential(
            nn.BatchNorm2d(w1), activation_module(activation),
            BasicBlock(w1, w1, 1, activation),   # (B, 16, H, W)
            BasicBlock(w1, w2, 2, activation),   # (B, 32, H/2, W/2)
            BasicBlock(w2, w3, 2, activation),   # (B, 64, H/4, W/4)
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(w3, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.body(self.first_layer(x))


MODELS = ("linear", "mlp", "cnn", "cnn-max", "resnet")
_MIN_SIDE = {"linear": 1, "mlp": 1, "cnn": 4, "cnn-max": 4, "resnet": 4}


def _check_shape(name: str, in_shape: object) -> tuple[int, int, int]:
    try:
        shape = tuple(int(s) for s in in_shape)  # type: ignore[union-attr]
        ok = len(shape) == 3 and all(int(s) == s for s in in_shape) and min(shape) > 0  # type: ignore[union-attr]
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"in_shape must be (C, H, W) with positive integers, got {in_shape!r}")
    if min(shape[1:]) < _MIN_SIDE[name]:
        raise ValueError(f"{name} needs images of at least {_MIN_SIDE[name]}x{_MIN_SIDE[name]}, got {shape[1]}x{shape[2]}")
    return shape  # type: ignore[return-value]


def build(name: str, in_shape: tuple[int, int, int], num_classes: int, *, activation: str = "relu") -> nn.Module:
    """The model called ``name`` for images (C, H, W) = ``in_shape`` and ``num_classes`` logits.

    Args:
        name: one of ``MODELS``: linear, mlp, cnn, cnn-max, resnet.
        in_shape: (C, H, W) of the inputs.
        num_classes: K, the number of logits; 1 gives a single logit for a binary task.
        activation: relu, tanh, gelu or softplus (ignored by ``linear``).

    Returns:
        An ``nn.Module`` mapping (B, C, H, W) to logits (B, K), with attribute
        ``first_layer``. Weights come from torch's default initialisation, i.e.
        the global generator: seed it (or fork it, as ``train.fit`` does) first.
    """
    key = str(name).lower()
    if key not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(MODELS)}")
    shape = _check_shape(key, in_shape)
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    activation_module(activation)  # validate even for ``linear``
    if key == "linear":
        return LinearModel(shape, num_classes)
    if key == "mlp":
        return MLP(shape, num_classes, activation=activation)
    if key in ("cnn", "cnn-max"):
        return CNN(shape, num_classes, activation=activation, pool="max" if key == "cnn-max" else "avg")
    return ResNet(shape, num_classes, activation=activation)


def from_spec(spec: str, what: str, /, **kwargs: object) -> nn.Module:
    """``factory(**kwargs)`` for ``spec = "package.module:factory"`` (``user_objects.resolve``), an nn.Module.

    ``what`` names the interface in error messages (``"--model"``, ``"fit(model=...)"``). This imports
    and runs the named module's code: call it only with a spec the user typed, never one read from a file.
    """
    factory = resolve(spec, what)
    if not callable(factory):
        raise ValueError(f"{what} {spec!r} names {type(factory).__name__}, not a callable returning an nn.Module")
    try:
        with current_folder_importable():  # the factory may import its neighbours when called
            model = factory(**kwargs)
    except Exception as err:  # noqa: BLE001 (the user's code failed: one line naming it; the cause stays chained)
        raise ValueError(f"calling {what} {spec!r} raised {type(err).__name__}: "
                         f"{' '.join(str(err).split())[:200]}") from err
    if not isinstance(model, nn.Module):
        raise ValueError(f"{what} {spec!r} returned {type(model).__name__}, not a torch nn.Module")
    model.msda_factory = None if kwargs else spec  # fit records it as factory:SPEC (the record, never re-imported)
    return model


def from_factory(spec: str, **kwargs: object) -> nn.Module:
    """A user's model from ``"package.module:factory"``: ``factory(**kwargs)``, which must return an nn.Module.

    This imports and runs the named module's code, as ``python -c "import ..."`` would: name only code you trust.
    """
    return from_spec(spec, "the model factory", **kwargs)


def is_binary(logits: Tensor) -> bool:
    """True for a single-logit model: output (B,) or (B, 1)."""
    return logits.dim() == 1 or (logits.dim() == 2 and logits.shape[1] == 1)


def predict(logits: Tensor) -> Tensor:
    """Predicted classes (B,): [logit > 0] for one logit ((B,) or (B, 1)), argmax over K logits otherwise."""
    if is_binary(logits):
        return (logits.reshape(-1) > 0).long()
    return logits.argmax(dim=1)


__all__ = [
    "ACTIVATIONS", "CNN", "MLP", "MODELS", "SMOOTH_ACTIVATIONS", "LinearModel", "ResNet", "activation_module", "build",
    "from_factory", "from_spec", "is_binary", "predict",
]
