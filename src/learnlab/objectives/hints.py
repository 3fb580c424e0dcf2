"""The hint loss of FitNets (Romero, Ballas, Kahou, Chassang, Gatta & Bengio, ICLR 2015,
"FitNets: hints for thin deep nets", eq. 3): a thin deep student learns to predict, from its
guided layer, the output of a wide teacher's hint layer,

    L_HT(W_guided, W_r) = 1/2 || u_h(x; W_hint) - r(v_g(x; W_guided); W_r) ||^2

u_h is the teacher's hint layer, v_g the student's guided layer and r a regressor that maps
the student's (thinner) features to the teacher's size: linear for flat features, and for
feature maps a convolution whose kernel makes the spatial sizes agree (the paper's
convolutional regressor, kernel n_g - n_h + 1). The regressor is trained with the student and
owned by the objective (`extra_modules`). The squared norm is summed over an example's
features and averaged over the batch.

Layers are chosen by their names in `named_modules()` ("fc3", "features.2", ...) and read by
forward hooks; each forward stops at the chosen layer, so nothing above it is computed. The
teacher runs in eval mode (dropout off, batch-norm statistics fixed) without gradients.

Example:
    >>> import torch
    >>> from torch import nn
    >>> teacher = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))
    >>> student = nn.Sequential(nn.Linear(4, 2), nn.Tanh(), nn.Linear(2, 2), nn.Linear(2, 3))
    >>> hint = HintLoss(teacher, student, teacher_layer="1", student_layer="2",
    ...                 example=torch.zeros(1, 4))
    >>> hint.regressor
    Linear(in_features=2, out_features=16, bias=True)
    >>> loss, _ = hint(student, (torch.randn(5, 4), torch.zeros(5)))
    >>> loss.shape
    torch.Size([])
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Objective


def hint_regression_loss(hint: torch.Tensor, prediction: torch.Tensor) -> torch.Tensor:
    """1/2 ||hint - prediction||^2 per example (summed over its features), mean over the batch."""
    if hint.shape != prediction.shape:
        raise ValueError(
            f"the regressor's output {tuple(prediction.shape)} does not match the hint "
            f"{tuple(hint.shape)}"
        )
    return 0.5 * (hint - prediction).pow(2).flatten(1).sum(1).mean()


def named_layer(model: nn.Module, name: str, setting: str) -> nn.Module:
    """The submodule called `name` in `model.named_modules()`; a ConfigError naming `setting`
    and listing the names that exist otherwise."""
    layers = {n: m for n, m in model.named_modules() if n}
    if name not in layers:
        names = ", ".join(layers) or "(none: the model has no submodules)"
        raise ConfigError(
            f"{setting}={name!r} is not a layer of the {type(model).__name__}; its layers "
            f"(names as in named_modules()) are: {names}. Give one of them."
        )
    return layers[name]


class _Reached(Exception):
    """Raised by the forward hook: the chosen layer has run, the rest is not needed."""


def layer_output(model: nn.Module, layer: nn.Module, inputs: Any) -> torch.Tensor:
    """The output of `layer` when `model` runs on `inputs`, computing nothing after it."""
    captured: list[torch.Tensor] = []

    def capture(_module: nn.Module, _args: Any, output: torch.Tensor) -> None:
        captured.append(output)
        raise _Reached

    handle = layer.register_forward_hook(capture)
    try:
        model(inputs)
    except _Reached:
        pass
    finally:
        handle.remove()
    if not captured:
        raise ConfigError(
            f"the layer {type(layer).__name__} did not run in the model's forward pass; "
            "choose a layer that the forward pass uses."
        )
    output = captured[0]
    if not isinstance(output, torch.Tensor):
        raise ConfigError(
            f"the layer {type(layer).__name__} returns a {type(output).__name__}, not a "
            "tensor; choose a layer whose output is one tensor."
        )
    return output


def default_regressor(student_features: torch.Tensor, hint: torch.Tensor) -> nn.Module:
    """Linear from the student's flat features to the hint's size; for feature maps
    (N, C, H, W) a convolution whose kernel (H_g - H_h + 1, W_g - W_h + 1) maps the guided
    layer's maps onto the hint's, as in FitNets."""
    if student_features.dim() == 4 and hint.dim() == 4:
        (_, c_g, h_g, w_g), (_, c_h, h_h, w_h) = student_features.shape, hint.shape
        if h_g < h_h or w_g < w_h:
            raise ConfigError(
                f"the guided layer's maps ({h_g}x{w_g}) are smaller than the hint's "
                f"({h_h}x{w_h}); a convolutional regressor cannot enlarge them. Guide an "
                "earlier student layer or hint a later teacher layer."
            )
        regressor: nn.Module = nn.Conv2d(c_g, c_h, (h_g - h_h + 1, w_g - w_h + 1))
    else:
        regressor = nn.Sequential(
            nn.Flatten(), nn.Linear(student_features[0].numel(), hint[0].numel())
        )
        if student_features.dim() == 2 and hint.dim() == 2:
            regressor = regressor[1]
    return regressor.to(dtype=student_features.dtype, device=student_features.device)


class HintLoss(Objective):
    """The FitNets hint loss of the student (the model the Trainer trains) against `teacher`.

    `example` (a few inputs) sizes the default regressor; give `regressor` to use your own (it
    maps the guided layer's output to the hint layer's shape).
    """

    def __init__(
        self,
        teacher: nn.Module,
        student: nn.Module,
        *,
        teacher_layer: str,
        student_layer: str,
        example: Any = None,
        regressor: nn.Module | None = None,
    ) -> None:
        self.teacher = teacher
        self.hint_layer = named_layer(teacher, teacher_layer, "teacher_layer")
        self.guided_layer = named_layer(student, student_layer, "student_layer")
        self.teacher_layer, self.student_layer = teacher_layer, student_layer
        if regressor is None:
            if example is None:
                raise ConfigError(
                    "HintLoss needs `example` (a few inputs) to size its regressor, or a "
                    "`regressor` module."
                )
            hint, guided = self._features(student, example, grad=False)
            regressor = default_regressor(guided, hint)
        self.regressor = regressor

    def _features(self, student: nn.Module, inputs: Any, grad: bool) -> tuple[torch.Tensor, ...]:
        self.teacher.eval()
        with torch.no_grad():
            hint = layer_output(self.teacher, self.hint_layer, inputs)
        if grad:
            return hint, layer_output(student, self.guided_layer, inputs)
        was_training = student.training
        student.eval()  # only shapes are wanted: batch norm must not update its statistics
        try:
            with torch.no_grad():
                return hint, layer_output(student, self.guided_layer, inputs)
        finally:
            student.train(was_training)

    def extra_modules(self) -> list[nn.Module]:
        return [self.regressor]

    def __call__(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, dict]:
        inputs = batch[0] if isinstance(batch, (tuple, list)) else batch
        hint, guided = self._features(model, inputs, grad=True)
        return hint_regression_loss(hint, self.regressor(guided)), {}

    def guided_parameters(self, student: nn.Module, example: Any) -> list[nn.Parameter]:
        """The student's parameters the hint loss depends on: those of the layers up to the
        guided one (found by autograd on `example`, so any forward pass is handled)."""
        params = [p for p in student.parameters() if p.requires_grad]
        was_training = student.training
        student.eval()
        try:
            _, guided = self._features(student, example, grad=True)
        finally:
            student.train(was_training)
        if not guided.requires_grad:
            return []
        grads = torch.autograd.grad(guided.sum(), params, allow_unused=True)
        return [p for p, g in zip(params, grads, strict=True) if g is not None]
