"""Metrics represented by networks, built so that every output is symmetric positive definite (or checked to be).

* :class:`MLPMetric`: g = g₀ + ε L Lᵀ (``kind="cholesky"``) or g = exp(S) (``kind="exp"``) with L or S the output
  of an MLP in NTK parametrisation (weights N(0, 1), scaled by 1/√fan-in), so that wide networks train lazily.
* :class:`FourierMetric`: the local-kernel architecture on the torus, g = g₀ + Σₖ φₖ(x) Sₖ with fixed Fourier
  features φₖ and only the last layer Sₖ trained. Its metric-NTK is Θᵢⱼₖₗ(x, x′) = K(x, x′) Πᵢⱼₖₗ with
  K = Σₖ φₖ(x)φₖ(x′) (the Dirichlet kernel, → δ(x − x′) as the cutoff grows) and Π the identity on symmetric
  matrices: on the represented modes the kernel is the identity, so gradient descent moves g by −η·(projected gradient).
"""

from __future__ import annotations

import math
from itertools import pairwise, product

import torch
from torch import nn

Tensor = torch.Tensor

#: Hidden-layer activations of :class:`MLPMetric`.
ACTIVATIONS = {"tanh": torch.tanh, "softplus": nn.functional.softplus}


def sym_basis(n: int, dtype: torch.dtype = torch.float64) -> Tensor:
    """An orthonormal basis (n(n+1)/2, n, n) of symmetric matrices under ⟨A, B⟩ = tr(AᵀB)."""
    mats = []
    for i in range(n):
        for j in range(i, n):
            m = torch.zeros(n, n, dtype=dtype)
            if i == j:
                m[i, i] = 1.0
            else:
                m[i, j] = m[j, i] = 1 / math.sqrt(2)
            mats.append(m)
    return torch.stack(mats)


def lattice(dim: int, cutoff: int) -> Tensor:
    """The half lattice {k ∈ Zⁿ : |k|∞ ≤ cutoff, k > 0 lexicographically}: one k of each ±k pair, 0 excluded."""
    ks = [k for k in product(range(-cutoff, cutoff + 1), repeat=dim) if k > (0,) * dim]
    return torch.tensor(ks, dtype=torch.float64).reshape(-1, dim)


class FourierMetric(nn.Module):
    """g(x) = g₀ + Σₖ φₖ(x) Sₖ on Tⁿ = Rⁿ/(L Zⁿ) with fixed features and trained coefficients.

    ``features="lattice"``: the real Fourier basis 1, √2 cos(k·x), √2 sin(k·x) for |k|∞ ≤ cutoff (orthonormal
    under the mean over a uniform grid of more than 2·cutoff points per axis); ``features="random"``: N random
    features √(2F/N) cos(k·x + b) with k uniform in the same box and b uniform, whose kernel has the lattice
    kernel as its mean (the wide-network limit). ``conformal=True`` keeps g = w(x)·g₀.
    """

    def __init__(
        self,
        dim: int = 2,
        cutoff: int = 3,
        conformal: bool = False,
        features: str = "lattice",
        num_features: int | None = None,
        length: float = 2 * math.pi,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if features not in ("lattice", "random"):
            raise ValueError(f"features must be 'lattice' or 'random', got {features!r}")
        self.dim, self.cutoff, self.conformal, self.length = dim, cutoff, conformal, length
        half = lattice(dim, cutoff)
        box = (2 * cutoff + 1) ** dim
        if features == "lattice":
            freqs = torch.cat([torch.zeros(1, dim, dtype=torch.float64), half, half])
            phases = torch.cat([torch.zeros(1), torch.zeros(len(half)), torch.full((len(half),), -math.pi / 2)])
            scale = torch.cat([torch.ones(1), torch.full((2 * len(half),), math.sqrt(2))])
        else:
            count = num_features or box
            gen = torch.Generator().manual_seed(seed)
            freqs = torch.randint(-cutoff, cutoff + 1, (count, dim), generator=gen).to(torch.float64)
            phases = 2 * math.pi * torch.rand(count, generator=gen, dtype=torch.float64)
            scale = torch.full((count,), math.sqrt(2 * box / count))
        self.register_buffer("freqs", freqs * (2 * math.pi / length))
        self.register_buffer("phases", phases.to(torch.float64))
        self.register_buffer("scale", scale.to(torch.float64))
        self.register_buffer("basis", torch.eye(dim, dtype=torch.float64)[None] if conformal else sym_basis(dim))
        self.coef = nn.Parameter(torch.zeros(len(freqs), self.basis.shape[0], dtype=torch.float64))
        with torch.no_grad():  # start at the flat metric g₀ = δ
            self.coef[0] = (torch.eye(dim, dtype=torch.float64)[None] * self.basis).sum((1, 2)) / self.scale[0]

    @property
    def num_features(self) -> int:
        return int(self.freqs.shape[0])

    def features(self, x: Tensor) -> Tensor:
        """φ(x): (B, F)."""
        return self.scale * torch.cos(x @ self.freqs.T + self.phases)

    def forward(self, x: Tensor) -> Tensor:
        coeffs = self.features(x) @ self.coef  # (B, C)
        return torch.einsum("bc,cij->bij", coeffs, self.basis)

    @torch.no_grad()
    def fit(self, metric_fn: object, points: int = 32) -> float:
        """Least-squares fit of the coefficients to ``metric_fn`` on a uniform grid; returns the max residual."""
        axis = torch.arange(points, dtype=torch.float64) * (self.length / points)
        x = torch.stack([m.reshape(-1) for m in torch.meshgrid(*([axis] * self.dim), indexing="ij")], -1)
        target = metric_fn(x)  # type: ignore[operator]
        comps = torch.einsum("bij,cij->bc", target, self.basis)
        if self.conformal:
            comps = target[:, :1, 0]
        sol = torch.linalg.lstsq(self.features(x), comps).solution
        self.coef.copy_(sol)
        return float((self.forward(x) - target).abs().max())


class MLPMetric(nn.Module):
    """g = g₀ + ε L Lᵀ (``cholesky``), exp(εS) (``exp``) or δ + εS (``linear``), L or S from an MLP (NTK parametrised).

    ``cholesky`` and ``exp`` are positive definite by construction. ``linear`` is not (curvature calls check it),
    but it is the one whose metric-NTK is the network's output NTK, which moves during lazy training by about 1/N
    with the width N (measured); the other two compose it with a nonlinear map of the output, whose Jacobian moves
    as the output moves, so their metric-NTK moves by O(1) relatively when the metric does, whatever N.

    ``embed="torus"`` feeds (cos xᵢ, sin xᵢ) so that the metric is periodic on T ⁿ = Rⁿ/2πZⁿ; ``"identity"`` feeds x.

    ``activation`` is ``"tanh"`` or ``"softplus"``; ``readout`` draws the last layer's weights from N(0, 1)
    (``"normal"``) or from |N(0, 1)| (``"halfnormal"``). Why the choice matters: the first-order change of the NTK
    during training is a sum over hidden units of terms odd in the read-out weight; with a symmetric read-out and an
    odd activation (tanh) they cancel and the NTK moves by O(1/N), while a read-out of non-zero mean with an
    activation of no parity (softplus) leaves a coherent O(N^(−1/2)) change.
    """

    def __init__(
        self,
        dim: int = 2,
        width: int = 64,
        depth: int = 1,
        kind: str = "cholesky",
        embed: str = "torus",
        eps: float = 0.1,
        seed: int = 0,
        activation: str = "tanh",
        readout: str = "normal",
    ) -> None:
        super().__init__()
        if kind not in ("cholesky", "exp", "linear"):
            raise ValueError(f"kind must be 'cholesky', 'exp' or 'linear', got {kind!r}")
        if embed not in ("torus", "identity"):
            raise ValueError(f"embed must be 'torus' or 'identity', got {embed!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        if readout not in ("normal", "halfnormal"):
            raise ValueError(f"readout must be 'normal' or 'halfnormal', got {readout!r}")
        self.dim, self.kind, self.embed, self.eps = dim, kind, embed, eps
        self.activation = ACTIVATIONS[activation]
        gen = torch.Generator().manual_seed(seed)
        sizes = [2 * dim if embed == "torus" else dim] + [width] * depth + [dim * (dim + 1) // 2]
        self.weights = nn.ParameterList(
            nn.Parameter(torch.randn(b, a, generator=gen, dtype=torch.float64)) for a, b in pairwise(sizes)
        )
        self.biases = nn.ParameterList(
            nn.Parameter(0.1 * torch.randn(b, generator=gen, dtype=torch.float64)) for b in sizes[1:]
        )
        if readout == "halfnormal":
            with torch.no_grad():
                self.weights[-1].abs_()
        rows, cols = torch.tril_indices(dim, dim) if kind == "cholesky" else torch.triu_indices(dim, dim)
        place = torch.zeros(len(rows), dim, dim, dtype=torch.float64)
        place[torch.arange(len(rows)), rows, cols] = 1.0
        self.register_buffer("place", place)  # output c goes to entry (rows[c], cols[c])

    def factor(self, x: Tensor) -> Tensor:
        """The network's raw output placed in an n×n matrix: L (lower triangular) or the upper triangle of S."""
        h = torch.cat([torch.cos(x), torch.sin(x)], -1) if self.embed == "torus" else x
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = h @ w.T / math.sqrt(w.shape[1]) + b
            if i < len(self.weights) - 1:
                h = self.activation(h)
        return torch.einsum("bc,cij->bij", h, self.place)

    def forward(self, x: Tensor) -> Tensor:
        mat = self.factor(x)
        eye = torch.eye(self.dim, dtype=mat.dtype)
        if self.kind == "cholesky":
            return eye + self.eps * mat @ mat.transpose(1, 2)
        sym = 0.5 * (mat + mat.transpose(1, 2))
        if self.kind == "linear":
            return eye + self.eps * sym
        return torch.linalg.matrix_exp(self.eps * sym)


class CenteredMetric(nn.Module):
    """g = g_base(x) + net(x) − net₀(x) with net₀ a frozen copy of net at initialisation.

    Why: every width then starts from the same metric g_base, so runs at different widths follow the same flow and
    differ only by finite-width effects (the metric-NTK of ``net`` is unchanged by the centring).
    """

    def __init__(self, net: nn.Module, base: object) -> None:
        super().__init__()
        import copy

        self.net = net
        self.frozen = copy.deepcopy(net).requires_grad_(False)
        self.base = base

    def forward(self, x: Tensor) -> Tensor:
        return self.base(x) + self.net(x) - self.frozen(x)  # type: ignore[operator]


class CenteredCholeskyMetric(nn.Module):
    """g = c δ + ε L Lᵀ with L = B(x) + L_net(x) − L_net,0(x): positive definite, and equal to w(x) δ at init.

    ``net`` is a ``kind="cholesky"`` :class:`MLPMetric` (its ε is used), ``conformal`` maps x (B, n) to w(x) (B,)
    with w > c, and B = √((w − c)/ε) δ is the Cholesky factor of (w − c) δ/ε (closed form: differentiating
    ``torch.linalg.cholesky`` twice in x for the curvature is about 50 times slower). L_net,0 is a frozen copy of the factor at
    initialisation, so every width starts from the same metric and the factor B + (L_net − L_net,0) moves by O(1)
    in the lazy regime. The metric-NTK is Θ_g = A(L) Θ_L A(L)ᵀ with A(L): δL ↦ ε(δL Lᵀ + L δLᵀ) and Θ_L the
    network's output NTK; A depends linearly on L, so Θ_g moves as much, relatively, as L does.
    """

    def __init__(self, net: MLPMetric, conformal: object, floor: float = 0.25) -> None:
        super().__init__()
        import copy

        if net.kind != "cholesky":
            raise ValueError(f"net must be a cholesky MLPMetric, got kind={net.kind!r}")
        self.net = net
        self.frozen = copy.deepcopy(net).requires_grad_(False)
        self.conformal, self.floor = conformal, floor

    def forward(self, x: Tensor) -> Tensor:
        eye = torch.eye(self.net.dim, dtype=x.dtype)
        scale = torch.sqrt((self.conformal(x) - self.floor) / self.net.eps)  # type: ignore[operator]
        factor = scale[:, None, None] * eye + self.net.factor(x) - self.frozen.factor(x)
        return self.floor * eye + self.net.eps * factor @ factor.transpose(1, 2)
