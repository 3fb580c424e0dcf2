"""autoencoders: dense, convolutional and denoising autoencoders and a VAE on MNIST.

Four models learn a small code of MNIST digits (pixels in [0, 1]) without labels, each for a
few epochs of Adam on the 60,000 training images, with a Bernoulli decoder (logits, binary
cross-entropy in nats per image):

- `autoencoder` (dense) and `conv-autoencoder`, both with a code of `code` numbers
  (Hinton & Salakhutdinov, 2006; Masci et al., 2011);
- the same dense autoencoder trained as a denoising autoencoder (Vincent et al., 2008,
  "Extracting and composing robust features with denoising autoencoders"): it sees the image
  with a fraction `masking` of its pixels set to 0 and is scored against the clean image;
- `vae` (Kingma & Welling, 2014, "Auto-encoding variational Bayes") with a `latent`-d
  Gaussian latent, trained on the negative ELBO; its test likelihood is also estimated with
  the importance-weighted bound (Burda, Grosse & Salakhutdinov, 2016) with `iwae_samples`
  samples per image.

On the 10,000 test images: the reconstruction error of each model (mean squared error per
pixel, and the Bernoulli cross-entropy in nats per image; the VAE reconstructs from its
posterior mean), the denoising model's error from masked inputs, the VAE's negative ELBO
and -L_k in nats per image; then a linear probe (multinomial logistic regression,
scikit-learn, fitted on `probe_train` training codes, standardised) of each model's code
against the raw pixels and a Gaussian random projection of the pixels to `code` numbers. The
report shows reconstructions, samples from the VAE's prior and a walk between two digits in
its latent space. The cross-entropy of grey-level targets has a floor above 0 (a grey pixel
cannot be predicted with certainty), so these nats are not comparable with numbers on
binarised MNIST.

Measured here (default config, seed 0, `OMP_NUM_THREADS=1`, on the shared 2-core machine at a
load average of 10 to 19, so only the CPU time means something: 211 s of CPU, user + sys, for
the whole recipe; an idle 2-thread run should take about 211 / 1.6 = 130 s). Test MSE per
pixel: dense 0.0064, conv 0.0060, denoising 0.0120 from clean and 0.0102 from masked inputs,
VAE (posterior mean) 0.0109; BCE nats per image 63.2, 62.0, 78.5, 74.5; VAE negative ELBO
105.5 nats per image (KL term 23.8), -L_64 101.8. Linear probe test accuracy: dense 90.1%,
conv 91.3%, denoising 90.4%, VAE (16-d) 88.3%; raw pixels 88.6%, a random projection to 32
numbers 78.5%. Two runs (the other with 3 conv epochs) gave identical dense, denoising and
VAE numbers.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from learnlab.config import StrictModel
from learnlab.io.errors import ConfigError
from learnlab.recipes.registry import register_recipe

NAME = "autoencoders"
MODELS = ("dense", "conv", "denoising", "vae")


class AutoencodersConfig(StrictModel):
    """The recipe's settings; the defaults are the measured recipe."""

    seed: int = Field(0, ge=0)
    code: int = Field(32, ge=1, le=784)
    hidden: list[int] = Field(default_factory=lambda: [512], max_length=4)
    conv_channels: list[int] = Field(default_factory=lambda: [16, 32], min_length=1, max_length=4)
    latent: int = Field(16, ge=1, le=784)
    vae_hidden: list[int] = Field(default_factory=lambda: [512], max_length=4)
    epochs: int = Field(5, ge=1, le=100)
    conv_epochs: int = Field(5, ge=1, le=100)
    vae_epochs: int = Field(10, ge=1, le=200)
    batch_size: int = Field(128, ge=1, le=60_000)
    lr: float = Field(1e-3, gt=0, le=1)
    masking: float = Field(0.3, ge=0, lt=1)
    gaussian_std: float = Field(0.0, ge=0, le=10)
    iwae_samples: int = Field(64, ge=1, le=10_000)
    probe_train: int = Field(10_000, ge=10, le=60_000)
    probe_max_iter: int = Field(200, ge=1, le=10_000)
    limit_train: int | None = Field(None, ge=1)
    limit_test: int | None = Field(None, ge=1)
    data_root: str | None = None
    download: bool = True
    progress: bool = True


def model_specs(config: AutoencodersConfig) -> dict[str, tuple[str, dict[str, Any], int]]:
    """Per model: (registered name, options, epochs)."""
    dense = {"code": config.code, "hidden": list(config.hidden)}
    return {
        "dense": ("autoencoder", dense, config.epochs),
        "conv": (
            "conv-autoencoder",
            {"code": config.code, "channels": list(config.conv_channels)},
            config.conv_epochs,
        ),
        "denoising": ("autoencoder", dense, config.epochs),
        "vae": (
            "vae",
            {"latent": config.latent, "hidden": list(config.vae_hidden)},
            config.vae_epochs,
        ),
    }


def _load_data(config: AutoencodersConfig):
    from learnlab.data import load_dataset

    ds = load_dataset("mnist", root=config.data_root, download=config.download)

    def split(s, limit):
        x, y = s.x, s.y
        if limit is not None:
            x, y = x[:limit], y[:limit]
        return x.float() / ds.scale, y

    x_train, y_train = split(ds.train, config.limit_train)
    x_test, y_test = split(ds.test, config.limit_test)
    return ds, (x_train, y_train, x_test, y_test)


@register_recipe(
    NAME,
    "dense, convolutional and denoising autoencoders and a VAE on MNIST: test reconstruction "
    "error, the VAE's negative ELBO and IWAE bound, linear probes of the codes, figures",
    AutoencodersConfig,
)
def run(config: AutoencodersConfig, *, run_dir=None, resume=None, console=None):
    import time

    import torch
    from rich.console import Console

    from learnlab import runs
    from learnlab.models import build_model
    from learnlab.pipeline import Outcome
    from learnlab.recipes.autoencoder_figures import figures
    from learnlab.recipes.autoencoder_steps import evaluate, probe_table, train_model
    from learnlab.report.html import write_report

    if resume is not None:
        raise ConfigError(
            f"recipe {NAME!r} cannot be resumed: its trainings take seconds to a minute each. "
            "Run it again without --resume (with --run-dir to choose where)."
        )
    console = console or Console(stderr=True)
    started = time.perf_counter()
    specs = model_specs(config)
    for name, options, _ in specs.values():  # a bad option fails before anything is written
        build_model(name, (1, 28, 28), 1, **options)
    ds, data = _load_data(config)
    x_train, _, x_test, y_test = data
    parent = runs.choose_run_dir(NAME, run_dir)
    parent.mkdir(parents=True, exist_ok=True)

    models, summary, rows = {}, {"recipe": NAME}, []
    for kind in MODELS:
        console.print(
            f"[bold]{NAME}[/]: training {kind} ({specs[kind][0]}, {specs[kind][2]} epochs)"
        )
        model, history, seconds = train_model(kind, config, x_train, console)
        models[kind] = model
        name, options, epochs = specs[kind]
        runs.save_model(
            parent / f"{kind}.safetensors",
            model,
            {
                "model": name,
                "options": options,
                "input_shape": [1, 28, 28],
                "num_outputs": 1,
                "dataset": "mnist",
                "scale": ds.scale,
                "mean": 0.0,
                "std": 1.0,
            },
        )
        results = evaluate(kind, model, x_test, config)
        summary.update({f"{kind}_{k}": v for k, v in results.items()})
        summary[f"{kind}_train_seconds"] = seconds
        rows.append(
            {
                "model": kind,
                "registry name": name,
                "epochs": epochs,
                "parameters": sum(p.numel() for p in model.parameters()),
                "final train loss (nats/image)": round(history[-1]["train_loss"], 2),
                "test MSE per pixel": round(results["test_mse"], 5),
                "test BCE (nats/image)": round(results["test_bce_nats"], 2),
                "train seconds": round(seconds, 1),
            }
        )
        console.print(
            f"  {kind}: test MSE {results['test_mse']:.5f}, "
            f"BCE {results['test_bce_nats']:.2f} nats, {seconds:.1f} s"
        )
    console.print(f"[bold]{NAME}[/]: linear probes")
    probes = probe_table(models, data, config)
    summary.update({f"probe_accuracy_{k}": v for k, v in probes.items()})
    summary["torch_threads"] = torch.get_num_threads()
    summary["seconds_total"] = time.perf_counter() - started
    runs.write_json(parent / runs.SUMMARY_FILE, summary)
    probe_rows = [
        {
            "features": kind,
            "dimensions": config.latent if kind == "vae" else config.code,
            "test accuracy": f"{100 * acc:.2f}%",
        }
        for kind, acc in probes.items()
        if kind in models
    ] + [
        {
            "features": "random projection of pixels",
            "dimensions": config.code,
            "test accuracy": f"{100 * probes['random_projection']:.2f}%",
        },
        {
            "features": "raw pixels",
            "dimensions": x_train.shape[1:].numel(),
            "test accuracy": f"{100 * probes['raw_pixels']:.2f}%",
        },
    ]
    vae_rows = [
        {
            "bound": "negative ELBO (1 sample)",
            "nats per image": round(summary["vae_test_neg_elbo_nats"], 2),
        },
        {
            "bound": f"-L_k, IWAE (k = {config.iwae_samples})",
            "nats per image": round(summary["vae_test_iwae_nats"], 2),
        },
        {
            "bound": "KL(q(z|x) || p(z)) term",
            "nats per image": round(summary["vae_test_kl_nats"], 2),
        },
    ]
    notes = [
        f"Trained on {len(x_train):,} MNIST training images (pixels in [0, 1], no labels), "
        f"evaluated on {len(x_test):,} test images. Adam, lr {config.lr:g}, batch "
        f"{config.batch_size}, seed {config.seed}; Bernoulli decoders (binary cross-entropy "
        "in nats per image).",
        f"Denoising: {config.masking:.0%} of the input pixels set to 0 (masking noise), "
        f"Gaussian noise std {config.gaussian_std:g}; the loss is against the clean image "
        "(Vincent et al. 2008). Its test MSE from clean inputs is in the table; from corrupted "
        f"inputs it is {summary['denoising_test_mse_from_corrupted']:.5f}. It was trained on "
        "masked inputs only, and a clean image carries more ink than any of them, so its "
        "reconstructions of clean images can be the worse of the two; its use is its code "
        "(see the linear probe).",
        "Linear probe: multinomial logistic regression (scikit-learn, L-BFGS, C = 1) on "
        f"standardised codes of {min(config.probe_train, len(x_train)):,} training images, "
        f"at most {config.probe_max_iter} iterations, scored on the test images.",
        "The VAE's bounds use grey-level pixels as Bernoulli targets; the cross-entropy of a "
        "grey pixel is above 0 even for a perfect model, so these nats are not comparable "
        "with results on binarised MNIST (about 85-90 nats there for VAEs trained long). "
        "-L_k <= -ELBO is the tighter bound (Burda, Grosse & Salakhutdinov 2016).",
    ]
    shown = {k: v for k, v in summary.items() if k != "recipe"}
    report = write_report(
        parent,
        title=f"{NAME}: dense, convolutional, denoising autoencoders and a VAE on MNIST",
        summary=shown,
        history=[],
        config=config.model_dump(),
        notes=notes,
        tables={
            "reconstruction (test set)": rows,
            "VAE bounds (test set)": vae_rows,
            "linear probe of the codes": probe_rows,
        },
        extra_figures=figures(models, x_test, y_test, config),
    )
    runs.append_to_index(
        parent,
        {"kind": NAME, "dataset": "mnist", "model": "autoencoder, conv-autoencoder, vae"},
    )
    console.print(
        f"[bold]{NAME}[/]: conv AE test MSE {summary['conv_test_mse']:.5f}, VAE negative ELBO "
        f"{summary['vae_test_neg_elbo_nats']:.2f} nats (IWAE {summary['vae_test_iwae_nats']:.2f})"
        f", probe accuracy conv {100 * probes['conv']:.2f}% vs pixels "
        f"{100 * probes['raw_pixels']:.2f}%, {summary['seconds_total']:.0f} s"
    )
    console.print(f"report: {report}")
    return Outcome(parent, summary, [])
