"""Neural-network field theory: network ensembles as statistical field theories (Halverson, Maiti, Stoner 2021).

An architecture plus a parameter density defines a field theory whose correlators are parameter-space
averages; this package samples such ensembles in batches, estimates their correlators with errors,
compares them with exact kernels, deforms them by φ⁴, and poses the inverse problem as NNFieldTheory-v0.
"""

from .correlators import (
    CorrelatorAccumulator,
    Estimate,
    accumulate,
    connected_four_point,
    loglog_slope,
    n_point,
    pooled_coincident_cumulant,
    two_point,
)
from .ensembles import ARCHITECTURES, CosNet, Ensemble, ErfNet, GaussNet, ReLUNet
from .interactions import HMCResult, Phi4, ReweightResult
from .kernels import (
    cosnet_connected_4pt,
    cutoff_propagator,
    erf_kernel,
    gauss_kernel,
    gaussnet_connected_4pt,
    relu_kernel,
)

__all__ = [
    "ARCHITECTURES",
    "CorrelatorAccumulator",
    "CosNet",
    "Ensemble",
    "ErfNet",
    "Estimate",
    "GaussNet",
    "HMCResult",
    "Phi4",
    "ReLUNet",
    "ReweightResult",
    "accumulate",
    "connected_four_point",
    "cosnet_connected_4pt",
    "cutoff_propagator",
    "erf_kernel",
    "gauss_kernel",
    "gaussnet_connected_4pt",
    "loglog_slope",
    "n_point",
    "pooled_coincident_cumulant",
    "relu_kernel",
    "two_point",
]
