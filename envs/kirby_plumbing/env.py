"""Kirby-Plumbing-v0: prove two plumbing graphs give the same 3-manifold by Neumann moves."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from rigorgym.verifiers.certificate import FORMAT
from rigorgym.verifiers.plumbing import PlumbingGraph, isomorphic

from rigorgym._version import __version__

from ..injection import action_index, injected, reset_instance
from . import core
from .actions import BLOWUP_DISJOINT, BLOWUP_EDGE, EXTRUDE_ZERO, OP_NAMES, ActionLayout
from .generator import RiPutrovGenerator
from .render import pair_image, pair_text
from .reward import PlumbingReward, RewardFn
from .types import PlumbingInstance

#: Length of a recorded move: [graph, op, id_a, id_b, param, n_moved, moved...]
RECORD = 6 + 8


def observation_space(max_nodes: int, weight_limit: int) -> spaces.Dict:
    """The padded ``Dict`` observation (shared by every consumer: SB3, the graph view, the agents)."""
    n = max_nodes
    low = np.zeros((2 * n, 3), np.float32)
    high = np.zeros((2 * n, 3), np.float32)
    low[:, 0], high[:, 0] = -weight_limit, weight_limit
    high[:, 1], high[:, 2] = n - 1, 1
    return spaces.Dict(
        {
            "nodes": spaces.Box(low, high, dtype=np.float32),
            "edges": spaces.Box(0, 2 * n - 1, (2 * (n - 1), 2), np.int64),
            "node_mask": spaces.MultiBinary(2 * n),
            "edge_mask": spaces.MultiBinary(2 * (n - 1)),
        }
    )


def make_certificate(
    instance: PlumbingInstance, moves: list[dict[str, Any]], claim: str = "homeomorphic", seed: int | None = None
) -> dict[str, Any]:
    """The §2.4 certificate for ``instance`` (``homeomorphic`` after ``moves``, or ``distinct``)."""
    meta: dict[str, Any] = {"rigorgym": __version__, "seed": seed}
    if instance.id is not None:
        meta["instance_id"] = instance.id
    return {
        "format": FORMAT,
        "env": "Kirby-Plumbing-v0",
        "claim": claim,
        "instance": instance.to_instance(),
        "moves": moves,
        "meta": meta,
    }


def record_to_move(rec: np.ndarray) -> dict[str, Any]:
    """The kernel move (docs/design.md §2.3) of a record written by :func:`core.record`."""
    graph, op, a, b, param, n_moved = (int(x) for x in rec[:6])
    name = OP_NAMES[op]
    if op == BLOWUP_DISJOINT:
        return {"op": name, "graph": graph, "sign": param}
    if op == BLOWUP_EDGE:
        return {"op": name, "graph": graph, "u": a, "v": b, "sign": param}
    if op == EXTRUDE_ZERO:
        return {"op": name, "graph": graph, "v": a, "d": param, "moved": [int(x) for x in rec[6 : 6 + n_moved]]}
    if name == "blowup_vertex":
        return {"op": name, "graph": graph, "v": a, "sign": param}
    return {"op": name, "graph": graph, "v": a}


class KirbyPlumbingEnv(gym.Env[dict[str, np.ndarray], np.int64]):
    """Prove that two plumbing graphs describe one 3-manifold (Ri & Putrov, "Graph neural networks and
    3-dimensional topology", 2023).

    ## Description
    The state is two plumbing forests (genus-0 vertices, integer weights). Each
    action is one of Neumann's moves of docs/design.md §2.3 on one of the graphs:
    blow-ups and blow-downs of ±1 vertices (R1), absorbing and extruding 0-chains
    (R3) and splitting at a 0-weight leaf (R6), none of which changes the
    plumbed 3-manifold. The game is won when the two graphs are isomorphic as
    weighted forests; the legal moves played are then a certificate of
    homeomorphism, checked by ``rigorgym.verifiers.verify``.

    ## Action Space
    ``Discrete(2 (7 N + N (2D + 1) 2^K))`` with ``N = max_nodes``, ``D =
    extrude_d``, ``K = extrude_neighbours`` (3008 by default): (graph, node or
    edge, op, sign or d, neighbour subset), laid out in
    ``rigorgym.envs.kirby_plumbing.actions``. Illegal actions are masked
    (``action_masks()``, ``info["action_mask"]``); taken anyway, they are a
    no-op with a penalty.

    ## Observation Space
    A ``Dict`` of padded arrays for SB3's ``MultiInputPolicy``: ``"nodes"``
    ``(2N, 3)`` float32 rows ``[weight, degree, graph]`` (graph ``g``'s slot
    ``s`` at row ``g N + s``, slots in increasing node id), ``"edges"`` ``(2(N -
    1), 2)`` int64 pairs of rows, ``"node_mask"`` and ``"edge_mask"``.
    ``rigorgym.envs.kirby_plumbing.to_pyg(obs)`` turns one into a
    torch-geometric ``Data`` graph for GNN agents.

    ## Rewards
    ``PlumbingReward`` by default: -0.02 per step, +0.01 per unit of Ri-Putrov
    complexity ``c = 5 #nodes + sum |w|`` removed (both graphs), +10 on success,
    -1 for an illegal action. Any callable with the ``RewardFn`` signature may
    be injected.

    ## Starting State
    A pair drawn from the injected ``generator`` with the env's seeded
    ``np_random`` (default ``RiPutrovGenerator(nodes=6, scramble_moves=10)``),
    or ``options={"instance": ...}`` at reset.

    ## Episode End
    Terminated when the graphs are weighted-isomorphic (``info["certificate"]``
    is set); truncated by ``max_episode_steps`` (set per registration).

    ## Arguments
    ``generator``, ``max_nodes=32`` (slots per graph), ``extrude_d=2``,
    ``extrude_neighbours=3``, ``weight_limit=10_000``, ``reward_fn=None``,
    ``render_mode`` in ``{"ansi", "rgb_array"}``.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        generator: Any = None,
        max_nodes: int = 32,
        extrude_d: int = 2,
        extrude_neighbours: int = 3,
        weight_limit: int = 10_000,
        reward_fn: RewardFn | None = None,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        if weight_limit < 1:
            raise ValueError("weight_limit must be positive")
        self.layout = ActionLayout(max_nodes, extrude_d, extrude_neighbours)
        self.generator = injected(
            "generator", generator, lambda: RiPutrovGenerator(6, 10, max_nodes=min(max_nodes, 32))
        )
        self.weight_limit = weight_limit
        self.observation_space = observation_space(max_nodes, weight_limit)
        self.action_space = spaces.Discrete(self.layout.n_actions)
        self.reward_fn: RewardFn = injected("reward_fn", reward_fn, PlumbingReward)
        self.render_mode = render_mode
        n = max_nodes
        # Hot-path constants and buffers (step() runs tens of thousands of times a second).
        self._consts = (n, extrude_d, extrude_neighbours, weight_limit)
        self._n_actions = self.layout.n_actions
        self._ids = np.zeros((2, n), np.int64)
        self._weights = np.zeros((2, n), np.int64)
        self._degree = np.zeros((2, n), np.int64)
        self._adj = np.zeros((2, n, n), np.int8)
        self._count = np.zeros(2, np.int64)
        self._mask = np.zeros(self._n_actions, bool)
        self._nodes = np.zeros((2 * n, 3), np.float32)
        self._edges = np.zeros((2 * (n - 1), 2), np.int64)
        self._node_mask = np.zeros(2 * n, np.int8)
        self._edge_mask = np.zeros(2 * (n - 1), np.int8)
        self._rec = np.zeros(RECORD, np.int64)
        self._records: list[np.ndarray] = []
        self._complexity = 0
        self._solved = False
        self._instance: PlumbingInstance | None = None
        self._seed: int | None = None

    # -- Gymnasium API -------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super().reset(seed=seed)
        if seed is not None:
            self._seed = seed
        instance = reset_instance(options, self.generator, self.np_random, PlumbingInstance)
        self.load(instance)
        return self._observation(), self._info()

    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        if self._instance is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        a = action_index(action, self._n_actions)
        n, d, k, w = self._consts
        before = self._complexity
        legal, after, maybe = core.step(
            self._ids, self._weights, self._degree, self._adj, self._count, a, n, d, k, w,
            self._mask, self._nodes, self._edges, self._node_mask, self._edge_mask, self._rec,
        )  # fmt: skip
        if legal:
            self._records.append(self._rec.copy())
            self._complexity = after
            self._solved = bool(maybe) and isomorphic(*self.graphs())
        solved = self._solved
        reward = float(self.reward_fn(before, after, int(legal), int(solved)))
        info = self._info()
        info["illegal_action"] = not legal
        if solved:
            info["certificate"] = self.certificate()
        return self._observation(), reward, solved, False, info

    def render(self) -> str | np.ndarray | None:  # type: ignore[override]  # gymnasium: an unbound TypeVar
        if self.render_mode == "ansi":
            return pair_text(*self.graphs())
        if self.render_mode == "rgb_array":
            return pair_image(*self.graphs())
        return None

    # -- rigorgym API ----------------------------------------------------------------

    def load(self, instance: PlumbingInstance) -> None:
        """Start an episode on ``instance`` (raises ValueError if it does not fit the env)."""
        n, d, k, w = self._consts
        graphs = instance.kernel_graphs()
        for g, graph in enumerate(graphs):
            if len(graph) > n:
                raise ValueError(f"graph {g} has {len(graph)} nodes; this env has max_nodes={n}")
            if any(abs(x) > w for x in graph.weights.values()):
                raise ValueError(f"graph {g} has a weight beyond weight_limit={w}")
        self._adj[:] = 0
        self._ids[:] = 0
        self._weights[:] = 0
        self._degree[:] = 0
        for g, graph in enumerate(graphs):
            order = sorted(graph.weights)
            slot = {v: s for s, v in enumerate(order)}
            self._count[g] = len(order)
            for s, v in enumerate(order):
                self._ids[g, s] = v
                self._weights[g, s] = graph.weights[v]
                self._degree[g, s] = len(graph.adj[v])
                for u in graph.adj[v]:
                    self._adj[g, s, slot[u]] = 1
        self._instance = instance
        self._records = []
        self._complexity = core.complexity(self._weights, self._count, 0) + core.complexity(
            self._weights, self._count, 1
        )
        self._solved = isomorphic(*graphs)
        core.fill_mask(self._ids, self._weights, self._degree, self._adj, self._count, n, d, k, w, self._mask)
        core.fill_observation(
            self._weights, self._degree, self._adj, self._count, n,
            self._nodes, self._edges, self._node_mask, self._edge_mask,
        )  # fmt: skip

    def action_masks(self) -> np.ndarray:
        """Boolean mask of the legal actions (sb3-contrib's MaskablePPO calls this)."""
        return self._mask.copy()

    def graphs(self) -> tuple[PlumbingGraph, PlumbingGraph]:
        """The two current graphs as kernel objects (fresh copies)."""
        out = []
        for g in range(2):
            c = int(self._count[g])
            ids = [int(x) for x in self._ids[g, :c]]
            weights = {ids[s]: int(self._weights[g, s]) for s in range(c)}
            adj = {ids[s]: {ids[t] for t in np.flatnonzero(self._adj[g, s, :c])} for s in range(c)}
            out.append(PlumbingGraph(weights, adj))
        return out[0], out[1]

    def graph_data(self) -> Any:
        """The current observation as a torch-geometric ``Data`` graph (see :func:`to_pyg`)."""
        from .graph_view import to_pyg

        return to_pyg(self._observation())

    @property
    def solved(self) -> bool:
        """Whether the two current graphs are weighted-isomorphic."""
        return self._solved

    @property
    def instance(self) -> PlumbingInstance | None:
        return self._instance

    @property
    def complexity(self) -> int:
        """Ri-Putrov complexity of the current pair: 5 * nodes + sum |w| over both graphs."""
        return int(self._complexity)

    @property
    def moves(self) -> list[dict[str, Any]]:
        """The kernel moves of the legal actions played this episode."""
        return [record_to_move(r) for r in self._records]

    def certificate(self) -> dict[str, Any]:
        """The certificate of the current episode (valid once the episode is won)."""
        assert self._instance is not None
        return make_certificate(self._instance, self.moves, seed=self._seed)

    def make_certificate(
        self, instance: PlumbingInstance, moves: list[dict[str, Any]], claim: str = "homeomorphic"
    ) -> dict[str, Any]:
        """A certificate for ``instance`` built from kernel moves (used by search agents)."""
        return make_certificate(instance, moves, claim, self._seed)

    def _observation(self) -> dict[str, np.ndarray]:
        return {
            "nodes": self._nodes.copy(),
            "edges": self._edges.copy(),
            "node_mask": self._node_mask.copy(),
            "edge_mask": self._edge_mask.copy(),
        }

    def _info(self) -> dict[str, Any]:
        return {
            "action_mask": self._mask.copy(),
            "complexity": int(self._complexity),
            "nodes": (int(self._count[0]), int(self._count[1])),
        }
