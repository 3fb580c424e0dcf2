"""szegedy-distortion: the smallest adversarial changes of fully connected MNIST networks,
reproducing Table 1 of Szegedy et al. (2014), "Intriguing properties of neural networks".

The paper trains softmax regressions with weight decay 1e-4, 1e-2 and 1 (FC10(lambda)) and
sigmoid networks FC100-100-10 and FC200-200-10, finds for each image the smallest change that
makes the network predict another class with a box-constrained L-BFGS search
(`learnlab.analysis.adversarial.lbfgs`), and reports the average minimum distortion
sqrt(sum r_i^2 / n) (pixels in [0, 1], n = 784): 0.062, 0.1, 0.14, 0.058 and 0.065. Its
Table 2 feeds the examples made for one network to the others: many fool them too, far more
than Gaussian noise of larger size.

Here: the networks are trained (networks.py), the first `attack_images` test images are
attacked toward a random wrong class (attacks.py), and the result has the paper-vs-measured
distortion of each network, a table of the networks (test error, success rate, distortion,
seconds) beside the paper's test errors, the transfer table and a figure of originals,
adversarial images and magnified differences (figures.py).
"""

from __future__ import annotations

from typing import Any

from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.recipes.szegedy_distortion.config import NETWORKS, SzegedyDistortionConfig
from learnlab.recipes.szegedy_distortion.reproduction import PAPER_TABLE_1, REPRODUCTION, key
from learnlab.result import FigureSpec, Result

NAME = "szegedy-distortion"
MAGNIFY = 5.0  # how much the figure magnifies the differences


@register_recipe(
    NAME,
    "Reproduction: the average minimum distortion of box-constrained L-BFGS adversarial "
    "examples for the FC MNIST networks of Szegedy et al. (2014), and their transfer",
    SzegedyDistortionConfig,
    reproduction=REPRODUCTION,
)
def run(config: SzegedyDistortionConfig, ctx: RunContext) -> Result:
    import torch

    from learnlab.recipes.szegedy_distortion.attacks import (
        attack_network,
        transfer_rows,
        wrong_targets,
    )
    from learnlab.recipes.szegedy_distortion.networks import load_mnist01

    data = load_mnist01(config.data_root, config.download, config.limit_train)
    x, y = data.test_x[: config.attack_images], data.test_y[: config.attack_images]
    target = wrong_targets(y, config.seed)
    models, attacks, rows, summary = {}, {}, [], {}
    for name in config.networks:
        ctx.console.print(f"{NAME}: training {name}")
        models[name], train_loss = _trained(name, config, data)
        ctx.console.print(f"{NAME}: attacking {len(y)} test images of {name}")
        attacks[name] = attack_network(
            models[name],
            x,
            target,
            search_steps=config.search_steps,
            max_iterations=config.max_iterations,
            batch_size=config.attack_batch,
        )
        row, keys = _network_row(name, models[name], attacks[name], data, train_loss)
        rows.append(row)
        summary.update(keys)
    summary["attack_images"] = len(y)
    summary["torch_threads"] = torch.get_num_threads()
    transfer = transfer_rows(models, attacks, x, y, config.noise_std, config.seed + 1)
    return _result(config, summary, rows, transfer, _figure(config, x, attacks, target))


def _trained(name: str, config: SzegedyDistortionConfig, data) -> tuple[Any, float]:
    import torch

    from learnlab.recipes.szegedy_distortion.networks import build_network, train_network

    hidden, decays = NETWORKS[name]
    torch.manual_seed(config.seed)
    model = build_network(hidden)
    loss = train_network(
        model,
        decays,
        data,
        epochs=config.epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        seed=config.seed,
    )
    return model, loss


def _network_row(name, model, attack, data, train_loss) -> tuple[dict[str, str], dict[str, Any]]:
    from learnlab.recipes.szegedy_distortion.networks import error_rate

    test_error = 100 * error_rate(model, data.test_x, data.test_y)
    train_error = 100 * error_rate(model, data.train_x, data.train_y)
    done = attack.success
    distortion = float(attack.distortion[done].mean()) if done.any() else float("nan")
    paper_error, paper_distortion = PAPER_TABLE_1[name]
    stem = key(name)
    keys = {
        f"distortion_{stem}": distortion,
        f"success_{stem}": float(done.double().mean()),
        f"test_error_percent_{stem}": test_error,
        f"train_error_percent_{stem}": train_error,
        f"attack_seconds_{stem}": attack.seconds,
    }
    row = {
        "network": name,
        "train error": f"{train_error:.2f}%",
        "test error": f"{test_error:.2f}%",
        "test error (paper)": f"{paper_error:g}%",
        "attacks that succeeded": f"{int(done.sum())} of {len(done)}",
        "av. min. distortion": f"{distortion:.3f}",
        "distortion (paper)": f"{paper_distortion:g}",
        "last training loss": f"{train_loss:.4f}",
        "attack seconds": f"{attack.seconds:.1f}",
    }
    return row, keys


def _figure(config, x, attacks, target) -> FigureSpec:
    """The first attacked images of the first network, whatever the outcome."""
    name = config.networks[0]
    k = min(config.figure_examples, x.shape[0])
    attack = attacks[name]
    labels = [
        f"to {int(target[j])}: {'fooled' if attack.success[j] else 'failed'}, "
        f"{float(attack.distortion[j]):.3f}"
        for j in range(k)
    ]
    from learnlab.recipes.szegedy_distortion.figures import adversarial_figure

    return FigureSpec(
        f"adversarial examples for {name}",
        adversarial_figure,
        {
            "original": x[:k].reshape(k, 28, 28),
            "adversarial": attack.adversarial[:k].reshape(k, 28, 28),
            "labels": labels,
            "magnify": MAGNIFY,
        },
        caption="Top: test images; middle: the smallest change found that makes the network "
        "predict the target; bottom: the change, magnified. Titles: target, outcome, rms "
        "distortion.",
    )


def _result(config, summary, rows, transfer, figure) -> Result:
    described = ", ".join(f"{row['network']} {row['av. min. distortion']}" for row in rows)
    return Result(
        kind=NAME,
        title=f"{NAME}: minimum adversarial distortion of FC MNIST networks",
        summary=summary,
        notes=[
            "Each attack targets a uniformly drawn wrong class; the distortion "
            "sqrt(sum r_i^2 / 784) is averaged over the attacks that succeeded (success read "
            "by re-predicting the adversarial image).",
            "Transfer table: the error of each network (columns) on the adversarial examples "
            "made for another (rows; its successful ones), and on Gaussian noise (clipped to "
            "[0, 1]) for comparison.",
        ],
        tables={"networks": rows, "transfer (error of each network)": transfer},
        figures=[figure],
        index={"dataset": "mnist", "model": "fc"},
        headline=f"[bold]{NAME}[/]: average minimum distortion {described}",
    )
