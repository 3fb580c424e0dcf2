"""Metrics of a classifier's outputs, each tested against scikit-learn.

    scores                 confusion matrix, precision, recall, F-beta (binary, macro, micro,
                           weighted)
    curves                 PR and ROC curves, average precision and AUC, one-vs-rest
    calibration            expected calibration error and the reliability diagram's bins
    selective              coverage-accuracy curve, accuracy at coverage, AURC
    streaming              the same in constant memory (binned accumulators)
    baselines              majority class and logistic regression beside every model
    regression             R^2 and mean squared error; the training-mean and least-squares
                           baselines beside every regression model
    classification_report  all of the above for one set of test probabilities
    cascade                a cheap and an expensive classifier in sequence; the threshold that
                           keeps a target recall
    boxes                  intersection over union of paired boxes (localisation)
    sequences              edit distance, whole-string accuracy and symbol error rate of
                           predicted sequences (tested against hand-counted cases)

Submodules are imported on demand (`from learnlab.metrics import curves`), so importing this
package stays cheap.
"""
