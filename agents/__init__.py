"""Agents that win rigorgym games: baselines now, learned policies in later issues."""

from .base import Agent, SolveResult
from .registry import AGENTS, make_agent

__all__ = ["AGENTS", "Agent", "SolveResult", "make_agent"]
