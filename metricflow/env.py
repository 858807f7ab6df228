"""MetricFlow-v0: steer a network metric on T² to Ricci-flatness by choosing the flow's step size and loss mixture."""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from .curvature import ricci_and_scalar
from .losses import ricci_flat_loss, ricci_flow_loss
from .manifolds import FlatTorus
from .networks import FourierMetric

OBS_SIZE = 16
OBS_BOUND = 1e6  # observations are clipped to ±OBS_BOUND (an unstable flow can blow the curvature up)


class MetricFlowEnv(gym.Env):
    """
    ## Description
    A conformal metric g = w(x)·δ on the flat torus T² = R²/2πZ² is represented by a Fourier-feature network (the
    local-kernel architecture of ``rigorgym.metricflow.networks.FourierMetric``, only its last layer trained). Each
    step is one gradient-descent step of the network on a mixture of two losses: the Ricci-flow loss (whose step is
    an Euler step of ∂ₜg = −2 Ric) and the Ricci-flat loss ∫|Ric|²dV/Vol. The agent picks the step size and the
    mixture; the goal is to reach a flat metric (loss below ``tol``) in as few steps as possible. Too large a step
    makes the explicit flow unstable (or the metric degenerate): such a step is rejected and penalised.

    ## Action Space
    ``Box([-1, 0], [1, 1], (2,), float32)``: ``a[0]`` sets the step size dt = dt_min·(dt_max/dt_min)^((a[0]+1)/2)
    (log-uniform between ``dt_min`` and ``dt_max``; the learning rate is 2·dt), ``a[1]`` the weight α of the
    Ricci-flat loss in the mixture (1 − α)·L_flow + α·L_flat. Out-of-range actions are clipped to the box (NaN reads as 0).

    ## Observation Space
    ``Box(-1e6, 1e6, (16,), float32)`` (values clipped to the box): log₁₀ loss, log₁₀ tol, mean, std and max |R| of the scalar curvature on the
    grid, min and max of w, fraction of the step budget used, log₁₀ of the last dt, the last α, and w at six fixed
    grid points.

    ## Rewards
    The loss decrease on a log scale, log₁₀ L_before − log₁₀ L_after, minus ``step_cost`` per step; a rejected
    (unstable) step earns ``-1`` and leaves the metric unchanged.

    ## Starting State
    w = 1 + a random combination of the Fourier modes 0 < |k|∞ ≤ ``cutoff`` with amplitude ``amplitude`` (max of
    |w − 1| over the grid), drawn from the seed of ``reset``.

    ## Episode End
    Terminated when the loss is below ``tol`` (success, ``info["is_success"]``); truncated after ``max_steps`` steps
    (the registered ``MetricFlow-v0`` also has a 200-step TimeLimit).

    ## Arguments
    ``cutoff=2`` (Fourier modes |k|∞ ≤ cutoff), ``grid=8`` (grid points per axis for the losses), ``amplitude=0.15``,
    ``tol=1e-6``, ``dt_min=1e-3``, ``dt_max=0.5``, ``step_cost=0.01``, ``max_steps=200``, ``render_mode=None``
    (``"ansi"`` or ``"rgb_array"``).
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        cutoff: int = 2,
        grid: int = 8,
        amplitude: float = 0.15,
        tol: float = 1e-6,
        dt_min: float = 1e-3,
        dt_max: float = 0.5,
        step_cost: float = 0.01,
        max_steps: int = 200,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        if isinstance(cutoff, bool) or not isinstance(cutoff, int | np.integer) or cutoff < 1:
            raise ValueError(f"cutoff must be an integer >= 1 (Fourier modes |k|∞ ≤ cutoff), got {cutoff!r}")
        for name, value in (("grid", grid), ("max_steps", max_steps)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if not tol > 0:
            raise ValueError(f"tol must be positive, got {tol!r}")
        if not step_cost >= 0:
            raise ValueError(f"step_cost must be >= 0, got {step_cost!r}")
        if grid <= 2 * cutoff:
            raise ValueError(
                f"grid must exceed 2*cutoff so the features are orthonormal, got grid={grid}, cutoff={cutoff}"
            )
        if not 0 < amplitude < 0.9:
            raise ValueError(f"amplitude must lie in (0, 0.9) so that w stays positive, got {amplitude}")
        if not 0 < dt_min < dt_max:
            raise ValueError(f"need 0 < dt_min < dt_max, got dt_min={dt_min}, dt_max={dt_max}")
        self.cutoff, self.grid, self.amplitude, self.tol = cutoff, grid, amplitude, tol
        self.dt_min, self.dt_max, self.step_cost, self.max_steps = dt_min, dt_max, step_cost, max_steps
        self.render_mode = render_mode
        self.action_space = spaces.Box(np.array([-1.0, 0.0], np.float32), np.array([1.0, 1.0], np.float32))
        self.observation_space = spaces.Box(-OBS_BOUND, OBS_BOUND, (OBS_SIZE,), np.float32)
        self.points, self.weights = FlatTorus(2).grid(grid)
        self.probe = np.linspace(0, grid * grid - 1, 6).astype(int)
        self.model = FourierMetric(2, cutoff, conformal=True)
        self.steps, self.last_dt, self.last_alpha = 0, 0.0, 0.0
        self.loss, self.scalar_curv = 1.0, np.zeros(grid * grid)
        self.ric = torch.zeros(grid * grid, 2, 2, dtype=torch.float64)

    def dt_of(self, a0: float) -> float:
        """The step size that action component ``a0`` ∈ [−1, 1] selects."""
        frac = (float(np.clip(a0, -1.0, 1.0)) + 1) / 2
        return self.dt_min * (self.dt_max / self.dt_min) ** frac

    def action_for(self, dt: float, alpha: float = 0.0) -> np.ndarray:
        """The action that selects step size ``dt`` (clipped to the range) and mixture ``alpha``."""
        dt = min(max(dt, self.dt_min), self.dt_max)
        a0 = 2 * math.log(dt / self.dt_min) / math.log(self.dt_max / self.dt_min) - 1
        return np.array([a0, alpha], dtype=np.float32)

    def _w(self) -> np.ndarray:
        with torch.no_grad():
            return self.model(self.points)[:, 0, 0].numpy()

    def _measure(self) -> bool:
        """Recompute loss and curvature; False when the metric is degenerate or the numbers are not finite."""
        w = self._w()
        if not np.all(np.isfinite(w)) or w.min() <= 1e-3:
            return False
        with torch.no_grad():
            ric, scal = ricci_and_scalar(self.model, self.points)
        scal_np = scal.numpy()
        if not np.all(np.isfinite(scal_np)):
            return False
        dv = self.weights.numpy() * w
        self.scalar_curv, self.ric = scal_np, ric
        self.loss = float((dv * 0.5 * scal_np**2).sum() / dv.sum())  # |Ric|² = R²/2 in two dimensions
        return math.isfinite(self.loss)

    def _obs(self) -> np.ndarray:
        w, r = self._w(), self.scalar_curv
        head = [
            math.log10(max(self.loss, 1e-30)),
            math.log10(self.tol),
            r.mean(),
            r.std(),
            np.abs(r).max(),
            w.min(),
            w.max(),
            self.steps / self.max_steps,
            math.log10(self.last_dt) if self.last_dt > 0 else 0.0,
            self.last_alpha,
        ]
        obs = np.concatenate([np.asarray(head), w[self.probe]])
        return np.clip(np.nan_to_num(obs), -OBS_BOUND, OBS_BOUND).astype(np.float32)

    def _info(self, rejected: bool = False) -> dict[str, Any]:
        return {"loss": self.loss, "steps": self.steps, "rejected": rejected, "is_success": self.loss < self.tol}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        coef = self.np_random.standard_normal(self.model.coef.shape)
        coef[0] = 0.0
        with torch.no_grad():
            self.model.coef.copy_(torch.from_numpy(coef))
            bumpy = self._w()
            scale = self.amplitude / np.abs(bumpy).max()
            coef *= scale
            coef[0] = 1.0
            self.model.coef.copy_(torch.from_numpy(coef))
        self.steps, self.last_dt, self.last_alpha = 0, 0.0, 0.0
        self._measure()
        return self._obs(), self._info()

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        raw = np.nan_to_num(np.asarray(action, dtype=np.float64).reshape(-1)[:2], nan=0.0)
        action = np.clip(raw, self.action_space.low, self.action_space.high)
        dt, alpha = self.dt_of(action[0]), float(action[1])
        before = (self.model.coef.detach().clone(), self.loss, self.scalar_curv, self.ric)
        self.model.zero_grad()
        loss = (1 - alpha) * ricci_flow_loss(self.model, self.points, self.weights, self.ric)
        if alpha > 0:
            loss = loss + alpha * ricci_flat_loss(self.model, self.points, self.weights)
        loss.backward()
        with torch.no_grad():
            self.model.coef -= 2 * dt * self.model.coef.grad
        self.steps += 1
        self.last_dt, self.last_alpha = dt, alpha
        rejected = not self._measure()
        if rejected:
            with torch.no_grad():
                self.model.coef.copy_(before[0])
            self.loss, self.scalar_curv, self.ric = before[1:]
            reward = -1.0
        else:
            reward = math.log10(max(before[1], 1e-30)) - math.log10(max(self.loss, 1e-30)) - self.step_cost
        terminated = self.loss < self.tol
        truncated = not terminated and self.steps >= self.max_steps
        return self._obs(), float(reward), bool(terminated), bool(truncated), self._info(rejected)

    def render(self) -> str | np.ndarray | None:
        if self.render_mode == "ansi":
            w = self._w()
            return (
                f"step {self.steps:3d}  loss {self.loss:.3e} (tol {self.tol:.0e})  w in [{w.min():.4f}, {w.max():.4f}]  "
                f"R in [{self.scalar_curv.min():+.3e}, {self.scalar_curv.max():+.3e}]  last dt {self.last_dt:.4f}\n"
            )
        if self.render_mode == "rgb_array":
            w = self._w().reshape(self.grid, self.grid)
            span = max(float(np.abs(w - 1).max()), 1e-12)
            t = np.clip((w - 1) / span, -1, 1)  # blue below 1, red above
            img = np.stack([np.where(t > 0, 1, 1 + t), 1 - np.abs(t), np.where(t < 0, 1, 1 - t)], -1)
            big = np.kron(img, np.ones((64 // self.grid, 64 // self.grid, 1)))
            return (255 * big).astype(np.uint8)
        return None
