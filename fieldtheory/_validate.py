"""Argument checks shared by the package: every invalid parameter is a ``ValueError`` naming the offending value."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np


def positive_int(name: str, value: object) -> int:
    """A width or a count: a positive integer (``bool`` is not one)."""
    if isinstance(value, bool) or not isinstance(value, Integral) or int(value) <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def positive(name: str, value: object) -> float:
    """A mass, a cutoff, a standard deviation of a weight: finite and > 0."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def non_negative(name: str, value: object) -> float:
    """A bias standard deviation or a coupling: finite and >= 0."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def points_array(points: object, d: int) -> np.ndarray:
    """Points as a float64 array of shape (P, d); a 1-D array is read as P points when d == 1."""
    arr = np.asarray(points, dtype=np.float64)
    if arr.ndim == 1 and d == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != d or arr.shape[0] == 0:
        raise ValueError(f"points must have shape (n_points, {d}) for d = {d}, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"points must be finite, got {arr.tolist()}")
    return arr
