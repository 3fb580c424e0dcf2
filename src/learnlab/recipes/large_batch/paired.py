"""The paired comparison of the two regimes' test accuracies over the seeds.

A seed gives the small-batch and the large-batch run the same initial weights, so the per-seed
difference d_s = acc_LB(s) - acc_SB(s) removes what the initialisation contributes to both;
its mean over n seeds has the standard error sd(d) / sqrt(n), and the paired t-test (Student
1908; `scipy.stats.ttest_rel`) gives the two-sided p-value of "no difference". The paper
reports only each regime's mean and standard deviation over 5 runs (Table 2).

Example:
    >>> found = paired_difference([98.0, 98.2, 98.1], [97.8, 98.1, 97.8])
    >>> round(found["mean"], 3), round(found["se"], 3), found["seeds"]
    (-0.2, 0.058, 3)
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

# "clearly lower": the two-sided paired t-test rejects "no difference" at this level
SIGNIFICANCE = 0.05
# the mean is rounded to this many decimals of a percentage point, far below one test image
# (0.01 points of 10,000), so that equal accuracies give 0 and not a float residue of 1e-15
DECIMALS = 9


def paired_difference(small: Sequence[float], large: Sequence[float]) -> dict[str, float]:
    """Mean, sample standard deviation, standard error and paired t-test p-value of
    large[s] - small[s] (std, se and p_value only from two seeds on)."""
    if len(small) != len(large) or not small:
        raise ValueError(
            f"paired_difference needs as many large-batch as small-batch values, at least one "
            f"(got {len(small)} and {len(large)})"
        )
    differences = [b - a for a, b in zip(small, large, strict=True)]
    found = {"mean": round(statistics.fmean(differences), DECIMALS), "seeds": len(differences)}
    if len(differences) < 2:
        return found
    std = statistics.stdev(differences)
    found |= {"std": std, "se": std / math.sqrt(len(differences))}
    if std > 0:
        from scipy.stats import ttest_rel

        found["p_value"] = float(ttest_rel(large, small).pvalue)
    else:  # every difference the same: t is 0 (p = 1) or infinite (p = 0)
        found["p_value"] = 1.0 if found["mean"] == 0 else 0.0
    return found


def clearly_lower(found: dict[str, float]) -> bool:
    """The large batch is less accurate beyond the seed-to-seed noise: a negative mean
    difference whose paired t-test is significant at SIGNIFICANCE."""
    return found["mean"] < 0 and found.get("p_value", 1.0) < SIGNIFICANCE
