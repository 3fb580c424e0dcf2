"""The model doctor: checks that find the usual reasons a network does not train.

From lecture 004's debugging strategies: look at the actual outputs, fit a tiny data set (if
impossible, probably a bad implementation), compare backprop derivatives to finite
differences, measure the activations of the layers. One module per check:

    data_checks     class balance, NaN/inf, input scale, train/test duplicates by hashing
    gradient_check  autograd against float64 central finite differences, per tensor
    activations     per-layer activation/gradient statistics: dead ReLUs, saturation,
                    vanishing or exploding gradients
    overfit         100% training accuracy on 32 examples, or why not
    lr_range        Smith's (2017) learning-rate range test; flags a configured rate that explodes
    worst_examples  the held-out examples with the largest loss, as a table and images

`diagnose(model, train, test, ...)` runs them and returns a `DoctorReport` of `CheckResult`s
(status "pass" | "warn" | "fail"); `report.exit_code` is 1 when any check failed.
`write_doctor_report` writes doctor.html and doctor.json; `learnlab doctor` does it all from
the command line.

Example:
    >>> from learnlab.doctor import diagnose            # doctest: +SKIP
    >>> report = diagnose(model, train_split, test_split, lr=0.1, optimizer="sgd")  # doctest: +SKIP
    >>> [(r.name, r.status) for r in report.results]             # doctest: +SKIP
"""

from learnlab.doctor.report import print_report, write_doctor_report
from learnlab.doctor.result import CheckResult, DoctorReport
from learnlab.doctor.run import CHECK_DESCRIPTIONS, CHECK_NAMES, diagnose, parse_checks

__all__ = [
    "CHECK_DESCRIPTIONS",
    "CHECK_NAMES",
    "CheckResult",
    "DoctorReport",
    "diagnose",
    "parse_checks",
    "print_report",
    "write_doctor_report",
]
