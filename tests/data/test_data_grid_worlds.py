"""Grid worlds and the optimal planner: distances against scipy's shortest paths on the
8-neighbour graph, the expert's moves go one step closer, maps are seeded, bad settings are
ConfigErrors naming the setting."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.sparse import lil_matrix
from scipy.sparse.csgraph import shortest_path

from learnlab.data.grid_worlds import (
    MOVES,
    NO_ACTION,
    generate_grid_worlds,
    label_maps,
    sample_states,
    state_images,
)
from learnlab.io.errors import ConfigError


def _scipy_distances(obstacles: np.ndarray, goal: tuple[int, int]) -> np.ndarray:
    size = obstacles.shape[0]
    graph = lil_matrix((size * size, size * size))
    for r in range(size):
        for c in range(size):
            for dr, dc in MOVES:
                rr, cc = r + dr, c + dc
                inside = 0 <= rr < size and 0 <= cc < size
                if inside and not obstacles[r, c] and not obstacles[rr, cc]:
                    graph[r * size + c, rr * size + cc] = 1
    d = shortest_path(graph.tocsr(), indices=goal[0] * size + goal[1], unweighted=True)
    d = d.reshape(size, size)
    d[obstacles] = np.inf
    return d


def test_distances_are_scipys_shortest_paths_and_expert_moves_go_one_step_closer():
    worlds = generate_grid_worlds(4, 9, 0.3, seed=3)
    for m in range(4):
        obstacles = worlds.obstacles[m].numpy()
        expected = _scipy_distances(obstacles, tuple(worlds.goals[m].tolist()))
        np.testing.assert_array_equal(worlds.distances[m].numpy(), expected)
        for r in range(9):
            for c in range(9):
                action = int(worlds.actions[m, r, c])
                if action == NO_ACTION:
                    assert not np.isfinite(expected[r, c]) or expected[r, c] == 0
                    continue
                dr, dc = MOVES[action]
                assert expected[r + dr, c + dc] == expected[r, c] - 1


def test_maps_are_seeded_walled_and_the_goal_is_free():
    a = generate_grid_worlds(5, 8, 0.2, seed=0)
    b = generate_grid_worlds(5, 8, 0.2, seed=0)
    c = generate_grid_worlds(5, 8, 0.2, seed=1)
    assert torch.equal(a.obstacles, b.obstacles) and not torch.equal(a.obstacles, c.obstacles)
    assert a.obstacles[:, 0].all() and a.obstacles[:, :, -1].all()
    assert not a.obstacles[torch.arange(5), a.goals[:, 0], a.goals[:, 1]].any()
    assert (a.distances[torch.arange(5), a.goals[:, 0], a.goals[:, 1]] == 0).all()


def test_sampled_states_have_labels_and_images_mark_the_agent():
    worlds = generate_grid_worlds(6, 8, 0.2, seed=0)
    states = sample_states(worlds, 4, seed=0)
    m, r, c = states.unbind(1)
    assert (worlds.actions[m, r, c] != NO_ACTION).all()
    assert len(set(map(tuple, states.tolist()))) == len(states)  # distinct
    labels = label_maps(worlds, states)
    assert int((labels != NO_ACTION).sum()) == len(states)
    images = state_images(worlds, states)
    assert images.shape == (len(states), 3, 8, 8)
    assert (images[torch.arange(len(states)), 2, r, c] == 1).all() and images[:, 2].sum() == len(
        states
    )
    assert torch.equal(images[:, 0], worlds.obstacles[m].float())


@pytest.mark.parametrize(
    ("size", "fraction", "match"), [(3, 0.2, "grid size"), (8, 0.9, "obstacle_fraction"),
                                    (8, -0.1, "obstacle_fraction")],
)  # fmt: skip
def test_bad_settings_are_config_errors(size, fraction, match):
    with pytest.raises(ConfigError, match=match):
        generate_grid_worlds(2, size, fraction, seed=0)
