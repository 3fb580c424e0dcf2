"""Subspace training and the intrinsic dimension of objective landscapes (Li, Farkhoor, Liu &
Yosinski, ICLR 2018): theta = theta_0 + P theta_d with only theta_d trained.

Modules (one idea each):

    base      the Projection module, the check of d against D, seeded blocks; P = I
    dense     dense Gaussian P with unit columns, drawn block by block, never stored whole
    sparse    very sparse P (Li, Hastie & Church 2006), unit columns, as CSR matrices
    fastfood  Fastfood P (Le, Sarlos & Smola 2013): H G Pi H B, O(L log L) per product
    model     SubspaceModel: a copy of a model whose only parameter is theta_d
    training  one subspace training run (the Trainer, Adam) and its validation accuracy
    search    d_int90: a coarse grid then bisection for the smallest d reaching a threshold
"""

from learnlab.analysis.subspace.model import PROJECTIONS, SubspaceModel, make_projection
from learnlab.analysis.subspace.search import IntrinsicDimension, find_intrinsic_dimension

__all__ = [
    "PROJECTIONS",
    "IntrinsicDimension",
    "SubspaceModel",
    "find_intrinsic_dimension",
    "make_projection",
]
