"""φ⁴ interactions by deforming the parameter density: P(θ) ∝ P_G(θ) exp(-λ/4! ∫_V φ_θ(x)⁴ dᵈx).

The integral over the box V = [-L/2, L/2]^d is a tensor-product Gauss-Legendre rule. The deformed
ensemble is sampled two ways: Hamiltonian Monte Carlo on the whitened latents z (where P_G is N(0, I),
so the potential is |z|²/2 + S_int and its gradient comes from torch autograd), and importance
reweighting of undeformed networks. Both are compared with first-order perturbation theory,
δG(x, y) = -(λ/2) ∫_V G₀(z, z) G₀(x, z) G₀(z, y) dᵈz (= -(λ/2) G₀(0) ∫ G₀G₀ for a translation-invariant G₀).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import roots_legendre

from ._validate import non_negative, positive, positive_int
from .correlators import Estimate
from .ensembles import CosNet, Ensemble, generator


@dataclass(frozen=True)
class ReweightResult:
    """⟨φ(x_i)φ(x_j)⟩_λ by importance weights exp(-S_int), its shift from λ = 0, and the effective sample size."""

    two_point: Estimate
    shift: Estimate
    ess: float
    n_networks: int


@dataclass(frozen=True)
class HMCResult:
    """⟨φ(x_i)φ(x_j)⟩_λ from HMC chains; errors from the spread of per-chain means (autocorrelation-safe)."""

    two_point: Estimate
    shift: Estimate
    acceptance: float
    step_size: float
    n_chains: int
    n_samples: int


class Phi4:
    """The φ⁴ deformation of an ensemble's parameter density over the box [-L/2, L/2]^d."""

    def __init__(self, net: Ensemble, coupling: float, box: float = 2.0, n_quad: int | None = None):
        self.net = net
        self.coupling = non_negative("coupling", coupling)
        self.box = positive("box", box)
        if n_quad is None:  # φ⁴ of a cos-net has momenta up to 4Λ: resolve them on the box
            n_quad = math.ceil(2 * net.cutoff * box) + 16 if isinstance(net, CosNet) else 32
        self.n_quad = positive_int("n_quad", n_quad)
        x, w = roots_legendre(self.n_quad)
        d = net.d
        grids = np.meshgrid(*([x * box / 2] * d), indexing="ij")
        self.nodes = np.stack([g.ravel() for g in grids], 1)  # (Q, d)
        weights = np.ones(1)
        for _ in range(d):
            weights = np.outer(weights, w * box / 2).ravel()
        self.weights = weights

    def __repr__(self) -> str:
        return f"Phi4({self.net!r}, coupling={self.coupling}, box={self.box}, n_quad={self.n_quad})"

    def action(self, phi_nodes: torch.Tensor) -> torch.Tensor:
        """S_int = λ/4! ∫_V φ⁴ for fields sampled at the quadrature nodes, shape (n, Q) -> (n,)."""
        w = torch.as_tensor(self.weights, dtype=phi_nodes.dtype)
        return (self.coupling / 24) * (phi_nodes**4) @ w

    # -- perturbation theory ---------------------------------------------------------------------------
    def first_order_shift(self, x: object, y: object, finite_width: bool = False) -> np.ndarray:
        """δG(x_i, y_j) to first order in λ, shape (P, Q).

        With ``finite_width`` the O(1/N) part from the exact connected four-point function is added:
        -(λ/4!) ∫ [6 G₄ᶜ(x,y,z,z) G₀(z,z) + 4 G₄ᶜ(x,z,z,z) G₀(y,z) + 4 G₄ᶜ(y,z,z,z) G₀(x,z)].
        """
        net, z, w, lam = self.net, self.nodes, self.weights, self.coupling
        x, y = net.points(x), net.points(y)
        gxz, gzy = net.kernel(x, z), net.kernel(z, y)  # (P, Q), (Q, P')
        gzz = np.array([net.kernel(zi[None], zi[None])[0, 0] for zi in z])
        shift = -(lam / 2) * (gxz * (w * gzz)) @ gzy
        if finite_width:
            shift += -(lam / 24) * self._finite_width_part(x, y, gxz, gzy.T, gzz)
        return shift

    def _finite_width_part(self, x: np.ndarray, y: np.ndarray, gxz: np.ndarray, gyz: np.ndarray, gzz: np.ndarray):
        net, z, w = self.net, self.nodes, self.weights
        q = len(z)

        def k4(a: np.ndarray, b: np.ndarray, c: np.ndarray, e: np.ndarray) -> np.ndarray:
            return net.exact_connected_4pt(a, b, c, e)

        xzzz = np.stack([k4(np.repeat(xi[None], q, 0), z, z, z) for xi in x])  # (P, Q)
        yzzz = np.stack([k4(np.repeat(yj[None], q, 0), z, z, z) for yj in y])  # (P', Q)
        out = np.empty((len(x), len(y)))
        for i, xi in enumerate(x):
            for j, yj in enumerate(y):
                xyzz = k4(np.repeat(xi[None], q, 0), np.repeat(yj[None], q, 0), z, z)
                integrand = 6 * xyzz * gzz + 4 * xzzz[i] * gyz[j] + 4 * yzzz[j] * gxz[i]
                out[i, j] = integrand @ w
        return out

    # -- reweighting ---------------------------------------------------------------------------------------
    def reweight(self, points: object, n_networks: int, seed: int | None = None) -> ReweightResult:
        """Draw undeformed networks, weight each by exp(-S_int); the shift is the weighted minus the plain mean.

        Both means use the same networks, so their difference (an unbiased estimate of δG to O(1/M)) has a
        far smaller error than the deformed two-point function itself.
        """
        x = self.net.points(points)
        p = len(x)
        both = np.concatenate([x, self.nodes])
        sums: dict[str, np.ndarray | float] = {}
        keys = ("w", "ww", "y", "yy", "wy", "wyy", "wwy", "wwyy")
        for key in keys:
            sums[key] = 0.0
        n = 0
        for batch in self.net.batches(both, n_networks, seed, dtype=torch.float64):
            s = self.action(batch[:, p:]).numpy()
            w = np.exp(-s)  # S_int >= 0, so 0 < w <= 1: no overflow
            phi = batch[:, :p].numpy()
            y = (phi[:, :, None] * phi[:, None, :]).reshape(len(phi), -1)
            n += len(phi)
            ww = w * w
            sums["w"] += w.sum()
            sums["ww"] += ww.sum()
            sums["y"] += y.sum(0)
            sums["yy"] += (y * y).sum(0)
            sums["wy"] += w @ y
            sums["wyy"] += w @ (y * y)
            sums["wwy"] += ww @ y
            sums["wwyy"] += ww @ (y * y)
        e = {k: v / n for k, v in sums.items()}
        ratio = e["wy"] / e["w"]
        ybar = e["y"]
        a = 1 / e["w"]
        var_w = e["wwyy"] - 2 * ratio * e["wwy"] + ratio**2 * e["ww"]
        cross = e["wyy"] - (ybar + ratio) * e["wy"] + ratio * ybar * e["w"]
        var_shift = a**2 * var_w - 2 * a * cross + (e["yy"] - ybar**2)
        shape = (p, p)
        two = Estimate(ratio.reshape(shape), np.sqrt(np.maximum(a**2 * var_w, 0) / n).reshape(shape))
        shift = Estimate((ratio - ybar).reshape(shape), np.sqrt(np.maximum(var_shift, 0) / n).reshape(shape))
        return ReweightResult(two, shift, float(sums["w"] ** 2 / sums["ww"]), n)

    # -- Hamiltonian Monte Carlo -----------------------------------------------------------------------
    def potential(self, z: torch.Tensor) -> torch.Tensor:
        """-log P(z) up to a constant: |z|²/2 + S_int(φ_z), per chain."""
        nodes = torch.as_tensor(self.nodes, dtype=z.dtype)
        return 0.5 * (z * z).sum(1) + self.action(self.net.evaluate_latent(z, nodes))

    def _grad(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = z.detach().requires_grad_(True)
        u = self.potential(z)
        (g,) = torch.autograd.grad(u.sum(), z)
        return u.detach(), g

    def hmc(
        self,
        points: object,
        n_chains: int = 256,
        n_samples: int = 50,
        seed: int | None = None,
        n_warmup: int = 20,
        step_size: float = 0.2,
        trajectory_length: float = math.pi / 2,
        dtype: torch.dtype = torch.float32,
    ) -> HMCResult:
        """Run ``n_chains`` HMC chains in parallel on the latents, record φ(points) after each trajectory.

        The chains start from P_G (exact at λ = 0); during warm-up the step size is tuned towards 80%
        acceptance, then frozen. The trajectory length defaults to π/2, a quarter period of the Gaussian
        part of the potential, which maps z to the fresh momentum and so decorrelates successive draws;
        it is jittered by ±20% per trajectory to avoid resonances.
        """
        n_chains, n_samples = positive_int("n_chains", n_chains), positive_int("n_samples", n_samples)
        eps = positive("step_size", step_size)
        length = positive("trajectory_length", trajectory_length)
        x = torch.as_tensor(self.net.points(points), dtype=dtype)
        gen = generator(seed)
        z = torch.randn(n_chains, self.net.latent_dim, generator=gen, dtype=dtype)
        u, g = self._grad(z)
        records, accepted = [], []
        for it in range(n_warmup + n_samples):
            jitter = 0.8 + 0.4 * torch.rand((), generator=gen).item()
            n_leapfrog = max(1, math.ceil(length * jitter / eps))
            step = length * jitter / n_leapfrog
            p0 = torch.randn(z.shape, generator=gen, dtype=dtype)
            zn, pn, gn = z, p0 - 0.5 * step * g, g
            for k in range(n_leapfrog):
                zn = zn + step * pn
                un, gn = self._grad(zn)
                pn = pn - (step if k < n_leapfrog - 1 else 0.5 * step) * gn
            dh = (un - u) + 0.5 * ((pn * pn).sum(1) - (p0 * p0).sum(1))
            accept = torch.rand(n_chains, generator=gen, dtype=dtype) < torch.exp(-dh.clamp(min=0))
            z = torch.where(accept[:, None], zn, z)
            u = torch.where(accept, un, u)
            g = torch.where(accept[:, None], gn, g)
            rate = accept.to(torch.float64).mean().item()
            if it < n_warmup:
                eps *= math.exp(0.5 * (rate - 0.8))
            else:
                accepted.append(rate)
                with torch.no_grad():
                    records.append(self.net.evaluate_latent(z, x).to(torch.float64))
        phi = torch.stack(records, 1).numpy()  # (chains, samples, P)
        prod = phi[:, :, :, None] * phi[:, :, None, :]
        chain_means = prod.mean(1)  # (chains, P, P)
        value = chain_means.mean(0)
        err = chain_means.std(0, ddof=1) / math.sqrt(n_chains)
        g0 = self.net.kernel(x.numpy(), x.numpy())
        return HMCResult(
            Estimate(value, err), Estimate(value - g0, err), float(np.mean(accepted)), eps, n_chains, n_samples
        )
