"""value-iteration-network: an architecture made by unrolling an algorithm (lecture L3: "take
an existing algorithm and turn it into a neural network"); Tamar, Wu, Thomas, Levine & Abbeel
(2016), "Value Iteration Networks" (NIPS), the grid-world experiment of section 4.1.

Per grid size (8x8 and 16x16 by default): random maps with walls on the border, inner
obstacles with probability 0.2 and a goal (`learnlab.data.grid_worlds`); the expert is the
optimal planner (shortest paths with 8 moves, breadth-first). The VIN (`learnlab.models.
value_iteration`, K = 10 and 20 iterations) and a reactive CNN of similar size (`grid-cnn`)
are trained by imitation (cross-entropy to the expert's action) on the same labelled states of
the same training maps: the VIN on whole maps at once (`objectives.cell_actions`: its value
iteration is shared by all states of a map), the CNN state by state. Both are then rolled out
from start states on unseen maps: success = reaching the goal without touching an obstacle
within `step_limit_factor` x the optimal number of moves. Reported per size, as means over
`seeds` seeds with their spread: success rate, action accuracy against the expert's label,
the rate of optimal moves (any shortest-path move), the mean extra moves of successful
rollouts over the planner's, and the planner itself (100% by construction).

Nothing is tuned on the test maps: the paper's K, 150 hidden and 10 Q channels and RMSProp
are kept; the learning rates and the VIN's batch of maps were chosen on 200 validation maps
(another seed stream than the training and test maps; one seed); epochs and map counts are set
by the time budget.

Resume: the recipe is one computation of a few minutes; `--resume` runs it again.
"""

from __future__ import annotations

from typing import Any

from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.recipes.value_iteration_network.config import ValueIterationNetworkConfig
from learnlab.result import FigureSpec, Result, percent

NAME = "value-iteration-network"
POLICIES = ("VIN", "CNN", "planner")
QUICK = {
    "sizes": [6, 8], "iterations": [4, 6], "train_maps": 40, "states_per_map": 4,
    "test_maps": 10, "test_starts": 3, "seeds": 2, "epochs": 1, "vin_hidden": 8,
    "cnn_width": 4, "cnn_blocks": 1,
}  # fmt: skip


@register_recipe(
    NAME,
    "Value iteration network (Tamar et al. 2016) on generated grid worlds (8x8, 16x16): "
    "success of rollouts on unseen maps against a CNN policy of similar size and the planner",
    ValueIterationNetworkConfig,
    quick=QUICK,
)
def run(config: ValueIterationNetworkConfig, ctx: RunContext) -> Result:
    import time

    from learnlab.recipes.value_iteration_network.training import (
        make_data,
        planner,
        train_cnn,
        train_vin,
    )

    start = time.process_time()
    outcomes: dict[int, dict[str, list]] = {}
    for size, k in zip(config.sizes, config.iterations, strict=True):
        data = make_data(config, size)
        first = int(data.test_starts[0, 0])  # the map of the first rollout (the figure's)
        example = {"obstacles": data.test.obstacles[first], "goal": data.test.goals[first]}
        runs = {"VIN": [], "CNN": [], "planner": [planner(data, config)]}
        for seed in config.seed_list():
            runs["VIN"].append(train_vin(data, k, seed, config))
            runs["CNN"].append(train_cnn(data, seed, config))
        outcomes[size] = runs
        ctx.console.print(f"{size}x{size}: " + _line(runs))
    return _result(config, outcomes, example, time.process_time() - start)


def _line(runs: dict[str, list]) -> str:
    return ", ".join(
        f"{name} {percent(_mean([o.rollouts.success_rate for o in runs[name]]))}"
        for name in POLICIES
    )


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _summary(config, outcomes: dict[int, dict[str, list]], seconds: float) -> dict[str, Any]:
    from learnlab.recipes.seeds import spread_keys

    summary: dict[str, Any] = {"recipe": NAME, "seeds": config.seeds}
    for size, runs in outcomes.items():
        for name in POLICIES:
            key = f"{name.lower()}_{size}"
            rates = [o.rollouts.success_rate for o in runs[name]]
            summary[f"{key}_success"] = _mean(rates)
            summary.update(spread_keys(f"{key}_success", rates))
            summary[f"{key}_action_accuracy"] = _mean([o.action_accuracy for o in runs[name]])
            summary[f"{key}_optimal_moves"] = _mean([o.optimal_action_rate for o in runs[name]])
            summary[f"{key}_extra_moves"] = _mean([o.rollouts.extra_moves() for o in runs[name]])
            summary[f"{key}_parameters"] = runs[name][0].parameters
    summary["cpu_seconds"] = seconds
    return summary


def _spread(values: list[float]) -> str:
    import statistics

    std = statistics.stdev(values) if len(values) > 1 else 0.0
    low, high = percent(min(values)), percent(max(values))
    return f"{percent(_mean(values))} ± {100 * std:.1f} [{low}, {high}]"


def _moves(group: list) -> str:
    return f"{_mean([o.rollouts.extra_moves() for o in group]):.2f}"


def _table(outcomes: dict[int, dict[str, list]]) -> list[dict[str, str]]:
    rows = []
    for size, runs in outcomes.items():
        for name in POLICIES:
            group = runs[name]
            rows.append({
                "grid": f"{size}x{size}",
                "policy": name,
                "parameters": str(group[0].parameters),
                "success rate (mean ± std [min, max])": _spread(
                    [o.rollouts.success_rate for o in group]
                ),
                "action accuracy (expert's label)": _spread([o.action_accuracy for o in group]),
                "optimal moves": _spread([o.optimal_action_rate for o in group]),
                "extra moves when successful": _moves(group),
                "CPU s per seed": f"{_mean([o.seconds for o in group]):.1f}",
            })  # fmt: skip
    return rows


def _figures(outcomes: dict[int, dict[str, list]], example: dict) -> list[FigureSpec]:
    from learnlab.recipes.value_iteration_network.figures import (
        example_map_figure,
        success_figure,
    )

    sizes = list(outcomes)
    rates = {
        name: [[100 * o.rollouts.success_rate for o in outcomes[s][name]] for s in sizes]
        for name in POLICIES
    }
    bars = {
        "sizes": sizes,
        "policies": list(POLICIES),
        "means": [[_mean(r) for r in rates[name]] for name in POLICIES],
        "lows": [[min(r) for r in rates[name]] for name in POLICIES],
        "highs": [[max(r) for r in rates[name]] for name in POLICIES],
    }
    largest = outcomes[sizes[-1]]
    drawn = {
        "obstacles": example["obstacles"].float(),
        "goal": [int(g) for g in example["goal"]],
        "value": largest["VIN"][0].value_map,
        "paths": {name: [list(c) for c in largest[name][0].rollouts.path] for name in POLICIES},
    }
    return [
        FigureSpec("success rate on unseen maps per grid size", success_figure, bars),
        FigureSpec(f"an unseen {sizes[-1]}x{sizes[-1]} map", example_map_figure, drawn),
    ]


def _result(config, outcomes: dict[int, dict[str, list]], example: dict, seconds: float) -> Result:
    summary = _summary(config, outcomes, seconds)
    lines = "; ".join(f"{s}x{s}: {_line(runs)}" for s, runs in outcomes.items())
    notes = [
        'Tamar, Wu, Thomas, Levine & Abbeel (2016), "Value Iteration Networks" (NIPS), '
        "section 4.1: the grid-world domain, on maps generated here (not the paper's data).",
        f"Maps: walls on the border, inner obstacles with probability {config.obstacle_fraction}, "
        f"a random free goal; 8 moves of cost 1 (a diagonal move needs only its target cell "
        f"free). Training: {config.train_maps} maps x up to {config.states_per_map} labelled "
        f"start states per size; test: {config.test_maps} unseen maps x {config.test_starts} "
        f"starts. Both policies: {config.epochs} epochs of RMSProp (lr {config.lr:g} VIN, "
        f"{config.cnn_lr:g} CNN) on the same labelled states; seeds {config.seed_list()}.",
        f"Success rate on unseen maps (mean over seeds): {lines}. A rollout fails on touching "
        f"an obstacle or after {config.step_limit_factor:g} x the optimal number of moves.",
        "Action accuracy counts the expert's own label (ties broken by a fixed move order); "
        "'optimal moves' counts any move one step closer to the goal, the fairer measure.",
        f"CPU time of the whole run: {seconds:.0f} s.",
    ]
    return Result(
        kind=NAME,
        title=f"{NAME}: a planner unrolled into a network against a reactive CNN",
        summary=summary,
        notes=notes,
        tables={"success and accuracy per grid size": _table(outcomes)},
        figures=_figures(outcomes, example),
        index={"dataset": "generated grid worlds", "model": "vin, grid-cnn"},
        headline=f"[bold]{NAME}[/]: success {lines}",
    )
