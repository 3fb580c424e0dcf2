"""Methodology tools: metrics, model doctor, hyperparameter search, learning curves.

Submodules are imported on demand (`from learnlab.practice import metrics`) so that importing
this package stays cheap.
"""
