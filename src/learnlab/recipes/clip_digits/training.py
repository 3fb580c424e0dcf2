"""One seed of clip-digits: build (image, caption) pairs of the seen digits, train the dual
encoder with CLIP's loss, then classify test images by text prompts."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from learnlab.recipes.zero_shot.data import Digits


@dataclass(frozen=True)
class ClipOutcome:
    seed: int
    seen_accuracy: float  # seen digits' test images among the seen digits, by name prompts
    held_out_by_name: float  # held-out digits' images among held-out digits, by name prompts
    held_out_by_description: float  # ... by their segment descriptions
    all_by_name: float  # every test image among all ten digits, by name prompts
    final_loss: float


def caption_pairs(
    images: torch.Tensor, labels: torch.Tensor, draws: int, words: dict[str, int], seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each image `draws` times, each time with one of its digit's captions drawn at random."""
    from learnlab.recipes.clip_digits.captions import all_captions, tokenize

    generator = torch.Generator().manual_seed(seed)
    per_digit = {d: all_captions(d) for d in labels.unique().tolist()}
    captions = []
    for _ in range(draws):
        for label in labels.tolist():
            options = per_digit[label]
            captions.append(options[int(torch.randint(len(options), (1,), generator=generator))])
    return images.repeat(draws, 1, 1, 1), tokenize(captions, words)


def prompt_embeddings(model, prompts_per_class: list[list[str]], words) -> torch.Tensor:
    """One embedding per class: the mean of its prompts' normalised text embeddings (CLIP's
    prompt ensembling), normalised again."""
    import torch.nn.functional as F

    from learnlab.recipes.clip_digits.captions import tokenize

    rows = [
        F.normalize(model.encode_text(tokenize(p, words)), dim=-1).mean(0)
        for p in prompts_per_class
    ]
    return F.normalize(torch.stack(rows), dim=-1)


def zero_shot_accuracy(model, images, labels, classes: list[int], prompts, words) -> float:
    """Accuracy of choosing, among `classes`, the class whose prompt embedding is the most
    similar to the image's embedding; `prompts(digit)` gives a class's prompts."""
    import torch.nn.functional as F

    keep = torch.isin(labels, torch.tensor(classes))
    with torch.no_grad():
        texts = prompt_embeddings(model, [prompts(c) for c in classes], words)
        scores = F.normalize(model.encode_image(images[keep]), dim=-1) @ texts.T
    predicted = torch.tensor(classes)[scores.argmax(dim=1)]
    return float((predicted == labels[keep]).float().mean())


def train_clip_seed(data: Digits, config, seed: int) -> ClipOutcome:
    from learnlab.data.loader import TensorLoader
    from learnlab.models.dual_encoder import DualEncoder
    from learnlab.objectives.clip import ContrastiveImageText
    from learnlab.procedures.base import Stage, train_stage
    from learnlab.recipes.clip_digits.captions import description_caption, name_captions, vocabulary

    words = vocabulary()
    held_out = list(config.held_out)
    seen = [d for d in range(10) if d not in held_out]
    is_seen = torch.isin(data.y_train, torch.tensor(seen))
    images, tokens = caption_pairs(
        data.x_train[is_seen], data.y_train[is_seen], config.caption_draws, words, seed
    )
    model = DualEncoder(
        image_size=data.x_train[0].numel(),
        vocabulary_size=len(words) + 1,
        embed_dim=config.embed_dim,
        hidden=config.hidden,
        seed=seed,
    )
    loader = TensorLoader(images, tokens, batch_size=config.batch_size, seed=seed, drop_last=True)
    stage = Stage(epochs=config.epochs, optimizer="adam", lr=config.lr)
    phase = train_stage(model, ContrastiveImageText(), loader, stage, name="clip")
    model.eval()
    x, y = data.x_test, data.y_test
    return ClipOutcome(
        seed=seed,
        seen_accuracy=zero_shot_accuracy(model, x, y, seen, name_captions, words),
        held_out_by_name=zero_shot_accuracy(model, x, y, held_out, name_captions, words),
        held_out_by_description=zero_shot_accuracy(
            model, x, y, held_out, lambda d: [description_caption(d)], words
        ),
        all_by_name=zero_shot_accuracy(model, x, y, list(range(10)), name_captions, words),
        final_loss=phase.last("train_loss"),
    )
