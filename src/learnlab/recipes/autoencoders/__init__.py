"""autoencoders: dense, convolutional and denoising autoencoders and a VAE on MNIST.

Four models learn a small code of MNIST digits (pixels in [0, 1]) without labels, each for a
few epochs of Adam on the 60,000 training images, with a Bernoulli decoder (logits, binary
cross-entropy in nats per image); each is a part of the run, trained by the Trainer:

- `dense` and `conv` (`autoencoder.py`), both with a code of `code` numbers (Hinton &
  Salakhutdinov, 2006, "Reducing the dimensionality of data with neural networks"; Masci,
  Meier, Ciresan & Schmidhuber, 2011, "Stacked convolutional auto-encoders for hierarchical
  feature extraction");
- `denoising` (`denoising.py`): the dense autoencoder trained as a denoising autoencoder
  (Vincent, Larochelle, Bengio & Manzagol, 2008, "Extracting and composing robust features
  with denoising autoencoders"): it sees the image with a fraction `masking` of its pixels set
  to 0 and is scored against the clean image;
- `vae` (`vae.py`; Kingma & Welling, 2014, "Auto-encoding variational Bayes") with a
  `latent`-d Gaussian latent, trained on the negative ELBO; its test likelihood is also
  estimated with the importance-weighted bound (Burda, Grosse & Salakhutdinov, 2016,
  "Importance weighted autoencoders") with `iwae_samples` samples per image.

On the 10,000 test images: the reconstruction error of each model (mean squared error per
pixel, and the Bernoulli cross-entropy in nats per image; the VAE reconstructs from its
posterior mean), the denoising model's error from masked inputs, the VAE's negative ELBO
and -L_k in nats per image; then (part `probes`, `probes.py`) a linear probe (multinomial
logistic regression, scikit-learn, fitted on `probe_train` training codes, standardised) of
each model's code against the raw pixels and a Gaussian random projection of the pixels to
`code` numbers. The report shows reconstructions, samples from the VAE's prior and a walk
between two digits in its latent space (`figures.py`). The cross-entropy of grey-level targets
has a floor above 0 (a grey pixel cannot be predicted with certainty), so these nats are not
comparable with numbers on binarised MNIST.

Each part writes its result (the trained model as `<run>/<part>/model.safetensors`) as soon as
it finishes: `--resume` keeps finished parts and trains only the others; the figures and
tables are then redrawn from the kept weights.

Measured here (default config, seed 0, `OMP_NUM_THREADS=1`, on the shared 2-core machine at a
load average of 10 to 19, so only the CPU time means something: 211 s of CPU, user + sys, for
the whole recipe). Test MSE per pixel: dense 0.0064, conv 0.0060, denoising 0.0120 from clean
and 0.0102 from masked inputs, VAE (posterior mean) 0.0109; BCE nats per image 63.2, 62.0,
78.5, 74.5; VAE negative ELBO 105.5 nats per image (KL term 23.8), -L_64 101.8. Linear probe
test accuracy: dense 90.1%, conv 91.3%, denoising 90.4%, VAE (16-d) 88.3%; raw pixels 88.6%, a
random projection to 32 numbers 78.5%. Two runs (the other with 3 conv epochs) gave identical
dense, denoising and VAE numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from learnlab.recipes.autoencoders.config import (
    MODELS,
    NAME,
    AutoencodersConfig,
    check,
    model_specs,
)
from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.result import Result, percent

if TYPE_CHECKING:
    from torch import nn

    from learnlab.recipes.autoencoders.data import Mnist

__all__ = ["MODELS", "NAME", "AutoencodersConfig", "run"]


@register_recipe(
    NAME,
    "dense, convolutional and denoising autoencoders and a VAE on MNIST: test reconstruction "
    "error, the VAE's negative ELBO and IWAE bound, linear probes of the codes, figures",
    AutoencodersConfig,
    # 2,000 images, 3 epochs at a higher learning rate: every model's test error ends below
    # that of the best constant image (the mean training image), in seconds
    quick={
        "limit_train": 2000,
        "limit_test": 120,
        "hidden": [32],
        "vae_hidden": [32],
        "conv_channels": [8, 16],
        "code": 8,
        "latent": 4,
        "epochs": 3,
        "conv_epochs": 3,
        "vae_epochs": 3,
        "batch_size": 50,
        "lr": 0.01,
        "iwae_samples": 4,
        "probe_train": 200,
        "probe_max_iter": 50,
        "progress": False,
    },
)
def run(config: AutoencodersConfig, ctx: RunContext) -> Result:
    import time

    import torch

    from learnlab.recipes.autoencoders.data import load_mnist
    from learnlab.recipes.autoencoders.probes import probe_codes

    check(config)
    started = time.perf_counter()
    data = load_mnist(config)
    result = Result(
        kind=NAME,
        title=f"{NAME}: dense, convolutional, denoising autoencoders and a VAE on MNIST",
        summary={"recipe": NAME},
        index={"dataset": "mnist", "model": "autoencoder, conv-autoencoder, vae"},
    )
    models = {kind: _train_part(kind, config, data, result, ctx) for kind in MODELS}
    ctx.console.print(f"[bold]{NAME}[/]: linear probes")
    result.add_part("probes", ctx.part("probes", probe_codes, models, data, config))
    result.summary["torch_threads"] = torch.get_num_threads()
    result.summary["seconds_total"] = time.perf_counter() - started
    return _finish(result, config, data, models)


def _train_part(
    kind: str, config: AutoencodersConfig, data: Mnist, result: Result, ctx: RunContext
) -> nn.Module:
    """Train `kind` as a part (read back on --resume), merge its summary into `result`'s, and
    return the trained model: the one just trained, or the one rebuilt from the kept weights."""
    from functools import partial

    from learnlab.models.saved import load_model
    from learnlab.recipes.autoencoders.autoencoder import train_autoencoder
    from learnlab.recipes.autoencoders.denoising import train_denoising
    from learnlab.recipes.autoencoders.vae import train_vae

    trainers = {
        "dense": partial(train_autoencoder, "dense"),
        "conv": partial(train_autoencoder, "conv"),
        "denoising": train_denoising,
        "vae": train_vae,
    }
    spec = model_specs(config)[kind]
    ctx.console.print(f"[bold]{NAME}[/]: training {kind} ({spec.name}, {spec.epochs} epochs)")
    part = result.add_part(kind, ctx.part(kind, trainers[kind], config, data, ctx.console))
    saved = part.models.get("model")
    model = saved.module if saved is not None else load_model(ctx.part_dir(kind))
    summary = part.summary
    ctx.console.print(
        f"  {kind}: test MSE {summary[f'{kind}_test_mse']:.5f}, "
        f"BCE {summary[f'{kind}_test_bce_nats']:.2f} nats, "
        f"{summary[f'{kind}_train_seconds']:.1f} s"
    )
    return model.eval()


def _finish(
    result: Result, config: AutoencodersConfig, data: Mnist, models: dict[str, nn.Module]
) -> Result:
    """The tables, notes, figures and console line, from the parts' summaries and models."""
    from learnlab.recipes.autoencoders.figures import figure_specs
    from learnlab.recipes.autoencoders.tables import (
        notes,
        probe_rows,
        reconstruction_rows,
        vae_rows,
    )

    summary = result.summary
    pixels = data.x_train.shape[1:].numel()
    result.tables = {
        "reconstruction (test set)": reconstruction_rows(config, result.parts, models),
        "VAE bounds (test set)": vae_rows(config, summary),
        "linear probe of the codes": probe_rows(config, summary, pixels),
    }
    result.notes = notes(config, summary, len(data.x_train), len(data.x_test))
    result.figures = figure_specs(models, data, config)
    result.headline = (
        f"[bold]{NAME}[/]: conv AE test MSE {summary['conv_test_mse']:.5f}, VAE negative ELBO "
        f"{summary['vae_test_neg_elbo_nats']:.2f} nats (IWAE {summary['vae_test_iwae_nats']:.2f})"
        f", probe accuracy conv {percent(summary['probe_accuracy_conv'], 2)} vs pixels "
        f"{percent(summary['probe_accuracy_raw_pixels'], 2)}, {summary['seconds_total']:.0f} s"
    )
    return result
