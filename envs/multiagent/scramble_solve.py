"""The scramble-solve game as a PettingZoo AEC env: a scrambler hides the unknot (or a homeomorphism), a solver finds it.

Both players act through one single-agent env of the chosen game, so the
moves, masks, observations and certificates are exactly those of that env;
the spec sheet is ``docs/envs/scramble-solve.md``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from pettingzoo import AECEnv
from rigorgym.envs.unknot.env import action_index

from .games import Start, draw_start, make_game_env

SCRAMBLER, SOLVER = "scrambler", "solver"
SCRAMBLE, SOLVE, OVER = "scramble", "solve", "over"


def _copy(obs: Any) -> Any:
    """A fresh copy of a single-agent observation (a Box array or a Dict of arrays)."""
    if isinstance(obs, dict):
        return {k: v.copy() for k, v in obs.items()}
    return obs.copy()


class ScrambleSolveEnv(AECEnv[str, dict[str, Any], Any]):
    """Two-player zero-sum game over a single-agent rigorgym game (``UnKnot-v0``, ``Kirby-Plumbing-v0``,
    ``UnKnot-Diagram-v0``).

    Phase 1, the ``"scrambler"`` plays up to ``scramble_moves`` turns of
    scrambling moves (the single-agent action layout restricted to growing and
    mixing moves, plus a last action ``stop``) on a start instance. Phase 2,
    the ``"solver"`` plays the single-agent game (same actions, mask and
    observation) on the scrambled instance for up to ``solver_moves`` turns.
    Every turn, legal or not, uses one of the acting player's turns; an illegal
    action is a no-op with a penalty. Rewards are zero-sum: the solver gets the
    single-agent reward of each of its moves plus ``win_bonus`` when it wins;
    an illegal scrambler action gives the scrambler ``-illegal_penalty`` and the
    solver as much; the scrambler always gets the negative of the solver.
    """

    metadata: dict[str, Any] = {
        "render_modes": ["ansi", "rgb_array"],
        "name": "scramble_solve_v0",
        "is_parallelizable": False,
    }

    def __init__(
        self,
        game: str = "UnKnot-v0",
        scramble_moves: int = 20,
        solver_moves: int | None = None,
        start: Start = "trivial",
        win_bonus: float = 10.0,
        illegal_penalty: float = 1.0,
        render_mode: str | None = None,
        **env_kwargs: Any,
    ) -> None:
        super().__init__()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        if scramble_moves < 1:
            raise ValueError("scramble_moves must be at least 1 (the scrambler moves first)")
        self.game = game
        self.inner: Any  # UnKnotEnv, KirbyPlumbingEnv or UnKnotDiagramEnv, matching self.rules
        self.inner, self.rules = make_game_env(game, render_mode, **env_kwargs)
        if solver_moves is None:
            solver_moves = gym.spec(game).max_episode_steps or 200
        if solver_moves < 1:
            raise ValueError("solver_moves must be at least 1")
        self.scramble_moves, self.solver_moves = scramble_moves, solver_moves
        self.start, self.win_bonus, self.illegal_penalty = start, float(win_bonus), float(illegal_penalty)
        self.render_mode = render_mode
        n = int(self.inner.action_space.n)
        self.stop_action = n
        self._allowed = np.append(self.rules.scramble_allowed(self.inner), True)
        self.possible_agents = [SCRAMBLER, SOLVER]
        self._action_spaces: dict[str, spaces.Discrete] = {
            SCRAMBLER: spaces.Discrete(n + 1),
            SOLVER: spaces.Discrete(n),
        }
        state = self.inner.observation_space
        self._observation_spaces = {
            agent: spaces.Dict(
                {
                    "observation": state,
                    "action_mask": spaces.Box(0, 1, (int(self._action_spaces[agent].n),), np.int8),
                }
            )
            for agent in self.possible_agents
        }
        self._rng: np.random.Generator | None = None
        self._phase = OVER
        self._instance: dict[str, Any] | None = None

    # -- PettingZoo API ------------------------------------------------------------

    def observation_space(self, agent: str) -> spaces.Space[Any]:
        return self._observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space[Any]:
        return self._action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        if seed is not None or self._rng is None:
            self._rng, _ = seeding.np_random(seed)
        given = (options or {}).get("instance")
        start = given if given is not None else draw_start(self.start, self.inner, self.rules, self._rng)
        self._obs, _ = self.inner.reset(seed=seed, options={"instance": start})
        self._start = self.rules.current(self.inner).to_instance()
        self._phase = SCRAMBLE
        self._turns = {SCRAMBLER: 0, SOLVER: 0}
        self._scramble: dict[str, Any] | None = None
        self._instance = None
        self._certificate: dict[str, Any] | None = None
        self._solved = False
        self._scrambled = 0  # legal scrambling moves played
        self.agents = self.possible_agents[:]
        self.rewards = dict.fromkeys(self.agents, 0.0)
        self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        self.agent_selection = SCRAMBLER
        self._set_infos(illegal=False)

    def observe(self, agent: str) -> dict[str, Any]:
        mask = np.zeros(int(self._action_spaces[agent].n), np.int8)
        if agent == SCRAMBLER and self._phase == SCRAMBLE:
            mask[:] = self.scrambler_mask()
        elif agent == SOLVER and self._phase == SOLVE:
            mask[:] = self.inner.action_masks()
        return {"observation": _copy(self._obs), "action_mask": mask}

    def step(self, action: Any) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        self._cumulative_rewards[agent] = 0.0
        self._turns[agent] += 1
        if agent == SCRAMBLER:
            gain, illegal = self._scramble_step(action)
        else:
            gain, illegal = self._solve_step(action)
        # zero-sum: ``gain`` is the solver's reward, the scrambler's is its negative
        self.rewards = {SOLVER: float(gain), SCRAMBLER: 0.0 - float(gain)}
        self._accumulate_rewards()
        self._set_infos(illegal)

    def render(self) -> str | np.ndarray | None:
        if self.render_mode == "ansi":
            head = (
                f"{self.game} scramble-solve: phase {self._phase}, scrambler {self._turns[SCRAMBLER]}/"
                f"{self.scramble_moves}, solver {self._turns[SOLVER]}/{self.solver_moves}"
            )
            return f"{head}\n{self.inner.render()}"
        if self.render_mode == "rgb_array":
            return self.inner.render()
        return None

    def close(self) -> None:
        self.inner.close()

    # -- rigorgym API ----------------------------------------------------------------

    def scrambler_mask(self) -> np.ndarray:
        """The scrambler's legal actions: the env's legal scrambling moves, and ``stop`` unless the game is won as is.

        ``stop`` is masked while the instance is already solved (and some move
        is legal), so that a scrambler cannot hand over a won game by doing nothing.
        """
        mask = np.append(self.inner.action_masks(), True) & self._allowed
        mask[-1] = not self.inner.solved or not mask[:-1].any()
        return mask

    @property
    def phase(self) -> str:
        """``"scramble"``, ``"solve"`` or ``"over"``."""
        return self._phase

    @property
    def instance(self) -> dict[str, Any] | None:
        """The scrambled instance handed to the solver (a certificate's instance object); None before phase 2."""
        return self._instance

    def _scramble_step(self, action: Any) -> tuple[float, bool]:
        a = action_index(action, self.stop_action + 1)
        legal = a >= 0 and bool(self.scrambler_mask()[a])
        gain = 0.0 if legal else self.illegal_penalty
        if legal and a != self.stop_action:
            self._obs, _, _, _, _ = self.inner.step(a)
            self._scrambled += 1
        if (legal and a == self.stop_action) or self._turns[SCRAMBLER] >= self.scramble_moves:
            gain += self._begin_solve()
        return gain, not legal

    def _begin_solve(self) -> float:
        """Hand the scrambled instance to the solver; if it is already won, the solver wins with no move."""
        self._scramble = {"start": self._start, "moves": self.inner.moves}
        instance = self.rules.current(self.inner)
        self._instance = instance.to_instance()
        self._obs, _ = self.inner.reset(options={"instance": instance})
        self._phase = SOLVE
        self.agent_selection = SOLVER
        if self.inner.solved:
            self._certificate = self.inner.certificate()
            self._end(solved=True)
            return self.win_bonus
        return 0.0

    def _solve_step(self, action: Any) -> tuple[float, bool]:
        self._obs, reward, won, _, info = self.inner.step(action)
        gain = float(reward)
        if won:
            self._certificate = info["certificate"]
            self._end(solved=True)
            gain += self.win_bonus
        elif self._turns[SOLVER] >= self.solver_moves:
            self._end(solved=False)
        return gain, bool(info["illegal_action"])

    def _end(self, solved: bool) -> None:
        """The game is decided (a win or an exhausted budget): every player is terminated."""
        self._phase = OVER
        self._solved = solved
        self.terminations = dict.fromkeys(self.agents, True)

    def _set_infos(self, illegal: bool) -> None:
        common = {
            "phase": self._phase,
            "scramble_length": self._scrambled,
            "solver_moves": self._turns[SOLVER],
            "illegal_action": illegal,
        }
        if self._phase == OVER:
            common["winner"] = SOLVER if self._solved else SCRAMBLER
        solver = dict(common)
        if self._instance is not None:
            solver["instance"] = self._instance
            solver["scramble"] = self._scramble
        if self._certificate is not None:
            solver["certificate"] = self._certificate
        self.infos = {SCRAMBLER: common, SOLVER: solver}
