"""Rollouts of a policy in grid worlds: does it reach the goal, and in how many moves?

A rollout starts at a start state and applies the policy's action until the agent reaches the
goal (success), moves onto an obstacle (failure) or has made more than `limit_factor` times the
optimal number of moves (failure: a policy that wanders or loops). All rollouts run at once;
the policy is called on the (map, row, column) rows of the rollouts still running.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from learnlab.data.grid_worlds import MOVES, GridWorlds

Policy = Callable[[torch.Tensor], torch.Tensor]  # (n, 3) states -> (n,) actions


@dataclass(frozen=True)
class Rollouts:
    success: torch.Tensor  # (episodes,) bool
    moves: torch.Tensor  # (episodes,) long: moves made (up to the end of the rollout)
    optimal: torch.Tensor  # (episodes,) long: the planner's number of moves
    path: list[tuple[int, int]]  # the cells visited by the first rollout

    @property
    def success_rate(self) -> float:
        return float(self.success.float().mean())

    def extra_moves(self) -> float:
        """Mean moves beyond the optimal over the successful rollouts (nan if none)."""
        if not self.success.any():
            return math.nan
        return float((self.moves - self.optimal)[self.success].float().mean())


def rollout(
    policy: Policy, worlds: GridWorlds, starts: torch.Tensor, limit_factor: float
) -> Rollouts:
    steps = torch.tensor(MOVES)
    maps = starts[:, 0]
    position = starts[:, 1:].clone()
    optimal = worlds.distances[maps, position[:, 0], position[:, 1]].long()
    limit = torch.ceil(optimal.float() * limit_factor).long()
    goal = worlds.goals[maps]
    moves = torch.zeros(len(starts), dtype=torch.long)
    success = torch.zeros(len(starts), dtype=torch.bool)
    running = torch.ones(len(starts), dtype=torch.bool)
    path = [tuple(position[0].tolist())]
    while running.any():
        index = running.nonzero().squeeze(1)
        actions = policy(torch.cat([maps[index, None], position[index]], dim=1))
        position[index] = position[index] + steps[actions]
        moves[index] += 1
        if running[0]:
            path.append(tuple(position[0].tolist()))
        crashed = worlds.obstacles[maps[index], position[index, 0], position[index, 1]]
        arrived = (position[index] == goal[index]).all(dim=1)
        success[index] = arrived & ~crashed
        running[index] = ~crashed & ~arrived & (moves[index] < limit[index])
    return Rollouts(success, moves, optimal, path)


def optimal_action_rate(policy: Policy, worlds: GridWorlds, states: torch.Tensor) -> float:
    """The fraction of `states` at which the policy's move goes one step closer to the goal
    (any of the optimal moves counts, not only the expert's label)."""
    actions = policy(states)
    target = states[:, 1:] + torch.tensor(MOVES)[actions]
    m = states[:, 0]
    before = worlds.distances[m, states[:, 1], states[:, 2]]
    after = worlds.distances[m, target[:, 0], target[:, 1]]
    return float((after == before - 1).float().mean())


def table_policy(actions: torch.Tensor) -> Policy:
    """The policy that looks up a (maps, H, W) table of actions (a VIN's, or the planner's)."""
    return lambda states: actions[states[:, 0], states[:, 1], states[:, 2]]
