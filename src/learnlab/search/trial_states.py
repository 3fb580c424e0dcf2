"""Which trials of a study count: the user attributes a worker sets on a trial and the rule
for a finished trial. Shared by the worker (runner.py), which counts trials toward the target,
and the report (report.py), which lists them; kept apart so that neither imports the other.

A trial counts toward the target when it is COMPLETE, PRUNED, or FAILED with an error of its
own (ERROR_ATTR: a diverged run is a result); a surplus trial (SURPLUS_ATTR) or one whose
worker died does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from optuna.trial import FrozenTrial

ERROR_ATTR = "error"
SURPLUS_ATTR = "surplus"
WORKER_ATTR = "worker"


def counts_toward_target(trial: FrozenTrial) -> bool:
    from optuna.trial import TrialState

    return trial.state in (TrialState.COMPLETE, TrialState.PRUNED) or (
        trial.state == TrialState.FAIL and ERROR_ATTR in trial.user_attrs
    )


def holds_a_place(trial: FrozenTrial) -> bool:
    """Finished, or underway: a place among the N trials of the study."""
    from optuna.trial import TrialState

    return counts_toward_target(trial) or trial.state in (TrialState.RUNNING, TrialState.WAITING)
