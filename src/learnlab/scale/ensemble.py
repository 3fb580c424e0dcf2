"""Batched ensembles: K models of one architecture trained at once, as one computation.

Member k is exactly what learnlab trains for one seed s_k, with its own hyperparameters:

    torch.manual_seed(s_k); model = build()
    loader = TensorLoader(x, y, batch_size=B, seed=s_k, drop_last=drop_last)
    opt = build_optimizer("sgd" / "momentum" / "adam" / "adamw", model.parameters(), lr=lr_k, ...)
    Trainer(model, CrossEntropy(), opt, callbacks=[MaskCallback(mask_k)]).fit(loader, epochs=E)

Here the K members' parameters are stacked along a new first dimension
(`torch.func.stack_module_state`), and each training step is one batched computation:

    idx = perm[:, i*B : (i+1)*B]                    (K, B): batch i of every member's order
    logits = vmap(functional_call)(model, (params, buffers), x[idx])          (K, B, C)
    loss_k = cross_entropy(logits[k], y[idx[k]])    (mean over the batch, per member)
    grads = d(sum_k loss_k) / d params              (member k's gradient is that of its loss_k)
    BatchedOptimizer.step(grads); params *= mask    (torch's fused kernels, per-member numbers)

(plain MLPs skip vmap for batched_linear.py's products, which are nn.Linear's bit for bit),
with `perm` holding, per epoch, each member's `torch.randperm(n, generator=g_k)` from a CPU
generator seeded once with s_k, as TensorLoader draws it. For plain MLPs on the CPU the weights
are then bit-identical to the sequential runs' (the tests check torch.equal for SGD, momentum,
Adam and AdamW). Bits matter because float32 training can be chaotic: a one-ulp change of an
MNIST-1D MLP's initial weights grew to 5e-2 in 3 epochs of Adam (seed 3), so a computation
that merely rounds differently drifts away from the sequential run by far more than 1e-5.
Through vmap (other models) the numbers agree up to rounding (1e-5 in the tests). The
optimizers (Kingma & Ba 2015 for Adam, Loshchilov & Hutter 2019 for AdamW) are in
batched_optim.py. Vectorising a per-model function over stacked parameters is the `vmap`
transform of JAX (Bradbury et al. 2018) as torch.func provides it.

Fast mode (`mode="fast"`, opt-in; plain MLPs only, fast_mlp.py): the same algorithm, the same
batches and initialisations, but every product is one batched kernel on weights kept transposed
as (K, in, out), differentiated by autograd (ReLU MLPs: by hand, fast_step.py), without the
member-by-member products that keep exact mode's bits. Members then equal their sequential
runs up to rounding: 1e-16 in float64 (the tests allow 1e-10), and in float32 a drift that
chaotic runs amplify (measured by benchmarks/ensembles.py after 1 step, 1 epoch and 3
epochs: for 32 MNIST-1D MLPs with Adam, about 3e-8, 6e-3 and 8e-2). Use it for sweeps whose
members need not match a single run bit for bit. Masks work as in exact mode; other models (batch
norm, vmap) raise a ConfigError naming the module.

Masks (pruning, e.g. Frankle & Carbin 2019, "The lottery ticket hypothesis"): per member, a
dict from parameter name to a 0/1 tensor of that parameter's shape. The parameters are
multiplied by their masks once after initialisation and again after every optimizer step.
Gradients and optimizer state of masked weights are not touched: they cannot matter, since the
weight is zero in every forward pass. `MaskCallback` does the same for one model in a Trainer
(before_fit and after_step), so one member equals that sequential run.

Randomness inside the model cannot be batched: K sequential runs draw dropout masks one after
another from the global generator, which one vmapped forward pass cannot reproduce; modules
with `nn.Dropout(p > 0)` are refused, and any other random op in forward stops vmap with an
error. Batch normalisation is supported: each member keeps its own running statistics (buffers
stacked like the parameters and updated in place under vmap), except with `momentum=None`
(a cumulative average whose update reads the batch count on the host).

Example:
    >>> from learnlab.models import build_model
    >>> x, y = torch.randn(64, 1, 40), torch.randint(0, 10, (64,))
    >>> ens = BatchedEnsemble(lambda: build_model("mlp", (1, 40), 10, width=16), seeds=[0, 1, 2],
    ...                       lr=[0.1, 0.05, 0.01], device="cpu")
    >>> ens.fit(x, y, epochs=2, batch_size=16).history_[-1]["train_loss"].shape
    torch.Size([3])
    >>> ens.predict_logits(x).shape
    torch.Size([3, 64, 10])
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call, stack_module_state, vmap

from learnlab.io.errors import ConfigError
from learnlab.scale.batched_mlp import mlp_forward, plain_mlp_plan
from learnlab.scale.batched_optim import BatchedOptimizer, as_list
from learnlab.scale.ensemble_checks import check_arguments
from learnlab.scale.fast_mlp import FastMLP
from learnlab.scale.masks import MaskCallback, stack_masks
from learnlab.train.seeding import select_device

__all__ = ["BatchedEnsemble", "MaskCallback"]


class BatchedEnsemble:
    """K models from `build()` with seeds `seeds`, trained together on one classification task.

    Args:
        build: returns a fresh `nn.Module` (the same architecture on every call); its
            initialisation draws from the global torch generator, seeded with s_k per member.
        seeds: one integer per member: the seed of its initialisation and of its batch order.
        optimizer: "sgd", "momentum" (SGD with momentum), "adam" or "adamw" (torch's updates).
        lr, momentum, weight_decay: one number for all members, or one per member.
        betas, eps: Adam's, shared by all members.
        masks: None, or per member a dict from parameter name to a 0/1 tensor (see above).
        mode: "exact" (members bit-identical to their sequential runs) or "fast" (plain MLPs
            only; the same algorithm, rounded differently: see "Fast mode" above).
        device: where to train; None picks CUDA when present, else the CPU.

    The constructor only stores its arguments; `fit` checks them and (re)starts training from
    the initialisation. Fitted state: `params_` and `buffers_` (name -> (K, ...) tensors; frozen
    parameters are among the buffers), `history_`, `device_`.
    """

    def __init__(
        self,
        build: Callable[[], nn.Module],
        seeds: Sequence[int],
        *,
        optimizer: str = "sgd",
        lr: float | Sequence[float] = 0.1,
        momentum: float | Sequence[float] = 0.0,
        weight_decay: float | Sequence[float] = 0.0,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        masks: Sequence[dict[str, Tensor]] | None = None,
        mode: str = "exact",
        device: str | torch.device | None = None,
    ) -> None:
        self.build = build
        self.seeds = seeds
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.betas = betas
        self.eps = eps
        self.masks = masks
        self.mode = mode
        self.device = device

    @property
    def num_members(self) -> int:
        return len(self.seeds)

    K = num_members

    # -- checks ----------------------------------------------------------------------------
    def _check_arguments(self) -> dict[str, Tensor]:
        """Validate the constructor's arguments; the per-member hyperparameters as tensors."""
        return check_arguments(self)

    @staticmethod
    def _check_module(model: nn.Module) -> None:
        if not isinstance(model, nn.Module):
            raise ConfigError(f"build() must return an nn.Module, got {type(model).__name__}.")
        for name, m in model.named_modules():
            if isinstance(m, nn.modules.dropout._DropoutNd) and m.p > 0:
                raise ConfigError(
                    f"module {name!r} is dropout with p={m.p}: a batched ensemble cannot "
                    "reproduce the dropout draws of sequential runs (they come one after "
                    "another from the global generator). Build the model without dropout, "
                    "or train the members one by one with Trainer."
                )
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.momentum is None:
                raise ConfigError(
                    f"module {name!r} is batch norm with momentum=None (a cumulative average), "
                    "which a batched ensemble cannot update per member; give it a momentum "
                    "such as 0.1 (the default)."
                )

    # -- fitting -----------------------------------------------------------------------------
    def _initialize(self, device: torch.device) -> None:
        """Build the K members (each after manual_seed(s_k)), stack them, apply the masks."""
        models = []
        with torch.random.fork_rng():  # the caller's global generator is left as it was
            for seed in as_list(self.seeds):
                torch.manual_seed(int(seed))
                model = self.build()
                self._check_module(model)
                models.append(model.to(device))
        shapes = [[(n, p.shape) for n, p in m.named_parameters()] for m in models]
        if any(s != shapes[0] for s in shapes):
            raise ConfigError("build() must return the same architecture on every call.")
        params, buffers = stack_module_state(models)
        trainable = {n for n, p in models[0].named_parameters() if p.requires_grad}
        if not trainable:
            raise ConfigError("the model from build() has no trainable parameters to train.")
        one = dict(models[0].named_parameters())
        masks = stack_masks(self.masks, one, trainable) if self.masks else {}
        # all checks passed: the fitted state is replaced only now
        self.params_ = {n: p for n, p in params.items() if n in trainable}
        # frozen parameters never change: they travel with the buffers
        self.buffers_ = {**buffers, **{n: p for n, p in params.items() if n not in trainable}}
        self._base = copy.deepcopy(models[0]).to("meta")
        self._plan = plain_mlp_plan(models[0])  # None: use vmap
        # fast mode: its own layout of the trainable tensors; params_ are views of them
        self._fast = None
        if self.mode == "fast":
            self._fast = FastMLP(self._plan, models[0], self.params_, self.buffers_)
            self.params_ = self._fast.public()
        self._masks = masks
        self.device_ = device
        self._apply_masks()

    @torch.no_grad()
    def _apply_masks(self) -> None:
        for name, mask in self._masks.items():
            self.params_[name].mul_(mask)

    def _forward(self, params, buffers, x: Tensor) -> Tensor:
        """One member's output (vmapped over the members)."""
        return functional_call(self._base, (params, buffers), (x,))

    def _outputs(self, x: Tensor, shared: bool) -> Tensor:
        """(K, B, C) outputs of the members on their batches x (K, B, ...), or on one shared
        batch x (B, ...). Plain MLPs take batched matrix multiplies (batched_mlp.py)."""
        if self._fast is not None:
            return self._fast.forward(x, shared)
        if self._plan is not None:
            return mlp_forward(self._plan, {**self.params_, **self.buffers_}, x, shared)
        forward = vmap(self._forward, in_dims=(0, 0, None if shared else 0))
        try:  # randomness="error" (vmap's default): a random op in forward stops here
            return forward(self.params_, self.buffers_, x)
        except RuntimeError as exc:
            if "randomness" not in str(exc):
                raise
            raise ConfigError(
                "the model draws random numbers in its forward pass, which a batched ensemble "
                "cannot reproduce (sequential runs draw them one after another from the global "
                "generator); remove the randomness or train the members one by one with Trainer."
            ) from exc

    def _member_losses(self, logits: Tensor, y: Tensor) -> Tensor:
        """(K,) mean cross-entropy of (K, B, C) logits against (K, B) labels.

        F.cross_entropy on all K * B rows at once, then the mean of each member's rows: the
        gradient of each row is the one that the member's own F.cross_entropy gives, bit for
        bit (the kernels work row by row, and d(mean)/d(row) is the same 1/B), which keeps
        chaotic float32 runs with the sequential ones (see batched_linear.py). A formula such
        as logsumexp(z) - z_y is faster on short rows but rounds differently.
        """
        if logits.dim() != 3:
            raise ConfigError(
                "BatchedEnsemble trains classifiers: the model must map (N, ...) inputs to "
                f"(N, C) logits; it gave shape {tuple(logits.shape[1:])} for one member."
            )
        if self._fast is not None:
            return self._fast.losses(logits, y)
        k, b, c = logits.shape
        rows = F.cross_entropy(logits.reshape(k * b, c), y.reshape(k * b), reduction="none")
        return rows.view(k, b).mean(1)

    def fit(
        self, x: Tensor, y: Tensor, *, epochs: int, batch_size: int, drop_last: bool = False
    ) -> BatchedEnsemble:
        """Train every member for `epochs` epochs from its initialisation; return the ensemble
        itself, as scikit-learn's `fit` does (`ensemble.fit(x, y, ...).member(0)`).

        The history is `history_`: one dict per epoch, {"train_loss": (K,), "train_accuracy":
        (K,)} in float64, the means over the epoch's examples (batches weighted by their size,
        as the Trainer does), read from the device once per epoch.
        """
        hyper = self._check_arguments()
        x, y = self._check_data(x, y)
        for name, value, least in (("epochs", epochs, 0), ("batch_size", batch_size, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ConfigError(f"{name} must be an integer >= {least}, got {value!r}.")
        n = len(x)
        num_batches = n // batch_size if drop_last else math.ceil(n / batch_size)
        if num_batches == 0:
            raise ConfigError(
                f"no batches: {n} examples, batch_size {batch_size}, drop_last=True. Use a "
                "smaller batch_size or drop_last=False."
            )
        device = select_device("auto") if self.device is None else torch.device(self.device)
        x, y = x.to(device), y.to(device)
        trainable, optimizer, generators = self._start_training(hyper, device)
        self.history_: list[dict[str, Tensor]] = []
        for _ in range(epochs):
            perm = torch.stack([torch.randperm(n, generator=g) for g in generators]).to(device)
            # float64 sums and exact counts, as the Trainer reduces its epoch metrics
            loss_sum = torch.zeros(self.K, device=device, dtype=torch.float64)
            correct = torch.zeros(self.K, device=device, dtype=torch.int64)
            for i in range(num_batches):
                index = perm[:, i * batch_size : (i + 1) * batch_size]  # (K, B)
                losses, hits = self._train_step(x, y, index, trainable, optimizer)
                with torch.no_grad():  # summed on the device, read once per epoch
                    loss_sum.add_(losses.to(torch.float64), alpha=index.shape[1])
                    correct.add_(hits)
            count = num_batches * batch_size if drop_last else n
            sums = torch.stack([loss_sum, correct.to(torch.float64)]).cpu() / count
            self.history_.append({"train_loss": sums[0], "train_accuracy": sums[1]})
        return self

    def _start_training(
        self, hyper: dict[str, Tensor], device: torch.device
    ) -> tuple[list[Tensor], BatchedOptimizer, list[torch.Generator]]:
        """Initialise the members on `device`; return the tensors that train, the optimizer
        over them and TensorLoader's batch order: one CPU generator per member, seeded once,
        one randperm per epoch."""
        self._initialize(device)
        hyper = {name: value.to(device) for name, value in hyper.items()}
        fast = self._fast
        trainable = fast.trainable if fast is not None else list(self.params_.values())
        # fast mode: one kernel call per stacked tensor (masks change the parameters outside
        # the optimizer, which the stacked path's scaled copy would not see)
        optimizer = BatchedOptimizer(
            self.optimizer,
            trainable,
            betas=tuple(self.betas),
            eps=self.eps,
            stacked=fast is not None and not self._masks,
            **hyper,
        )
        generators = [torch.Generator().manual_seed(int(s)) for s in as_list(self.seeds)]
        self._base.train()
        self._manual = None  # fast mode's hand-written step: made at the first step, if it applies
        return trainable, optimizer, generators

    def _train_step(
        self, x: Tensor, y: Tensor, index: Tensor, trainable: list[Tensor], optimizer
    ) -> tuple[Tensor, Tensor]:
        """One step of every member on its batch `index` (K, B) of (x, y); returns each
        member's loss and how many of its batch's predictions (argmax) were right, (K,) each."""
        # one gather per tensor (index_select: 4x faster than x[index] here)
        flat = index.reshape(-1)
        xb = x.index_select(0, flat).view(*index.shape, *x.shape[1:])
        yb = y.index_select(0, flat).view(index.shape)
        if self._fast is not None and self._manual is None:
            self._manual = self._fast.manual_step(x) or False  # False: autograd's step
        if self._manual:  # fast mode's hand-written step (fast_step.py)
            _, losses = self._manual(xb, yb)
            hits = self._manual.correct(yb)
            optimizer.step(self._manual.grads, persistent=True)
            self._apply_masks()
            return losses, hits
        logits = self._outputs(xb, shared=False)
        losses = self._member_losses(logits, yb)
        # member k's parameters appear only in losses[k]: its gradient is its own
        optimizer.step(torch.autograd.grad(losses.sum(), trainable))
        self._apply_masks()
        with torch.no_grad():
            return losses, (logits.argmax(-1) == yb).sum(1)

    @staticmethod
    def _check_data(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        if not isinstance(x, Tensor) or not isinstance(y, Tensor) or x.dim() == 0:
            raise ConfigError("x and y must be tensors: x of shape (N, ...), y of shape (N,).")
        if y.shape != (len(x),) or y.dtype.is_floating_point or y.dtype == torch.bool:
            raise ConfigError(
                f"y must hold one integer class label per example of x: shape ({len(x)},), "
                f"got shape {tuple(y.shape)} and dtype {y.dtype}."
            )
        return x, y.long()

    # -- using the fitted members ------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise ConfigError(
                "this BatchedEnsemble is not fitted yet; call fit(x, y, epochs=..., "
                "batch_size=...) first (epochs=0 gives the initialisation)."
            )

    @torch.no_grad()
    def predict_logits(self, x: Tensor, batch_size: int = 4096) -> Tensor:
        """Every member's outputs on `x` in eval mode: (K, N, C), on the ensemble's device."""
        self._check_fitted()
        x = x.to(self.device_)
        was_training = self._base.training
        self._base.eval()
        try:
            chunks = [
                self._outputs(x[i : i + batch_size], shared=True)
                for i in range(0, len(x), batch_size)
            ]
        finally:
            self._base.train(was_training)
        return torch.cat(chunks, dim=1)

    @torch.no_grad()
    def evaluate(self, x: Tensor, y: Tensor, batch_size: int = 4096) -> dict[str, Tensor]:
        """Mean cross-entropy and accuracy of every member on (x, y): {"loss", "accuracy"}, (K,)."""
        self._check_fitted()
        x, y = self._check_data(x, y)
        y = y.to(self.device_)
        loss_sum = correct = torch.zeros(self.K, device=self.device_)
        for i in range(0, len(x), batch_size):
            logits = self.predict_logits(x[i : i + batch_size], batch_size)
            yb = y[i : i + batch_size].expand(self.K, -1)
            loss_sum = loss_sum + self._member_losses(logits, yb) * yb.shape[1]
            correct = correct + (logits.argmax(-1) == yb).sum(1)
        return {"loss": (loss_sum / len(x)).cpu(), "accuracy": (correct / len(x)).cpu()}

    def member(self, k: int) -> nn.Module:
        """A fresh module from `build()` holding member k's weights and buffers."""
        self._check_fitted()
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < self.K:
            raise ConfigError(f"member index must be an integer in [0, {self.K}), got {k!r}.")
        with torch.random.fork_rng():  # building draws an initialisation we overwrite
            model = self.build().to(self.device_)
        with torch.no_grad():
            stacked = {**self.params_, **self.buffers_}
            for name, tensor in (*model.named_parameters(), *model.named_buffers()):
                tensor.copy_(stacked[name][k])
        return model
