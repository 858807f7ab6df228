"""Manifolds with a coordinate chart, a metric on it and a sampling measure.

A flow or a loss needs three things from a manifold: the metric in coordinates (to differentiate),
points in the chart, and quadrature weights so that ``sum(weights * f(x))`` approximates ``∫ f dx``
(coordinate measure; multiply by ``sqrt(det g)`` for the Riemannian volume).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

Tensor = torch.Tensor


def _generator(seed: int | torch.Generator | None) -> torch.Generator:
    if isinstance(seed, torch.Generator):
        return seed
    gen = torch.Generator()
    gen.manual_seed(0 if seed is None else int(seed))
    return gen


@dataclass(frozen=True)
class Manifold:
    """Base class: a chart of dimension ``dim`` with the metric ``metric(x)`` of shape (B, dim, dim)."""

    dim: int

    def metric(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def sample(self, count: int, seed: int | torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """Points (count, dim) in the chart and coordinate-measure weights (count,), float64."""
        raise NotImplementedError

    def volume(self) -> float:
        """Riemannian volume of the sampled region (what ``sum(w * sqrt(det g))`` estimates)."""
        raise NotImplementedError

    def __call__(self, x: Tensor) -> Tensor:
        return self.metric(x)


@dataclass(frozen=True)
class FlatTorus(Manifold):
    """Tⁿ = Rⁿ / (L Zⁿ) with the flat metric; the natural home of Fourier (lattice) features."""

    dim: int = 2
    length: float = 2 * math.pi

    def metric(self, x: Tensor) -> Tensor:
        eye = torch.eye(self.dim, dtype=x.dtype, device=x.device)
        return eye.expand(x.shape[0], self.dim, self.dim) + 0.0 * x.sum(-1)[:, None, None]

    def sample(self, count: int, seed: int | torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        x = torch.rand(count, self.dim, generator=_generator(seed), dtype=torch.float64) * self.length
        return x, torch.full((count,), self.volume() / count, dtype=torch.float64)

    def grid(self, points: int) -> tuple[Tensor, Tensor]:
        """The uniform grid (points**dim, dim), C order, with the trapezoid (= exact for trig polys) weights."""
        axis = torch.arange(points, dtype=torch.float64) * (self.length / points)
        mesh = torch.meshgrid(*([axis] * self.dim), indexing="ij")
        x = torch.stack([m.reshape(-1) for m in mesh], dim=-1)
        return x, torch.full((x.shape[0],), self.volume() / x.shape[0], dtype=torch.float64)

    def volume(self) -> float:
        return self.length**self.dim


@dataclass(frozen=True)
class Sphere(Manifold):
    """The round Sⁿ of radius ``radius`` in the stereographic chart from the north pole: g = 4r⁴/(r²+|x|²)² δ."""

    dim: int = 2
    radius: float = 1.0

    def metric(self, x: Tensor) -> Tensor:
        r2 = self.radius**2
        factor = 4 * r2 * r2 / (r2 + (x * x).sum(-1)) ** 2
        return factor[:, None, None] * torch.eye(self.dim, dtype=x.dtype, device=x.device)

    def sample(self, count: int, seed: int | torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """Uniform on the sphere, projected; the weights are 1/(B·√det g) times the volume (importance weights)."""
        y = torch.randn(count, self.dim + 1, generator=_generator(seed), dtype=torch.float64)
        y = y / y.norm(dim=-1, keepdim=True)
        y = torch.where(y[:, -1:] > 0.999, -y, y)  # keep away from the projection pole
        x = self.radius * y[:, :-1] / (1 - y[:, -1:])
        sqrt_det = torch.linalg.det(self.metric(x)).sqrt()
        return x, self.volume() / count / sqrt_det

    def volume(self) -> float:
        n = self.dim
        return 2 * math.pi ** ((n + 1) / 2) / math.gamma((n + 1) / 2) * self.radius**n

    def scalar_curvature(self) -> float:
        return self.dim * (self.dim - 1) / self.radius**2


@dataclass(frozen=True)
class Hyperbolic(Manifold):
    """Hyperbolic space Hⁿ of curvature -1 in the Poincaré ball: g = 4/(1-|x|²)² δ; sampled in |x| < ``extent``."""

    dim: int = 2
    extent: float = 0.8

    def metric(self, x: Tensor) -> Tensor:
        factor = 4 / (1 - (x * x).sum(-1)) ** 2
        return factor[:, None, None] * torch.eye(self.dim, dtype=x.dtype, device=x.device)

    def sample(self, count: int, seed: int | torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        gen = _generator(seed)
        y = torch.randn(count, self.dim, generator=gen, dtype=torch.float64)
        radius = self.extent * torch.rand(count, 1, generator=gen, dtype=torch.float64) ** (1 / self.dim)
        x = radius * y / y.norm(dim=-1, keepdim=True)
        ball = math.pi ** (self.dim / 2) / math.gamma(self.dim / 2 + 1) * self.extent**self.dim
        return x, torch.full((count,), ball / count, dtype=torch.float64)

    def volume(self) -> float:
        raise NotImplementedError("Hⁿ has infinite volume; use the weights for integrals over the sampled ball")

    def scalar_curvature(self) -> float:
        return -self.dim * (self.dim - 1)


@dataclass(frozen=True)
class Product(Manifold):
    """M₁ × M₂ with the block-diagonal product metric and the product measure."""

    first: Manifold = field(default_factory=lambda: Sphere(2))
    second: Manifold = field(default_factory=lambda: FlatTorus(1))
    dim: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dim", self.first.dim + self.second.dim)

    def metric(self, x: Tensor) -> Tensor:
        d = self.first.dim
        return block_diag_batched(self.first.metric(x[:, :d]), self.second.metric(x[:, d:]))

    def sample(self, count: int, seed: int | torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        gen = _generator(seed)
        x1, w1 = self.first.sample(count, gen)
        x2, w2 = self.second.sample(count, gen)
        return torch.cat([x1, x2], dim=-1), w1 * w2 * count

    def volume(self) -> float:
        return self.first.volume() * self.second.volume()


def block_diag_batched(a: Tensor, b: Tensor) -> Tensor:
    """Block-diagonal of two batches of square matrices (vmap- and autodiff-friendly)."""
    top = torch.cat([a, a.new_zeros(a.shape[0], a.shape[1], b.shape[2])], dim=2)
    bottom = torch.cat([b.new_zeros(b.shape[0], b.shape[1], a.shape[2]), b], dim=2)
    return torch.cat([top, bottom], dim=1)
