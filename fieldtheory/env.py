"""NNFieldTheory-v0: the inverse problem of NN-FT as a Gymnasium simulator (find a network that realises a theory)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from ._validate import positive, positive_int
from .ensembles import CosNet
from .interactions import Phi4

#: knob name -> (low, high, log scale): the parameter-density knobs an action moves.
KNOBS: dict[str, tuple[float, float, bool]] = {
    "sigma": (0.25, 4.0, True),  # field normalisation: Var(a) = σ²/N with the prefactor at σ_a = 1
    "cutoff": (1.0, 20.0, True),  # Λ, radius of the ball the frequencies b are drawn from
    "mass": (0.2, 5.0, True),  # m
    "coupling": (0.0, 10.0, False),  # λ of the φ⁴ deformation (by reweighting the base draws)
    "width": (2.0, 256.0, True),  # N, rounded to an integer
}


#: |G₂| ≤ σ_max² G₀(0) ≈ 40 at the knobs' extremes; observations are clipped to this bound.
OBS_BOUND = 100.0


def to_unit(name: str, value: float) -> float:
    """A knob value as a coordinate in [-1, 1]."""
    lo, hi, log = KNOBS[name]
    if log:
        return 2 * (math.log(value) - math.log(lo)) / (math.log(hi) - math.log(lo)) - 1
    return 2 * (value - lo) / (hi - lo) - 1


def from_unit(name: str, u: float) -> float:
    """The knob value at coordinate u in [-1, 1]."""
    lo, hi, log = KNOBS[name]
    t = (float(np.clip(u, -1, 1)) + 1) / 2
    return math.exp(math.log(lo) + t * (math.log(hi) - math.log(lo))) if log else lo + t * (hi - lo)


class NNFieldTheoryEnv(gym.Env):
    """Tune the parameter density of a cos-net until its correlators match a target field theory.

    ## Description
    A network ensemble is a statistical field theory (Halverson, Maiti, Stoner 2021). The agent controls
    the knobs of a cos-net ensemble in d = 1 - field normalisation σ, cutoff Λ, mass m, φ⁴ coupling λ and
    width N - and sees its two-point function G₂(0, r) on probe separations r. The target is the two-point
    function of a hidden ensemble (by default a free theory with mass drawn at reset). Estimates use common
    random numbers: a fixed set of standard-normal base draws, drawn at reset, is pushed through the
    reparametrised network (a = σ z_a/√N, b = Λ erf(z_b/√2), c = π erf(z_c/√2); width N uses the first N
    neurons; λ reweights the draws by exp(-λ/4! ∫φ⁴)), so the estimate is a smooth function of the knobs.

    ## Action Space
    ``Box(-1, 1, (k,))`` for the k knobs in ``knobs`` (default all five, in the order of ``KNOBS``). With
    ``action_mode="delta"`` each knob's coordinate in [-1, 1] (log scale for σ, Λ, m, N) moves by
    ``step_scale * action``; with ``"absolute"`` the action *is* the coordinate. Out-of-box actions are clipped.

    ## Observation Space
    ``Box(-100, 100, (2K + k,), float32)`` (clipped): the current G₂(0, r_i) estimates on the K probes, the target
    G₂(0, r_i), and the k knob coordinates.

    ## Rewards
    Minus the relative distance ‖G₂ - G₂*‖ / ‖G₂*‖ after the step.

    ## Starting State
    Knob coordinates uniform in [-1, 1] (from the reset seed) unless ``start`` gives knob values; knobs not in
    ``knobs`` sit at their ``start`` (default: the target's) value.

    ## Episode End
    Terminated when the distance is below ``tolerance``; truncated by the registration's 100 steps.

    ## Arguments
    ``target``: knob values of the hidden ensemble (missing ones: σ=1, Λ=5, λ=0, N=64; mass drawn
    log-uniformly in [0.5, 2] at reset when not given). ``target_correlators``: explicit target G₂(0, r_i)
    instead (e.g. an exact propagator). ``probes``: separations r_i. ``n_networks``: base draws per estimate.
    ``knobs``, ``action_mode``, ``step_scale``, ``tolerance``, ``start``, ``box`` (side of the φ⁴ box),
    ``render_mode`` ("ansi" or "rgb_array").
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        target: dict[str, float] | None = None,
        target_correlators: Sequence[float] | None = None,
        probes: Sequence[float] = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0),
        n_networks: int = 512,
        knobs: Sequence[str] = tuple(KNOBS),
        action_mode: str = "delta",
        step_scale: float = 0.1,
        tolerance: float = 0.02,
        start: dict[str, float] | None = None,
        box: float = 2.0,
        render_mode: str | None = None,
    ):
        unknown = [k for k in knobs if k not in KNOBS]
        if unknown or not knobs:
            raise ValueError(f"knobs must be a non-empty subset of {list(KNOBS)}, got {list(knobs)}")
        if action_mode not in ("delta", "absolute"):
            raise ValueError(f"action_mode must be 'delta' or 'absolute', got {action_mode!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        self.knobs = tuple(knobs)
        self.action_mode = action_mode
        self.step_scale = positive("step_scale", step_scale)
        self.tolerance = positive("tolerance", tolerance)
        self.n_networks = positive_int("n_networks", n_networks)
        self.box = positive("box", box)
        self.probes = np.asarray(probes, dtype=np.float64)
        if self.probes.ndim != 1 or len(self.probes) < 2:
            raise ValueError(f"probes must be at least two separations, got {list(probes)}")
        self.target_spec = dict(target or {})
        self.start_spec = dict(start or {})
        for name, value in {**self.target_spec, **self.start_spec}.items():
            if name not in KNOBS:
                raise ValueError(f"unknown knob {name!r}; knobs are {list(KNOBS)}")
            lo, hi, _ = KNOBS[name]
            if not lo <= value <= hi:
                raise ValueError(f"{name} must lie in [{lo}, {hi}], got {value!r}")
        self.fixed_target = None if target_correlators is None else np.asarray(target_correlators, dtype=np.float64)
        if self.fixed_target is not None and self.fixed_target.shape != self.probes.shape:
            raise ValueError(f"target_correlators must have {len(self.probes)} values, got {self.fixed_target.shape}")
        self.render_mode = render_mode
        k, n_probe = len(self.knobs), len(self.probes)
        self.action_space = spaces.Box(-1.0, 1.0, (k,), dtype=np.float32)
        self.observation_space = spaces.Box(-OBS_BOUND, OBS_BOUND, (2 * n_probe + k,), dtype=np.float32)
        self._points = torch.as_tensor(self.probes[:, None], dtype=torch.float32)
        self._z: torch.Tensor | None = None
        self.values: dict[str, float] = {}
        self.target_values: dict[str, float] = {}
        self.target = np.zeros(n_probe)
        self.current = np.zeros(n_probe)
        self.distance = math.inf

    # -- the estimator ------------------------------------------------------------------------------------
    def correlators(self, values: dict[str, float]) -> np.ndarray:
        """G₂(0, r_i) of the ensemble with these knob values, on the reset's base draws."""
        assert self._z is not None, "call reset() first"
        width = int(round(values["width"]))
        z = self._z[:, :, :width].reshape(self.n_networks, -1)
        net = CosNet(1, width, values["mass"], values["cutoff"], 1.0)
        phi = values["sigma"] * net.evaluate_latent(z, self._points).double()
        prod = phi[:, :1] * phi
        if values["coupling"] > 0:
            phi4 = Phi4(net, values["coupling"], self.box)
            nodes = torch.as_tensor(phi4.nodes, dtype=torch.float32)
            action = phi4.action(values["sigma"] * net.evaluate_latent(z, nodes).double())
            w = torch.exp(-(action - action.min()))
            return ((w[:, None] * prod).sum(0) / w.sum()).numpy()
        return prod.mean(0).numpy()

    def _observe(self) -> np.ndarray:
        units = [to_unit(k, self.values[k]) for k in self.knobs]
        obs = np.concatenate([self.current, self.target, units])
        return np.clip(obs, -OBS_BOUND, OBS_BOUND).astype(np.float32)

    def _update(self) -> None:
        self.current = self.correlators(self.values)
        self.distance = float(np.linalg.norm(self.current - self.target) / np.linalg.norm(self.target))

    def _info(self) -> dict[str, Any]:
        return {"distance": self.distance, "knobs": dict(self.values), "target_knobs": dict(self.target_values)}

    # -- gym API ---------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        rng = self.np_random
        base_seed = int(rng.integers(2**62))
        gen = torch.Generator().manual_seed(base_seed)
        self._z = torch.randn(self.n_networks, 3, int(KNOBS["width"][1]), generator=gen)
        defaults = {"sigma": 1.0, "cutoff": 5.0, "coupling": 0.0, "width": 64.0}
        mass = float(math.exp(rng.uniform(math.log(0.5), math.log(2.0))))
        self.target_values = {**defaults, "mass": mass, **self.target_spec}
        self.target = self.fixed_target if self.fixed_target is not None else self.correlators(self.target_values)
        units = rng.uniform(-1, 1, len(KNOBS))
        self.values = {}
        for i, name in enumerate(KNOBS):
            if name in self.start_spec:
                self.values[name] = float(self.start_spec[name])
            elif name in self.knobs:
                self.values[name] = from_unit(name, units[i])
            else:
                self.values[name] = self.target_values[name]
        self._update()
        return self._observe(), self._info()

    def step(self, action: np.ndarray):
        assert self._z is not None, "call reset() first"
        act = np.nan_to_num(np.asarray(action, dtype=np.float64).reshape(-1), nan=0.0)
        act = np.clip(act, -1.0, 1.0)
        for name, a in zip(self.knobs, act, strict=False):
            u = a if self.action_mode == "absolute" else to_unit(name, self.values[name]) + self.step_scale * a
            self.values[name] = from_unit(name, float(np.clip(u, -1, 1)))
        self._update()
        terminated = self.distance < self.tolerance
        return self._observe(), -self.distance, terminated, False, self._info()

    def render(self) -> str | np.ndarray | None:
        if self.render_mode == "ansi":
            knobs = ", ".join(
                f"{k}={v:.3g} (target {self.target_values.get(k, float('nan')):.3g})" for k, v in self.values.items()
            )
            rows = "\n".join(
                f"  r={r:5.2f}  G2={g:8.4f}  target={t:8.4f}"
                for r, g, t in zip(self.probes, self.current, self.target, strict=True)
            )
            return f"NNFieldTheory-v0  distance={self.distance:.4f}\n  {knobs}\n{rows}\n"
        if self.render_mode == "rgb_array":
            return self._picture()
        return None

    def _picture(self, height: int = 120, width: int = 200) -> np.ndarray:
        """G₂(0, r): target in green, current estimate in red, on a white canvas."""
        img = np.full((height, width, 3), 255, dtype=np.uint8)
        top = max(float(np.max(self.target)), float(np.max(self.current)), 1e-9) * 1.1
        low = min(0.0, float(np.min(self.target)), float(np.min(self.current)))
        cols = np.linspace(10, width - 11, len(self.probes)).astype(int)
        for series, colour in ((self.target, (0, 160, 0)), (self.current, (200, 0, 0))):
            rows = (height - 10 - (series - low) / (top - low) * (height - 20)).astype(int).clip(0, height - 3)
            for c, r in zip(cols, rows, strict=True):
                img[r : r + 3, max(c - 1, 0) : c + 2] = colour
        return img
