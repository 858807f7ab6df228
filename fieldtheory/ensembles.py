"""Network ensembles: an architecture plus a parameter density is a statistical field theory.

Every ensemble draws whole batches of networks at once in torch (no Python loop over networks) and
evaluates them on a set of points, in memory-bounded chunks. Each one also exposes a *whitened*
parametrisation: a latent vector z ~ N(0, I) per network and a differentiable map z ↦ φ_z(points).
The φ⁴ deformation (HMC) and the simulator's common random numbers are built on it.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from . import kernels
from ._validate import non_negative, points_array, positive, positive_int

#: Elements of the (batch, points, width) work tensor per chunk: ~4 MB in float32, cache-sized.
CHUNK_ELEMENTS = 1 << 20


def generator(seed: int | None) -> torch.Generator:
    """A torch generator seeded by ``seed`` (fresh entropy when None)."""
    gen = torch.Generator()
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(int(seed))
    return gen


def chunk_generators(seed: int | None) -> Iterator[torch.Generator]:
    """One independent torch generator per chunk, seeded from (seed, chunk index) by numpy's SeedSequence.

    Seeding per chunk (not one stream) makes the values independent of how many workers draw them.
    """
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0):
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
    root = np.random.SeedSequence(seed)
    index = 0
    while True:
        child = np.random.SeedSequence(root.entropy, spawn_key=(index,))
        yield torch.Generator().manual_seed(int(child.generate_state(1, np.uint64)[0]))
        index += 1


def _affine(x: torch.Tensor, w: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """x·w + bias for points x (P, d), weights w (n, d, N), bias (n, 1, N): shape (n, P, N)."""
    if x.shape[1] == 1:  # an outer product: one fused multiply-add beats a K = 1 matmul
        return torch.addcmul(bias, x.view(1, -1, 1), w)
    return torch.baddbmm(bias, x.expand(w.shape[0], *x.shape), w)


def _readout(hidden: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Σᵢ hidden[n, p, i]·weights[n, i]: shape (n, P).

    An elementwise product and a sum (in place when no gradient is needed) is 4x faster on CPU than bmm's batch of
    (P, N)·(N, 1) products.
    """
    w = weights[:, None, :]
    in_place = not (hidden.requires_grad or w.requires_grad)
    return (hidden.mul_(w) if in_place else hidden * w).sum(-1)


class Ensemble(ABC):
    """A single-hidden-layer network architecture with its parameter density."""

    d: int
    width: int

    def points(self, points: object) -> np.ndarray:
        """Validated points, shape (P, d)."""
        return points_array(points, self.d)

    # -- sampling --------------------------------------------------------------------------------------
    def batch_size(self, n_points: int) -> int:
        """Networks per chunk, so that the (batch, points, width) work tensor stays at CHUNK_ELEMENTS."""
        return max(1, CHUNK_ELEMENTS // (n_points * self.width))

    def batches(
        self,
        points: object,
        n_networks: int,
        seed: int | None = None,
        batch_size: int | None = None,
        dtype: torch.dtype = torch.float32,
        workers: int = 1,
    ) -> Iterator[torch.Tensor]:
        """Field values of ``n_networks`` fresh networks in chunks of shape (batch, n_points); memory stays bounded.

        Chunk k is drawn from its own generator (see :func:`chunk_generators`), so the values depend on
        ``seed`` and ``batch_size`` only. ``workers > 1`` draws chunks in that many threads (torch releases
        the GIL inside its kernels; best with ``torch.set_num_threads(1)``), at most ``2·workers`` in flight.
        """
        n_networks = positive_int("n_networks", n_networks)
        workers = positive_int("workers", workers)
        x = torch.as_tensor(self.points(points), dtype=dtype)
        size = positive_int("batch_size", batch_size) if batch_size is not None else self.batch_size(len(x))
        sizes = (min(size, n_networks - start) for start in range(0, n_networks, size))
        jobs = zip(sizes, chunk_generators(seed), strict=False)
        if workers == 1:
            for n, gen in jobs:
                yield self._draw(x, n, gen)
            return
        with ThreadPoolExecutor(workers) as pool:
            in_flight: deque = deque()
            for n, gen in jobs:
                in_flight.append(pool.submit(self._draw, x, n, gen))
                if len(in_flight) >= 2 * workers:
                    yield in_flight.popleft().result()
            while in_flight:
                yield in_flight.popleft().result()

    def sample(
        self,
        points: object,
        n_networks: int,
        seed: int | None = None,
        batch_size: int | None = None,
        dtype: torch.dtype = torch.float32,
        workers: int = 1,
    ) -> torch.Tensor:
        """φ(points) for ``n_networks`` independent networks: a tensor of shape (n_networks, n_points)."""
        return torch.cat(list(self.batches(points, n_networks, seed, batch_size, dtype, workers)))

    @abstractmethod
    def _draw(self, x: torch.Tensor, n: int, gen: torch.Generator) -> torch.Tensor:
        """n fresh networks evaluated at x (P, d): shape (n, P)."""

    # -- whitened parametrisation -------------------------------------------------------------------
    @property
    @abstractmethod
    def latent_dim(self) -> int:
        """Length of the standard-normal latent vector of one network."""

    @abstractmethod
    def evaluate_latent(self, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """φ at x (P, d) of the networks whose latents are z (n, latent_dim): shape (n, P), differentiable in z."""

    # -- exact answers ----------------------------------------------------------------------------------
    @abstractmethod
    def kernel(self, x: object, y: object) -> np.ndarray:
        """The exact two-point function ⟨φ(x)φ(y)⟩ (infinite width, or every width where it is width-independent)."""

    def exact_connected_4pt(self, x1: object, x2: object, x3: object, x4: object) -> np.ndarray:
        """Exact finite-width G₄ᶜ(x₁,…,x₄) at P point quadruples (each argument of shape (P, d))."""
        raise NotImplementedError(f"{type(self).__name__} has no closed-form connected four-point function")


class CosNet(Ensemble):
    """The cos-net whose two-point function is the free propagator with a momentum cutoff, at every width.

    φ(x) = √(2 vol(B_Λ^d)/(σ_a²(2π)^d)) Σᵢ aᵢ cos(bᵢ·x + cᵢ)/√(bᵢ² + m²), aᵢ ~ N(0, σ_a²/N),
    bᵢ uniform in the ball |b| < Λ, cᵢ uniform in [-π, π]. Averaging over c gives ½cos(b·(x-y)), over b
    the factor 1/vol(B_Λ), and the prefactor cancels both and σ_a: ⟨φ(x)φ(y)⟩ = ∫_{|p|<Λ} e^{ip(x-y)}/(p²+m²).
    """

    def __init__(self, d: int = 1, width: int = 100, mass: float = 1.0, cutoff: float = 5.0, sigma_a: float = 1.0):
        self.d = positive_int("d", d)
        self.width = positive_int("width", width)
        self.mass = positive("mass", mass)
        self.cutoff = positive("cutoff", cutoff)
        self.sigma_a = positive("sigma_a", sigma_a)
        self.prefactor = math.sqrt(
            2 * kernels.ball_volume(self.d, self.cutoff) / (self.sigma_a**2 * (2 * math.pi) ** self.d)
        )

    def __repr__(self) -> str:
        return f"CosNet(d={self.d}, width={self.width}, mass={self.mass}, cutoff={self.cutoff}, sigma_a={self.sigma_a})"

    def _field(self, a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """φ from a (n, N), b (n, d, N), c (n, N) at x (P, d)."""
        phase = _affine(x, b, c[:, None, :])  # (n, P, N)
        amp = a * self.prefactor / torch.sqrt((b * b).sum(1) + self.mass**2)
        return _readout(torch.cos(phase), amp)

    def _draw(self, x: torch.Tensor, n: int, gen: torch.Generator) -> torch.Tensor:
        dt, width, d = x.dtype, self.width, self.d
        a = torch.randn(n, width, generator=gen, dtype=dt) * (self.sigma_a / math.sqrt(width))
        c = (2 * torch.rand(n, width, generator=gen, dtype=dt) - 1) * math.pi
        if d == 1:
            b = ((2 * torch.rand(n, 1, width, generator=gen, dtype=dt) - 1) * self.cutoff).contiguous()
        else:  # uniform in the ball: a uniform direction times Λ U^{1/d}
            g = torch.randn(n, d, width, generator=gen, dtype=dt)
            radius = self.cutoff * torch.rand(n, 1, width, generator=gen, dtype=dt) ** (1 / d)
            b = g / g.norm(dim=1, keepdim=True) * radius
        return self._field(a, b, c, x)

    @property
    def latent_dim(self) -> int:
        return (self.d + 2) * self.width

    def evaluate_latent(self, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """a = σ_a z_a/√N; b uniform in the ball from a Gaussian d-vector (chi CDF for the radius); c = π erf(z_c/√2)."""
        n, width, d = z.shape[0], self.width, self.d
        z = z.view(n, d + 2, width)
        a = z[:, 0] * (self.sigma_a / math.sqrt(width))
        c = math.pi * torch.erf(z[:, 1] / math.sqrt(2))
        g = z[:, 2:]
        if d == 1:
            b = self.cutoff * torch.erf(g / math.sqrt(2))
        else:
            r2 = (g * g).sum(1, keepdim=True)
            uniform = torch.special.gammainc(torch.tensor(d / 2, dtype=z.dtype), r2 / 2)
            b = g / torch.sqrt(r2) * self.cutoff * uniform ** (1 / d)
        return self._field(a, b, c, x)

    def kernel(self, x: object, y: object) -> np.ndarray:
        x, y = self.points(x), self.points(y)
        if self.d > 3:
            raise ValueError(f"the cutoff propagator is implemented for d = 1, 2, 3, got d = {self.d}")
        r = np.linalg.norm(x[:, None, :] - y[None, :, :], axis=-1)
        return kernels.cutoff_propagator(r, self.d, self.mass, self.cutoff)

    def exact_connected_4pt(self, x1: object, x2: object, x3: object, x4: object) -> np.ndarray:
        pts = [self.points(p) for p in (x1, x2, x3, x4)]
        return kernels.cosnet_connected_4pt(*pts, self.d, self.width, self.mass, self.cutoff)


class _SingleLayer(Ensemble):
    """f(x) = Σᵢ W1ᵢ σ(W0ᵢ·x + b0ᵢ) + b1, W0 ~ N(0, σ_W²/d), W1 ~ N(0, σ_W²/N), biases ~ N(0, σ_b²) (HMS code)."""

    def __init__(self, d: int = 1, width: int = 100, sigma_w: float = 1.0, sigma_b: float = 0.0):
        self.d = positive_int("d", d)
        self.width = positive_int("width", width)
        self.sigma_w = positive("sigma_w", sigma_w)
        self.sigma_b = non_negative("sigma_b", sigma_b)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(d={self.d}, width={self.width}, sigma_w={self.sigma_w}, sigma_b={self.sigma_b})"

    @abstractmethod
    def activation(self, pre: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """σ applied to pre-activations (n, P, N) at the points x (P, d); may work in place."""

    def _field(self, w0: torch.Tensor, b0: torch.Tensor, w1: torch.Tensor, b1: torch.Tensor, x: torch.Tensor):
        """f at x (P, d) of the networks with weights W0 (n, d, N), b0 (n, 1, N), W1 (n, N), b1 (n, 1): (n, P)."""
        return _readout(self.activation(_affine(x, w0, b0), x), w1) + b1

    def _draw(self, x: torch.Tensor, n: int, gen: torch.Generator) -> torch.Tensor:
        # each parameter drawn at its own scale: no extra pass over the weights to rescale them
        d, width, dt = self.d, self.width, x.dtype

        def normal(shape: tuple[int, ...], std: float) -> torch.Tensor:
            return torch.empty(shape, dtype=dt).normal_(0.0, std, generator=gen)

        w0 = normal((n, d, width), self.sigma_w / math.sqrt(d))
        b0 = normal((n, 1, width), self.sigma_b)
        w1 = normal((n, width), self.sigma_w / math.sqrt(width))
        b1 = normal((n, 1), self.sigma_b)
        return self._field(w0, b0, w1, b1, x)

    @property
    def latent_dim(self) -> int:
        return (self.d + 3) * self.width

    def evaluate_latent(self, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Rows W0 (d), b0, W1, output bias; only column 0 of the last row is used, the rest are inert latents."""
        d, width = self.d, self.width
        z = z.view(z.shape[0], d + 3, width)
        w0 = z[:, :d] * (self.sigma_w / math.sqrt(d))
        w1 = z[:, d + 1] * (self.sigma_w / math.sqrt(width))
        return self._field(w0, z[:, d : d + 1] * self.sigma_b, w1, z[:, d + 2, :1] * self.sigma_b, x)

    def kernel(self, x: object, y: object) -> np.ndarray:
        return self._kernel(self.points(x), self.points(y), self.sigma_w, self.sigma_b)

    _kernel = staticmethod(kernels.erf_kernel)


class ErfNet(_SingleLayer):
    """Single-layer Erf-net; its NNGP is Williams' arcsine kernel."""

    def activation(self, pre: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return pre.erf_() if not pre.requires_grad else torch.erf(pre)

    _kernel = staticmethod(kernels.erf_kernel)


class ReLUNet(_SingleLayer):
    """Single-layer ReLU-net; its NNGP is the arc-cosine kernel."""

    def activation(self, pre: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return pre.clamp_(min=0) if not pre.requires_grad else torch.relu(pre)

    _kernel = staticmethod(kernels.relu_kernel)


class GaussNet(_SingleLayer):
    """Gauss-net: σ(u) = exp(u)/√exp(2(σ_b² + σ_W²|x|²/d)), whose NNGP is translation and SO(d) invariant."""

    def activation(self, pre: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        var = self.sigma_b**2 + self.sigma_w**2 * (x * x).sum(-1) / self.d  # (P,)
        return torch.exp(pre - var[:, None])

    _kernel = staticmethod(kernels.gauss_kernel)

    def exact_connected_4pt(self, x1: object, x2: object, x3: object, x4: object) -> np.ndarray:
        pts = [self.points(p) for p in (x1, x2, x3, x4)]
        return kernels.gaussnet_connected_4pt(*pts, self.width, self.sigma_w, self.sigma_b)


ARCHITECTURES: dict[str, type[Ensemble]] = {"cos": CosNet, "erf": ErfNet, "relu": ReLUNet, "gauss": GaussNet}
