"""Generated grid worlds with obstacles, a goal and the optimal planner's actions: the task of
Tamar et al. (2016), "Value Iteration Networks" (NIPS), section 4.1.

A map is a square grid of `size` cells whose border is wall and whose inner cells are
obstacles with probability `obstacle_fraction` (independently); the goal is a free cell drawn
at random. The agent moves to one of its 8 neighbours (`MOVES`: 4 straight, 4 diagonal, each
of cost 1, as in the paper); a move onto an obstacle is a failure. The optimal planner is the
shortest-path distance to the goal (`goal_distances`: breadth-first search, done for all maps
at once as repeated relaxation `d <- min(d, 1 + min over the 8 neighbours of d)` on the free
cells, which is exact for unit costs after at most `size * size` sweeps), and the expert's
action at a state is the first move (in `MOVES` order) to a neighbour one step closer
(`expert_actions`). Start states are free cells from which the goal can be reached.

Example:
    >>> worlds = generate_grid_worlds(3, 8, 0.2, seed=0)
    >>> worlds.obstacles.shape, worlds.distances.shape, worlds.actions.shape
    (torch.Size([3, 8, 8]), torch.Size([3, 8, 8]), torch.Size([3, 8, 8]))
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from learnlab.io.errors import ConfigError

# (row, column) steps of the 8 actions: north, south, west, east, then the diagonals
MOVES: tuple[tuple[int, int], ...] = (
    (-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1),
)  # fmt: skip
MOVE_NAMES = ("N", "S", "W", "E", "NW", "NE", "SW", "SE")
NO_ACTION = -1  # the label of an obstacle, the goal, or a cell from which the goal is unreachable
MIN_SIZE = 4


@dataclass(frozen=True)
class GridWorlds:
    """`obstacles` (maps, size, size) bool; `goals` (maps, 2) row and column; `distances`
    (maps, size, size) float, the number of moves to the goal (inf: obstacle or unreachable);
    `actions` (maps, size, size) long, the expert's action (NO_ACTION where there is none)."""

    obstacles: torch.Tensor
    goals: torch.Tensor
    distances: torch.Tensor
    actions: torch.Tensor

    @property
    def size(self) -> int:
        return int(self.obstacles.shape[-1])

    def __len__(self) -> int:
        return int(self.obstacles.shape[0])

    def images(self) -> torch.Tensor:
        """(maps, 2, size, size) float: the obstacle image and the goal image (the VIN's input)."""
        goal = torch.zeros_like(self.obstacles, dtype=torch.float32)
        goal[torch.arange(len(self)), self.goals[:, 0], self.goals[:, 1]] = 1.0
        return torch.stack([self.obstacles.float(), goal], dim=1)


def check_grid_settings(size: int, obstacle_fraction: float) -> None:
    if isinstance(size, bool) or not isinstance(size, int) or size < MIN_SIZE:
        raise ConfigError(
            f"grid size must be an integer >= {MIN_SIZE} (a border of wall around at least a "
            f"2x2 inside); got {size!r}."
        )
    if not 0 <= obstacle_fraction < 0.9:
        raise ConfigError(
            "obstacle_fraction must be in [0, 0.9) (the chance that an inner cell is an "
            f"obstacle); got {obstacle_fraction!r}."
        )


def _neighbour_min(values: torch.Tensor) -> torch.Tensor:
    """Per cell, the smallest value among its 8 neighbours (inf beyond the edge)."""
    padded = F.pad(values, (1, 1, 1, 1), value=float("inf"))
    size = values.shape[-1]
    shifted = [padded[:, 1 + dr : 1 + dr + size, 1 + dc : 1 + dc + size] for dr, dc in MOVES]
    return torch.stack(shifted).amin(dim=0)


def goal_distances(obstacles: torch.Tensor, goals: torch.Tensor) -> torch.Tensor:
    """The number of moves from every free cell to its map's goal (inf if unreachable)."""
    maps, size = obstacles.shape[0], obstacles.shape[-1]
    distances = torch.full(obstacles.shape, float("inf"))
    distances[torch.arange(maps), goals[:, 0], goals[:, 1]] = 0.0
    for _ in range(size * size):
        relaxed = torch.minimum(distances, _neighbour_min(distances) + 1)
        relaxed[obstacles] = float("inf")
        if torch.equal(relaxed, distances):
            break
        distances = relaxed
    return distances


def expert_actions(distances: torch.Tensor) -> torch.Tensor:
    """Per cell, the first move (MOVES order) to a neighbour one step closer to the goal."""
    size = distances.shape[-1]
    padded = F.pad(distances, (1, 1, 1, 1), value=float("inf"))
    targets = torch.stack(
        [padded[:, 1 + dr : 1 + dr + size, 1 + dc : 1 + dc + size] for dr, dc in MOVES], dim=1
    )
    closer = targets == (distances - 1).unsqueeze(1)
    actions = closer.float().argmax(dim=1)  # the first True
    has_action = closer.any(dim=1) & torch.isfinite(distances) & (distances > 0)
    return torch.where(has_action, actions, torch.full_like(actions, NO_ACTION))


def generate_grid_worlds(maps: int, size: int, obstacle_fraction: float, seed: int) -> GridWorlds:
    """`maps` random maps (seeded): walls on the border, random inner obstacles, a free goal."""
    check_grid_settings(size, obstacle_fraction)
    generator = torch.Generator().manual_seed(seed)
    obstacles = torch.rand(maps, size, size, generator=generator) < obstacle_fraction
    obstacles[:, [0, -1], :] = True
    obstacles[:, :, [0, -1]] = True
    # the goal: a uniformly drawn free cell (random keys, obstacles last)
    keys = torch.rand(maps, size * size, generator=generator) + obstacles.flatten(1).float() * 2
    cell = keys.argmin(dim=1)
    goals = torch.stack([cell // size, cell % size], dim=1)
    distances = goal_distances(obstacles, goals)
    return GridWorlds(obstacles, goals, distances, expert_actions(distances))


def sample_states(worlds: GridWorlds, per_map: int, seed: int) -> torch.Tensor:
    """Up to `per_map` distinct start states per map (cells with an expert action), drawn
    uniformly; (states, 3) long rows of (map, row, column). Maps with fewer such cells give
    all of theirs."""
    generator = torch.Generator().manual_seed(seed)
    valid = (worlds.actions != NO_ACTION).flatten(1)
    keys = torch.rand(valid.shape, generator=generator) + (~valid).float() * 2
    order = keys.argsort(dim=1)[:, :per_map]
    chosen = torch.gather(valid, 1, order)
    map_index = torch.arange(len(worlds)).unsqueeze(1).expand_as(order)[chosen]
    cell = order[chosen]
    size = worlds.size
    return torch.stack([map_index, cell // size, cell % size], dim=1)


def label_maps(worlds: GridWorlds, states: torch.Tensor) -> torch.Tensor:
    """(maps, size, size) long: the expert's action at the sampled `states`, NO_ACTION
    elsewhere (the cells that a dense objective ignores)."""
    labels = torch.full_like(worlds.actions, NO_ACTION)
    m, r, c = states.unbind(1)
    labels[m, r, c] = worlds.actions[m, r, c]
    return labels


def state_images(worlds: GridWorlds, states: torch.Tensor) -> torch.Tensor:
    """(states, 3, size, size) float: each state's map (obstacles, goal) plus a one-hot image
    of the agent's position (the input of a reactive policy, and of the VIN's attention)."""
    maps = worlds.images()[states[:, 0]]
    agent = torch.zeros(len(states), 1, worlds.size, worlds.size)
    agent[torch.arange(len(states)), 0, states[:, 1], states[:, 2]] = 1.0
    return torch.cat([maps, agent], dim=1)
