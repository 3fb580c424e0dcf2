"""Hyperparameter search on Optuna: grid, random, TPE and Gaussian-process samplers, median
and successive-halving pruning, a study in SQLite (or a shared database) that resumes.

    spec.py       the search file: [search] settings, the space, the base TrainConfig
    space.py      parameters (float, int, categorical) and trial configs
    synthetic.py  test objectives with known optima (branin, quadratic, a learning curve)
    samplers.py   sampler names -> seeded Optuna samplers
    grid.py       the grid's points queued in a fixed order, each run once
    pruners.py    pruner names -> Optuna pruners
    study.py      storage (SQLite by default, --storage URL) and creating/loading a study
    objective.py  a trial -> a training run (or a synthetic function) -> its metric; the
                  training function is injected (search does not import the pipeline)
    trial_states.py  which trials count toward the target (shared by runner and report)
    runner.py     one worker: trials until the study holds the number asked for
    report.py     search.html, results.json, results.csv

Example (`learnlab search --config search.toml` does the same):

    >>> from rich.console import Console
    >>> from learnlab.search.spec import load_search
    >>> from learnlab.pipeline import run_training
    >>> from learnlab.search.runner import run_search
    >>> spec = load_search("search.toml")  # doctest: +SKIP
    >>> run_search(  # doctest: +SKIP
    ...     spec, search_dir="runs/search-x", console=Console(), train=run_training
    ... )
"""
