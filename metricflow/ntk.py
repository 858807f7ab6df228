"""The metric-NTK Θᵢⱼₖₗ(x, x′) = Σ_θ ∂gᵢⱼ(x)/∂θ ∂gₖₗ(x′)/∂θ, the linearised (frozen-kernel) network, and its flow.

Gradient descent on a loss L with learning rate η moves a network metric, to first order in η, by
δgᵢⱼ(x) = −η Σₓ′ Θᵢⱼₖₗ(x, x′) ∂L/∂gₖₗ(x′). Freezing Θ at initialisation is the same as training the network
linearised in its parameters, which is what :class:`LinearizedMetric` does.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.func import functional_call, jacrev, jvp

Tensor = torch.Tensor


def metric_ntk(model: nn.Module, x: Tensor) -> Tensor:
    """The empirical metric-NTK at the model's current parameters: (B, n, n, B, n, n)."""
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = dict(model.named_buffers())
    jac = jacrev(lambda p: functional_call(model, (p, buffers), (x,)))(params)
    rows = x.shape[0] * x.shape[1] ** 2
    flat = torch.cat([j.reshape(rows, -1) for j in jac.values()], dim=1)
    n = x.shape[1]
    return (flat @ flat.T).reshape(x.shape[0], n, n, x.shape[0], n, n)


def ntk_distance(before: Tensor, after: Tensor) -> float:
    """Relative Frobenius change ‖Θ₁ − Θ₀‖ / ‖Θ₀‖."""
    return float((after - before).norm() / before.norm())


class LinearizedMetric(nn.Module):
    """g_lin(x; θ₀ + δ) = g(x; θ₀) + ∂_θ g(x; θ₀)·δ: the network with its NTK frozen at θ₀; ``delta`` is trained."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.base = {k: v.detach().clone() for k, v in model.named_parameters()}
        self.buffers_ = dict(model.named_buffers())
        self.delta = nn.ParameterDict(
            {k.replace(".", "_"): nn.Parameter(torch.zeros_like(v)) for k, v in self.base.items()}
        )

    def forward(self, x: Tensor) -> Tensor:
        tangent = {k: self.delta[k.replace(".", "_")] for k in self.base}
        out, dout = jvp(lambda p: functional_call(self.model, (p, self.buffers_), (x,)), (self.base,), (tangent,))
        return out + dout


def function_space_step(theta: Tensor, dloss_dg: Tensor, weights: Tensor, lr: float) -> Tensor:
    """The frozen-kernel update δg(x) = −lr Σₓ′ Θ(x, x′)·∂L/∂g(x′) w(x′) on sample points (B, n, n)."""
    return -lr * torch.einsum("aijbkl,bkl,b->aij", theta, dloss_dg, weights)


def gradient_flow(
    model: nn.Module,
    loss_fn: Callable[[nn.Module], Tensor],
    lr: float,
    steps: int,
    callback: Callable[[int, nn.Module], None] | None = None,
) -> list[float]:
    """Plain gradient descent on the model's parameters (the network's flow); returns the loss per step."""
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for step in range(steps):
        if callback is not None:
            callback(step, model)
        opt.zero_grad()
        loss = loss_fn(model)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    if callback is not None:
        callback(steps, model)
    return losses
