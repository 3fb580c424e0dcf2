"""The parent report's tables and notes, from the parts' summaries and histories."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from learnlab.recipes.autoencoders.config import MODELS, AutoencodersConfig, model_specs
from learnlab.result import percent

if TYPE_CHECKING:
    from torch import nn

    from learnlab.result import Result

Rows = list[dict[str, Any]]


def reconstruction_rows(
    config: AutoencodersConfig, parts: dict[str, Result], models: dict[str, nn.Module]
) -> Rows:
    """One row per trained model: size, last training loss, test errors, training time."""
    specs = model_specs(config)
    rows = []
    for kind in MODELS:
        summary, history = parts[kind].summary, parts[kind].history
        rows.append(
            {
                "model": kind,
                "registry name": specs[kind].name,
                "epochs": specs[kind].epochs,
                "parameters": sum(p.numel() for p in models[kind].parameters()),
                "final train loss (nats/image)": round(history[-1]["train_loss"], 2),
                "test MSE per pixel": round(summary[f"{kind}_test_mse"], 5),
                "test BCE (nats/image)": round(summary[f"{kind}_test_bce_nats"], 2),
                "train seconds": round(summary[f"{kind}_train_seconds"], 1),
            }
        )
    return rows


def vae_rows(config: AutoencodersConfig, summary: dict[str, Any]) -> Rows:
    return [
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


def probe_rows(config: AutoencodersConfig, summary: dict[str, Any], pixels: int) -> Rows:
    """The probes' test accuracy per features: each code, the random projection, the pixels."""
    features = [(kind, config.latent if kind == "vae" else config.code) for kind in MODELS]
    rows = [
        {
            "features": kind,
            "dimensions": dimensions,
            "test accuracy": percent(summary[f"probe_accuracy_{kind}"], 2),
        }
        for kind, dimensions in features
    ]
    rows.append(
        {
            "features": "random projection of pixels",
            "dimensions": config.code,
            "test accuracy": percent(summary["probe_accuracy_random_projection"], 2),
        }
    )
    rows.append(
        {
            "features": "raw pixels",
            "dimensions": pixels,
            "test accuracy": percent(summary["probe_accuracy_raw_pixels"], 2),
        }
    )
    return rows


def notes(
    config: AutoencodersConfig, summary: dict[str, Any], n_train: int, n_test: int
) -> list[str]:
    """The sentences under the report's title."""
    return [
        f"Trained on {n_train:,} MNIST training images (pixels in [0, 1], no labels), "
        f"evaluated on {n_test:,} test images. Adam, lr {config.lr:g}, batch "
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
        f"standardised codes of {min(config.probe_train, n_train):,} training images, "
        f"at most {config.probe_max_iter} iterations, scored on the test images.",
        "The VAE's bounds use grey-level pixels as Bernoulli targets; the cross-entropy of a "
        "grey pixel is above 0 even for a perfect model, so these nats are not comparable "
        "with results on binarised MNIST (about 85-90 nats there for VAEs trained long). "
        "-L_k <= -ELBO is the tighter bound (Burda, Grosse & Salakhutdinov 2016).",
    ]
