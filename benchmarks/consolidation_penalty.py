"""What the EWC / L2 penalty costs per training step, learnlab's against autograd's plain
composition of the same formula (the forgetting reproduction's network and batch).

    .venv/bin/python benchmarks/consolidation_penalty.py [--steps 100] [--repeats 5]

The network is forgetting's 784-400-400-10 ReLU MLP (478,410 weights), SGD at batch 100; each
way trains `--steps` steps from the same weights on the same batches with 0, 1 or 2 anchors
(EWC: a random importance per weight; L2: importance 1): `quadratic_penalty` (one autograd
node per anchor and parameter, the backward one product) and `(theta - old).pow(2) * w` summed
by autograd op by op (the code it replaced). Timed side by side (interleaved repeats) in CPU
time of this process, the honest figure on a shared machine; the weights after the steps are
compared bit for bit. Results: benchmarks/results/consolidation_penalty.json.
"""

from __future__ import annotations

import argparse
import time

import torch
from common import interleaved, print_table, write_results
from torch import nn


def reference_penalty(model: nn.Module, anchors, strength: float) -> torch.Tensor:
    """The penalty as autograd composes it op by op: what learnlab computed before."""
    params = dict(model.named_parameters())
    total = torch.zeros(())
    for anchor in anchors:
        for name, old in anchor.weights.items():
            squared = (params[name] - old).pow(2)
            if anchor.importance is not None:
                squared = squared * anchor.importance[name]
            total = total + squared.sum()
    return 0.5 * strength * total


def network() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(784, 400), nn.ReLU(), nn.Linear(400, 400), nn.ReLU(), nn.Linear(400, 10)
    )


def anchors_of(kind: str, count: int):
    """`count` anchors at perturbed copies of the network's weights."""
    from learnlab.objectives.consolidation import anchor_at

    model, anchors = network(), []
    generator = torch.Generator().manual_seed(1)
    for _ in range(count):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.01 * torch.randn(p.shape, generator=generator))
        importance = None
        if kind == "ewc":  # kept below 2 / (lr * strength): SGD stays stable
            importance = {
                n: 0.5 * torch.rand(p.shape, generator=generator)
                for n, p in model.named_parameters()
            }
        anchors.append(anchor_at(model, importance))
    return anchors


def train(penalty, anchors, steps: int, batches) -> tuple[float, list[torch.Tensor]]:
    """CPU seconds of `steps` SGD steps and the weights they reach."""
    model = network()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    start = time.process_time()
    for x, y in batches[:steps]:
        optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(model(x), y)
        if anchors:
            loss = loss + penalty(model, anchors, 3.0)
        loss.backward()
        optimizer.step()
    return time.process_time() - start, [p.detach().clone() for p in model.parameters()]


def main() -> None:
    from learnlab.objectives.consolidation import quadratic_penalty

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(2)
    batches = [
        (
            torch.rand(100, 784, generator=generator),
            torch.randint(0, 10, (100,), generator=generator),
        )
        for _ in range(args.steps)
    ]
    cases = [("none", 0), ("l2", 1), ("l2", 2), ("ewc", 1), ("ewc", 2)]
    ways, identical = {}, {}
    for kind, count in cases:
        anchors = anchors_of(kind, count)
        for label, penalty in (
            ("learnlab", quadratic_penalty),
            ("autograd ops", reference_penalty),
        ):
            name = f"{kind}, {count} anchor(s): {label}"
            ways[name] = lambda p=penalty, a=anchors: train(p, a, args.steps, batches)[0]
        ours = train(quadratic_penalty, anchors, args.steps, batches)[1]
        theirs = train(reference_penalty, anchors, args.steps, batches)[1]
        identical[f"{kind}, {count}"] = all(map(torch.equal, ours, theirs))
    times = interleaved(ways, args.repeats)
    per_step = {name: t["median"] / args.steps for name, t in times.items()}
    rows = [
        [name, f"{1000 * per_step[name]:.2f}", f"{1000 * t['min'] / args.steps:.2f}"]
        for name, t in times.items()
    ]
    print_table(
        f"SGD step of forgetting's MLP with the penalty ({args.threads} thread(s)), CPU ms",
        ["way", "median", "min"],
        rows,
    )
    print("weights identical after the steps:", identical)
    path = write_results(
        "consolidation_penalty",
        {
            "steps": args.steps,
            "threads": args.threads,
            "cpu_seconds_per_step": per_step,
            "cpu_seconds": {k: {"median": v["median"], "min": v["min"]} for k, v in times.items()},
            "identical_weights": identical,
        },
    )
    print(f"results: {path}")


if __name__ == "__main__":
    main()
