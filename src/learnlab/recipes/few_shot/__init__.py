"""few-shot: prototypical networks (Snell et al. 2017), a Siamese network (Koch et al. 2015)
and first-order MAML (Finn et al. 2017) trained on MNIST digits 0-4 and tested on the unseen
digits 5-9, against nearest neighbour in pixels.

Training classes: each training digit upright, transposed, turned left and turned right is a
class of its own (20 classes from 5 digits, as Santoro et al. 2016 rotated Omniglot's
characters; `class_versions` = 1 keeps the plain digits). Testing: `test_episodes` seeded
5-way episodes of MNIST test images of 5-9 with 1 and 5 shots and 15 queries per class, the
same episodes for every method and seed; the mean accuracy over episodes with its 95%
interval, then the mean and spread over `seeds` training seeds. Also Koch et al.'s MNIST
protocol, 10-way one-shot over all ten digits: their network, trained on Omniglot, reached
70.3% against 26.5% for 1-NN; here the networks were trained on MNIST digits 0-4 (half of
the ten classes were seen in training), so the row is a comparison of protocol, not of data.
Checked: the protocol against the paper's section 4.4 (400 10-way one-shot trials on the MNIST
test set, a reduced Omniglot-trained net on images upsampled to 35x35, no fine-tuning, and a
nearest-neighbour baseline); the two numbers (its Table 3, an image in every transcript found)
against a published review of the paper that quotes them.
Settings are the recipe's a-priori choices; nothing was tuned on the test digits.

Resume: no parts; `--resume` runs it again.
"""

from __future__ import annotations

import time

from learnlab.recipes.context import RunContext
from learnlab.recipes.few_shot.config import FewShotConfig
from learnlab.recipes.registry import register_recipe
from learnlab.result import Result

NAME = "few-shot"


@register_recipe(
    NAME,
    "few-shot learning: prototypical networks, a Siamese network and first-order MAML trained "
    "on digits 0-4 (with rotated copies), 5-way 1/5-shot episodes of unseen digits 5-9 against "
    "1-NN in pixels; Koch et al.'s 10-way one-shot MNIST protocol",
    FewShotConfig,
    quick={
        "train_images": 400,
        "test_images": 300,
        "episodes": 4,
        "siamese_steps": 4,
        "maml_episodes": 2,
        "maml_inner_steps": 1,
        "test_episodes": 4,
        "koch_episodes": 2,
        "test_query": 2,
        "seeds": 3,
        "methods": ["prototypical", "siamese", "maml"],
        "encoder_options": {"width": 8},
        "embedding": 8,
    },
)
def run(config: FewShotConfig, ctx: RunContext) -> Result:
    from learnlab.recipes.few_shot.experiment import load_data
    from learnlab.recipes.few_shot.outcome import few_shot_result

    start = time.perf_counter()
    data = load_data(config)
    settings = _settings(config)
    episodes = {name: _episodes(config, data, s) for name, s in settings.items()}
    pixels = {name: _pixels(data, e) for name, e in episodes.items()}
    runs = []
    for seed in config.seed_list():
        for method in config.methods:
            runs.append(_train_and_test(method, config, data, episodes, seed))
            cells = ", ".join(f"{k} {100 * v['mean']:.1f}%" for k, v in runs[-1]["tests"].items())
            ctx.console.print(f"  seed {seed}, {method}: {cells}")
    return few_shot_result(config, settings, pixels, runs, time.perf_counter() - start)


def _settings(config: FewShotConfig) -> dict[str, tuple[list[int], int, int]]:
    """Test settings by name: (classes, ways, shots)."""
    out = {
        f"{config.test_way}-way {shot}-shot": (list(config.test_digits), config.test_way, shot)
        for shot in config.test_shots
    }
    if config.koch_episodes:
        out["10-way 1-shot, all digits (Koch)"] = (list(range(10)), 10, 1)
    return out


def _episodes(config: FewShotConfig, data, setting):
    from learnlab.recipes.few_shot.evaluation import draw_test_episodes

    classes, way, shot = setting
    koch = way == 10 and classes == list(range(10)) and shot == 1
    count = config.koch_episodes if koch else config.test_episodes
    return draw_test_episodes(
        data.test_y, classes, way, shot, config.test_query, count, config.seed + 10_000
    )


def _pixels(data, episodes) -> dict[str, float]:
    from learnlab.recipes.few_shot.evaluation import interval, pixel_accuracy

    return interval(pixel_accuracy(data.test_x, episodes))


def _train_and_test(method: str, config: FewShotConfig, data, episodes, seed: int) -> dict:
    from learnlab.recipes.few_shot import evaluation as ev
    from learnlab.recipes.few_shot.experiment import train_method

    started = time.perf_counter()
    model = train_method(method, config, data, seed)
    tests = {}
    for name, ep in episodes.items():
        if method == "maml":
            if ep.support.shape[1] != config.test_way:
                continue  # MAML's classifier has test_way outputs
            from learnlab.objectives.maml import MAMLLoss

            objective = MAMLLoss(
                config.maml_inner_lr, config.maml_inner_steps, config.maml_first_order
            )
            accuracies = ev.maml_accuracy(model, objective, data.test_x, ep)
        elif method == "siamese":
            accuracies = ev.siamese_accuracy(model, data.test_x, ep)
        else:
            accuracies = ev.prototype_accuracy(model, data.test_x, ep)
        tests[name] = ev.interval(accuracies)
    return {
        "method": method,
        "seed": seed,
        "tests": tests,
        "seconds": time.perf_counter() - started,
    }
