"""Every model builds, runs forward and exposes the first layer applied to the input (docs/theory.md section 7)."""
import pytest
import torch
from torch import nn

from msda_theory import models

SHAPES = {"linear": [(1, 8, 8), (1, 28, 28)], "mlp": [(1, 8, 8), (1, 28, 28)],
          "cnn": [(1, 8, 8), (1, 28, 28), (3, 32, 32)], "resnet": [(3, 32, 32), (1, 8, 8)]}
CASES = [(name, shape) for name, shapes in SHAPES.items() for shape in shapes]


def first_layer_input(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    seen = []
    handle = model.first_layer.register_forward_hook(lambda mod, inp, out: seen.append(inp[0]))
    model(x)
    handle.remove()
    assert len(seen) == 1
    return seen[0]


@pytest.mark.parametrize("name,shape", CASES)
def test_builds_runs_and_first_layer_sees_the_input(name, shape):
    torch.manual_seed(0)
    model = models.build(name, shape, 10).eval()
    x = torch.rand(3, *shape)
    assert model(x).shape == (3, 10)
    assert isinstance(model.first_layer, (nn.Linear, nn.Conv2d))
    seen = first_layer_input(model, x)
    assert torch.equal(seen, x.flatten(1) if isinstance(model.first_layer, nn.Linear) else x)


@pytest.mark.parametrize("name", models.MODELS)
def test_single_logit_for_binary_tasks(name):
    shape = (3, 32, 32) if name == "resnet" else (1, 8, 8)
    assert models.build(name, shape, 1)(torch.rand(2, *shape)).shape == (2, 1)


@pytest.mark.parametrize("activation", models.SMOOTH_ACTIVATIONS)
@pytest.mark.parametrize("name", ["mlp", "cnn", "resnet"])
def test_smooth_activations_leave_no_relu_or_max_pool(name, activation):
    model = models.build(name, (1, 8, 8), 3, activation=activation)
    kinds = {type(m) for m in model.modules()}
    assert nn.ReLU not in kinds and nn.MaxPool2d not in kinds
    assert type(models.activation_module(activation)) in kinds


def test_smooth_cnn_has_a_continuous_input_gradient():
    torch.manual_seed(0)
    model = models.build("cnn", (1, 8, 8), 1, activation="softplus").double()
    x = torch.rand(1, 1, 8, 8, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(model(x).sum(), x)
    x2 = (x.detach() + 1e-7 * torch.randn_like(x)).requires_grad_()
    (grad2,) = torch.autograd.grad(model(x2).sum(), x2)
    assert torch.allclose(grad, grad2, atol=1e-8)


def test_linear_is_affine_in_the_flattened_input():
    model = models.build("linear", (2, 4, 4), 3)
    x = torch.rand(5, 2, 4, 4)
    expected = x.flatten(1) @ model.first_layer.weight.T + model.first_layer.bias
    assert torch.allclose(model(x), expected)


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown model 'vgg'; choose one of: linear, mlp, cnn, cnn-max, resnet"):
        models.build("vgg", (1, 8, 8), 10)
    with pytest.raises(ValueError, match=r"unknown activation 'elu'; choose one of: relu, tanh, gelu, softplus"):
        models.build("mlp", (1, 8, 8), 10, activation="elu")


def test_bad_shapes_and_class_counts():
    with pytest.raises(ValueError, match=r"in_shape must be \(C, H, W\) with positive integers"):
        models.build("cnn", (8, 8), 10)
    with pytest.raises(ValueError, match=r"cnn needs images of at least 4x4, got 2x2"):
        models.build("cnn", (1, 2, 2), 10)
    with pytest.raises(ValueError, match=r"num_classes must be a positive integer, got 0"):
        models.build("linear", (1, 8, 8), 0)


def _tiny_model() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(4, 2))


def test_from_factory_builds_a_users_model() -> None:
    from msda_theory.models import from_factory

    model = from_factory(f"{__name__}:_tiny_model")
    assert isinstance(model, nn.Module) and model(torch.zeros(3, 1, 2, 2)).shape == (3, 2)


@pytest.mark.parametrize(("spec", "message"), [
    ("no_colon", r"^the model factory is written 'package.module:name', got 'no_colon'$"),
    ("pkg..mod:make", r"^the model factory is written 'package.module:name', got 'pkg..mod:make'$"),
    ("surely_missing_module_xyz:make", r"^cannot import 'surely_missing_module_xyz' for the model factory "
                                       r"'surely_missing_module_xyz:make': no such module in the current folder"),
    ("math:nothing_here", r"^'math' has no 'nothing_here' \(from the model factory 'math:nothing_here'\)$"),
    ("math:pi", r"^the model factory 'math:pi' names float, not a callable returning an nn.Module$"),
    ("collections:OrderedDict", r"^the model factory 'collections:OrderedDict' returned OrderedDict, "
                                r"not a torch nn.Module$"),
    ("json:loads", r"^calling the model factory 'json:loads' raised TypeError: loads\(\) missing 1 required"),
])
def test_from_factory_refuses_bad_specs(spec: str, message: str) -> None:
    from msda_theory.models import from_factory

    with pytest.raises(ValueError, match=message):
        from_factory(spec)
