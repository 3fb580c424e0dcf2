"""Run reports: matplotlib figures (`plots`) and a self-contained HTML page (`html`).

Both modules import matplotlib, numpy and torch only inside the functions that need them.
"""
