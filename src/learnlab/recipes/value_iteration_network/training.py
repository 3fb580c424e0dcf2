"""One grid size, one seed: train the VIN and the CNN on the same labelled states of the same
training maps, then roll both out (and the planner) from start states on unseen maps."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from learnlab.data.grid_worlds import GridWorlds, generate_grid_worlds, sample_states
from learnlab.recipes.value_iteration_network.config import ValueIterationNetworkConfig
from learnlab.recipes.value_iteration_network.rollouts import (
    Policy,
    Rollouts,
    optimal_action_rate,
    rollout,
    table_policy,
)

ACTIONS = 8
# the test maps and starts come from other seed streams than the training maps: unseen maps
TEST_STREAM = 1_000_003
STATES_STREAM = 2_000_003


@dataclass(frozen=True)
class SizeData:
    train: GridWorlds
    train_states: torch.Tensor  # (n, 3) (map, row, column)
    test: GridWorlds
    test_starts: torch.Tensor


@dataclass(frozen=True)
class PolicyOutcome:
    name: str
    parameters: int
    action_accuracy: float  # the expert's label, test start states
    optimal_action_rate: float  # any optimal move, test start states
    rollouts: Rollouts
    seconds: float
    value_map: torch.Tensor | None = None  # VIN: V_K of the first rollout's map


def make_data(config: ValueIterationNetworkConfig, size: int) -> SizeData:
    seed, fraction = config.seed, config.obstacle_fraction
    train = generate_grid_worlds(config.train_maps, size, fraction, seed=seed)
    test = generate_grid_worlds(config.test_maps, size, fraction, seed=seed + TEST_STREAM)
    return SizeData(
        train,
        sample_states(train, config.states_per_map, seed=seed + STATES_STREAM),
        test,
        sample_states(test, config.test_starts, seed=seed + TEST_STREAM + STATES_STREAM),
    )


def _evaluate(
    name: str, model, policy: Policy, data: SizeData, config, seconds: float, value_map=None
) -> PolicyOutcome:
    starts = data.test_starts
    labels = data.test.actions[starts[:, 0], starts[:, 1], starts[:, 2]]
    accuracy = float((policy(starts) == labels).float().mean())
    return PolicyOutcome(
        name,
        sum(p.numel() for p in model.parameters()) if model is not None else 0,
        accuracy,
        optimal_action_rate(policy, data.test, starts),
        rollout(policy, data.test, starts, config.step_limit_factor),
        seconds,
        value_map,
    )


def train_vin(data: SizeData, k: int, seed: int, config) -> PolicyOutcome:
    import time

    from learnlab.data.grid_worlds import label_maps
    from learnlab.data.loader import TensorLoader
    from learnlab.models import build_model
    from learnlab.models.value_iteration import ActionMap
    from learnlab.objectives.cell_actions import CellActions
    from learnlab.procedures.base import Stage, train_stage

    start = time.process_time()
    size = data.train.size
    torch.manual_seed(seed)
    vin = build_model(
        "vin", (3, size, size), ACTIONS, k=k, hidden=config.vin_hidden,
        q_channels=config.vin_q_channels,
    )  # fmt: skip
    labels = label_maps(data.train, data.train_states)
    loader = TensorLoader(data.train.images(), labels, batch_size=config.batch_maps, seed=seed)
    stage = Stage(epochs=config.epochs, optimizer="rmsprop", lr=config.lr)
    train_stage(ActionMap(vin), CellActions(), loader, stage, name=f"vin-{size}")
    vin.eval()
    with torch.no_grad():
        images = data.test.images()
        table = vin.action_map(images).argmax(dim=1)
        first = int(data.test_starts[0, 0])  # the map of the first rollout
        value = vin.value_map(images[first : first + 1])[0]
    seconds = time.process_time() - start
    return _evaluate("VIN", vin, table_policy(table), data, config, seconds, value)


def train_cnn(data: SizeData, seed: int, config) -> PolicyOutcome:
    import time

    from learnlab.data.grid_worlds import state_images
    from learnlab.data.loader import TensorLoader
    from learnlab.models import build_model
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.procedures.base import Stage, train_stage

    start = time.process_time()
    size = data.train.size
    torch.manual_seed(seed)
    cnn = build_model(
        "grid-cnn", (3, size, size), ACTIONS, width=config.cnn_width, blocks=config.cnn_blocks
    )
    states = data.train_states
    labels = data.train.actions[states[:, 0], states[:, 1], states[:, 2]]
    x = state_images(data.train, states)
    loader = TensorLoader(x, labels, batch_size=config.batch_states, seed=seed)
    stage = Stage(epochs=config.epochs, optimizer="rmsprop", lr=config.cnn_lr)
    train_stage(cnn, CrossEntropy(), loader, stage, name=f"cnn-{size}")
    cnn.eval()

    def policy(rows: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return cnn(state_images(data.test, rows)).argmax(dim=1)

    seconds = time.process_time() - start
    return _evaluate("CNN", cnn, policy, data, config, seconds)


def planner(data: SizeData, config) -> PolicyOutcome:
    """The optimal planner (shortest paths): 100% by construction, the moves to compare with."""
    return _evaluate("planner", None, table_policy(data.test.actions), data, config, 0.0)
