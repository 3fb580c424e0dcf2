"""The automatic thread count (learnlab.train.threads): the choice with a measurement injected
(the faster count wins, the idle cores bound the counts tried, a set number or the environment
decides without measuring), the cache of timings (keyed, reused, a corrupt file ignored), and
the calibration's timing of real training steps, which leaves the run exactly as it was."""

from __future__ import annotations

import json

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.train.thread_cache import ThreadCache, cache_folder
from learnlab.train.thread_calibration import seconds_per_step
from learnlab.train.threads import ThreadChoice, candidates, choose_threads, fastest

KEY = {"model": "mlp", "input_shape": [64], "batch_size": 64}


class FakeTiming:
    """A measurement function that records the counts it was asked to time."""

    def __init__(self, seconds: dict[int, float]) -> None:
        self.seconds = seconds
        self.calls: list[list[int]] = []

    def __call__(self, counts: list[int]) -> dict[int, float]:
        self.calls.append(list(counts))
        return {n: self.seconds[n] for n in counts}


def choose(idle, cores=2, measure=None, environ=None, setting="auto", cache=None, key=KEY):
    return choose_threads(
        setting,
        environ=environ or {},
        idle=lambda: idle,
        cores=cores,
        measure=measure,
        cache=cache,
        key=key,
    )


def test_the_faster_count_is_chosen():
    two_faster = FakeTiming({1: 0.040, 2: 0.023})
    choice = choose(idle=2, measure=two_faster)
    assert (choice.threads, choice.how) == (2, "auto")
    assert choice.seconds_per_step == {1: 0.040, 2: 0.023}
    assert choice.line() == (
        "threads: 2 (auto: 2 of 2 cores idle; 1 thread 40.0 ms/step, 2 threads 23.0 ms/step)"
    )
    one_faster = FakeTiming({1: 0.041, 2: 0.230})
    assert choose(idle=2, measure=one_faster).threads == 1
    # more threads must be clearly faster: within PREFER_FEWER, the fewer win
    assert choose(idle=2, measure=FakeTiming({1: 0.0400, 2: 0.0390})).threads == 1
    assert fastest({1: 10.0, 2: 6.0, 4: 5.9}) == 2 and fastest({1: 10.0, 2: 6.0, 4: 5.0}) == 4


def test_the_idle_cores_bound_the_counts_tried():
    timing = FakeTiming({1: 0.05, 2: 0.04, 4: 0.01, 8: 0.001})
    # one idle core: nothing to choose, nothing timed
    choice = choose(idle=1, measure=timing)
    assert (choice.threads, choice.why) == (1, "auto: 1 of 2 cores idle") and timing.calls == []
    assert choose(idle=0, measure=timing).threads == 1  # every core taken: still one thread
    # more idle cores than usable ones: the usable ones bound it
    assert choose(idle=9, cores=4, measure=timing).threads == 4
    assert timing.calls == [[1, 2, 4]]
    assert candidates(2) == [1, 2] and candidates(8) == [1, 4, 8] and candidates(3) == [1, 3]
    # unknown load (no /proc/stat): all cores bound it; no measurement (a GPU run): the bound
    assert choose(idle=None, cores=4, measure=None).threads == 4


def test_a_set_number_or_the_environment_decides_without_measuring():
    timing = FakeTiming({1: 0.05, 2: 0.01})
    choice = choose(idle=2, measure=timing, setting=3)
    assert (choice.threads, choice.how, choice.why) == (3, "set", "set: threads=3")
    environ = {"OMP_NUM_THREADS": "4,2", "LEARNLAB_THREADS": " "}
    choice = choose(idle=2, measure=timing, environ=environ)
    assert (choice.threads, choice.how) == (4, "environment")
    assert choice.line() == "threads: 4 (set by OMP_NUM_THREADS=4)"
    choice = choose(idle=2, measure=timing, environ={**environ, "LEARNLAB_THREADS": "1"})
    assert choice.why == "set by LEARNLAB_THREADS=1"
    assert timing.calls == []
    for bad in ("0", "many", "-2"):
        with pytest.raises(ConfigError, match="LEARNLAB_THREADS=.* is not a thread count"):
            choose(idle=2, environ={"LEARNLAB_THREADS": bad})


def test_timings_are_cached_by_key_and_idle_cores(tmp_path):
    cache = ThreadCache(tmp_path / "threads.json")
    timing = FakeTiming({1: 0.02, 2: 0.01, 4: 0.03})
    first = choose(idle=2, measure=timing, cache=cache)
    again = choose(idle=2, measure=timing, cache=cache)
    assert timing.calls == [[1, 2]]  # the second run of the same kind timed nothing
    assert first.threads == again.threads == 2
    assert again.why == "auto: 2 of 2 cores idle; timed earlier: 1 thread 20.0 ms/step, " + (
        "2 threads 10.0 ms/step"
    )
    choose(idle=2, measure=timing, cache=cache, key={**KEY, "batch_size": 128})
    choose(idle=4, cores=4, measure=timing, cache=cache)
    assert timing.calls == [[1, 2], [1, 2], [1, 2, 4]]
    stored = json.loads((tmp_path / "threads.json").read_text())["entries"]
    assert len(stored) == 3
    # another file: another cache
    choose(idle=2, measure=timing, cache=ThreadCache(tmp_path / "other.json"))
    assert len(timing.calls) == 4


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"\xff\xfe", b"[1, 2]", b'{"entries": {"x": 1}}', b'{"entries": []}'],
)
def test_a_corrupt_cache_file_is_ignored_and_replaced(tmp_path, content):
    path = tmp_path / "threads.json"
    path.write_bytes(content)
    cache = ThreadCache(path)
    timing = FakeTiming({1: 0.01, 2: 0.02})
    assert choose(idle=2, measure=timing, cache=cache).threads == 1
    assert cache.get({**KEY, "idle_cores": 2}) == {1: 0.01, 2: 0.02}
    assert choose(idle=2, measure=timing, cache=cache).threads == 1
    assert len(timing.calls) == 1


def test_a_bad_entry_is_measured_again_and_an_unwritable_cache_is_skipped(tmp_path):
    path = tmp_path / "threads.json"
    key = json.dumps({**KEY, "idle_cores": 2}, sort_keys=True, separators=(",", ":"))
    path.write_text(json.dumps({"entries": {key: {"seconds_per_step": {"1": -1, "2": 0.1}}}}))
    timing = FakeTiming({1: 0.01, 2: 0.02})
    choose(idle=2, measure=timing, cache=ThreadCache(path))
    assert len(timing.calls) == 1
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache's folder would be")
    assert choose(idle=2, measure=timing, cache=ThreadCache(blocked / "threads.json")).threads == 1


def test_the_cache_folder_follows_the_environment(tmp_path):
    assert cache_folder({"LEARNLAB_CACHE": str(tmp_path)}) == tmp_path
    assert cache_folder({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "learnlab"
    assert cache_folder({"XDG_CACHE_HOME": "relative"}).parts[-2:] == (".cache", "learnlab")


def test_a_choice_round_trips_through_json():
    choice = ThreadChoice(2, "auto", "auto: 2 of 2 cores idle; ...", {1: 0.5, 2: 0.25})
    again = ThreadChoice.from_json(json.loads(json.dumps(choice.to_json())))
    assert again == choice and choice.summary() == {"threads": 2, "threads_choice": "auto"}


# -- the calibration on a real model ---------------------------------------------------------


def _training_setup():
    """A model with dropout (it draws from the global generator) and batch norm (running
    statistics), Adam (its state is created at the first step), a batch of data."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(8, 16), torch.nn.BatchNorm1d(16), torch.nn.Dropout(0.3),
        torch.nn.ReLU(), torch.nn.Linear(16, 3),
    )  # fmt: skip
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    draw = torch.Generator().manual_seed(1)
    batch = (torch.randn(32, 8, generator=draw), torch.randint(0, 3, (32,), generator=draw))
    return model, optimizer, batch


def _objective(model, batch):
    return torch.nn.functional.cross_entropy(model(batch[0]), batch[1]), {}


def _train(model, optimizer, batch, steps=3) -> torch.Tensor:
    for _ in range(steps):
        optimizer.zero_grad()
        _objective(model, batch)[0].backward()
        optimizer.step()
    state = model.state_dict()
    return torch.cat([state[k].flatten().double() for k in sorted(state)])


def test_calibration_times_each_count_and_leaves_the_run_as_it_was():
    model, optimizer, batch = _training_setup()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    threads_before = torch.get_num_threads()
    seed_state = torch.get_rng_state()
    timings = seconds_per_step(model, _objective, optimizer, batch, [1, 2], budget=0.05)
    assert set(timings) == {1, 2} and all(0 < s < 1 for s in timings.values())
    assert torch.get_num_threads() == threads_before
    assert torch.equal(torch.get_rng_state(), seed_state)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert optimizer.state_dict()["state"] == {} and all(p.grad is None for p in model.parameters())
    assert model.training
    # training after the calibration is bit for bit training without it
    calibrated = _train(model, optimizer, batch)
    plain_model, plain_optimizer, plain_batch = _training_setup()
    torch.set_rng_state(seed_state)
    assert torch.equal(calibrated, _train(plain_model, plain_optimizer, plain_batch))


def test_calibration_of_a_closure_optimizer():
    model, _, batch = _training_setup()
    lbfgs = torch.optim.LBFGS(model.parameters(), lr=0.1, max_iter=2)
    before = [p.detach().clone() for p in model.parameters()]
    assert set(seconds_per_step(model, _objective, lbfgs, batch, [1, 2], budget=0.0)) == {1, 2}
    assert all(torch.equal(a, p) for a, p in zip(before, model.parameters(), strict=True))


def test_a_short_run_spends_a_small_part_of_its_length_timing_its_threads():
    """A step of 2 ms: a run of 100 steps (0.2 s) gets the warm-up alone (one step per count),
    a run of 100,000 steps the rounds, within the budget."""
    import time as clock

    from learnlab.train.thread_calibration import RUN_FRACTION, timed_rounds

    calls: list[int] = []

    def step() -> None:
        calls.append(torch.get_num_threads())
        clock.sleep(0.002)

    started = clock.perf_counter()
    short = timed_rounds(step, [1, 2], budget=1.0, run_steps=100)
    assert len(calls) == 2 and set(short) == {1, 2}
    assert clock.perf_counter() - started < 0.1 + RUN_FRACTION * 100 * 0.002
    calls.clear()
    long = timed_rounds(step, [1, 2], budget=0.2, run_steps=100_000)
    assert len(calls) > 2 * 5 and set(long) == {1, 2}  # warm-up, then samples of ~5 steps
