"""The masked categorical of the batched trainers: log-probabilities, entropy and sampling over legal actions only.

On UnKnot-v0 a policy has 2,293 actions, most of them illegal in any state,
so every op over the ``(batch, n_actions)`` logits is a pass over millions of
floats; on a CPU these elementwise passes, not the matrix products, were the
cost of a PPO update (measured with cProfile: ``masked_fill``, ``exp``,
``log_softmax`` and their autograd backward took over half of it). Two
things keep the passes few:

* :class:`LogProbEntropy` gives what a policy-gradient loss needs (the
  log-probability of the taken action and the entropy of each row) with a
  hand-written backward of five in-place passes, instead of autograd's chain
  of a dozen. Same values and gradients as
  ``masked_log_probs(...).gather(...)`` and :func:`masked_entropy` (tested,
  double precision, ``gradcheck``);
* :func:`sample_masked` draws from ``softmax`` of the masked logits by
  inverse CDF (one cumulative sum and one ``searchsorted``) rather than the
  Gumbel-max trick's two logarithms of a full uniform matrix.

Illegal actions get the logit ``-inf`` (:data:`MASKED`): exactly probability 0.
``softmax`` and ``log_softmax`` handle ``-inf`` on their fast path; a plain
``exp`` of ``-inf`` (or of a very negative float) does not (measured 20-50 ms
against 3-4 ms on a 2,048 x 2,293 batch), which is why the entropy below is
computed as ``lse - sum(p * logits)`` from ``softmax`` rather than from
``exp(log_probs)``.

The same categorical over each row's legal actions only (:class:`Legal`, the
legal actions of every row in CSR form, and a flat vector of their logits):
:func:`ragged_log_prob_entropy` and :func:`ragged_sample`. Kirby-Plumbing has
6,016 actions of which a few hundred are legal, and a dense ``(2048, 6016)``
float tensor is 49 MB: past glibc's mmap threshold every such allocation
faults its pages in anew, and each elementwise pass costs 20 ms instead of 1
(measured); the per-row loops are numba (no ``(batch, actions)`` tensor, no
per-entry row index), the exponentials torch's vectorised ``exp``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import torch
from numba import njit

#: the logit of an illegal action: probability exactly 0
MASKED = float("-inf")


def masked_log_probs(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Log-probabilities with illegal actions at probability exactly 0 (``mask`` rows have a legal action)."""
    return torch.log_softmax(logits.masked_fill(~mask, MASKED), dim=-1)


def masked_entropy(log_probs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The entropy of each row over its legal actions (illegal ones add exactly 0, and no NaN to the gradient)."""
    return -(log_probs.exp() * log_probs.masked_fill(~mask, 0.0)).sum(-1)


class LogProbEntropy(torch.autograd.Function):
    """``(log p(action), entropy)`` per row of masked logits, with a fused backward.

    With ``p = softmax(z)``, ``z`` the logits with illegal entries at
    ``-inf``, ``lse = logsumexp(z)`` and ``H = lse - sum(p * logits)``:
    ``d log p(a) / d logits = onehot(a) - p`` and
    ``d H / d logits = -p * (logits - lse + H)`` (zero on illegal entries,
    where ``p`` is 0). ``logits`` are finite, so no ``0 * inf`` appears.
    """

    @staticmethod
    def forward(ctx: Any, logits: torch.Tensor, mask: torch.Tensor, actions: torch.Tensor) -> Any:
        z = logits.masked_fill(~mask, MASKED)
        log_probs = torch.log_softmax(z, dim=-1)
        probs = torch.softmax(z, dim=-1)
        taken = actions[:, None]
        logp = log_probs.gather(1, taken).squeeze(1)
        lse = logits.gather(1, taken).squeeze(1) - logp  # the taken action is legal: a finite log-probability
        entropy = lse - torch.linalg.vecdot(probs, logits)
        ctx.save_for_backward(logits, probs, lse, entropy, actions)
        return logp, entropy

    @staticmethod
    def backward(ctx: Any, grad_logp: torch.Tensor, grad_entropy: torch.Tensor) -> Any:
        logits, probs, lse, entropy, actions = ctx.saved_tensors
        grad = logits + (entropy - lse)[:, None]
        grad.mul_(grad_entropy[:, None]).add_(grad_logp[:, None]).mul_(probs).neg_()
        grad.scatter_add_(1, actions[:, None], grad_logp[:, None])
        return grad, None, None


def log_prob_and_entropy(
    logits: torch.Tensor, mask: torch.Tensor, actions: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(log p(actions), entropy)`` of the masked categorical, per row; ``actions`` must be legal."""
    logp, entropy = LogProbEntropy.apply(logits, mask, actions)
    return logp, entropy


def sample_masked(logits: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One legal action per row and its log-probability, by inverse CDF of the masked softmax.

    Rounding can put the uniform draw past the last cumulative sum, or land
    it on an illegal action's flat step of the CDF; both are sent to the row's
    last legal action at or before the found index, so an illegal action is
    never returned (the caller still checks).
    """
    z = logits.masked_fill(~mask, MASKED)
    log_probs = torch.log_softmax(z, dim=-1)
    cdf = torch.softmax(z, dim=-1).cumsum_(-1)
    u = torch.rand((len(cdf), 1), device=cdf.device, dtype=cdf.dtype) * cdf[:, -1:]
    action = torch.searchsorted(cdf, u, right=True).squeeze(1).clamp_(max=cdf.shape[1] - 1)
    legal = mask.gather(1, action[:, None]).squeeze(1)
    if not bool(legal.all()):  # rare: fall back to the last legal action at or before the index
        for row in torch.nonzero(~legal).flatten().tolist():
            options = torch.nonzero(mask[row, : int(action[row]) + 1]).flatten()
            if len(options) == 0:
                options = torch.nonzero(mask[row]).flatten()
            action[row] = options[-1]
    return action, log_probs.gather(1, action[:, None]).squeeze(1)


def sampling_mask(mask: np.ndarray) -> np.ndarray:
    """The mask with action 0 allowed in rows with no legal action (ended episodes, whose action is ignored)."""
    empty = ~mask.any(1)
    if empty.any():
        mask = mask.copy()
        mask[empty, 0] = True
    return mask


# -- the categorical over each row's legal actions only ---------------------------------------------------


class Legal(NamedTuple):
    """Each row's legal actions, ascending, and where their logits go (CSR).

    Row ``b``'s actions are ``actions[start[b] : start[b] + n_b]``, ``n_b = rowptr[b + 1] - rowptr[b]``,
    and their logits ``z[rowptr[b] : rowptr[b + 1]]`` of a flat vector. ``start`` lets a minibatch
    name its rows' lists in a larger batch's ``actions`` without copying them (:func:`take_rows`).
    """

    rowptr: np.ndarray  # (B + 1,) int64
    actions: np.ndarray  # (nnz,) int32
    start: np.ndarray  # (B,) int64

    @property
    def rows(self) -> int:
        return len(self.rowptr) - 1


@njit(cache=True)
def _legal_lists(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows, width = mask.shape
    rowptr = np.zeros(rows + 1, np.int64)
    for b in range(rows):
        count = 0
        for a in range(width):
            count += mask[b, a]
        rowptr[b + 1] = rowptr[b] + count
    actions = np.empty(rowptr[rows], np.int32)
    for b in range(rows):
        i = rowptr[b]
        for a in range(width):
            if mask[b, a]:
                actions[i] = a
                i += 1
    return rowptr, actions


def legal_lists(mask: np.ndarray) -> Legal:
    """The :class:`Legal` lists of a ``(B, n_actions)`` boolean mask."""
    rowptr, actions = _legal_lists(np.ascontiguousarray(mask, dtype=np.bool_))
    return Legal(rowptr, actions, rowptr[:-1].copy())


def concat_legal(parts: list[Legal]) -> Legal:
    """The lists of several batches, one after another (row ``b`` of part ``k`` after the rows of parts ``< k``)."""
    sizes = np.cumsum([0] + [len(p.actions) for p in parts[:-1]])
    logits = np.cumsum([0] + [int(p.rowptr[-1]) for p in parts[:-1]])
    rowptr = np.concatenate([np.zeros(1, np.int64)] + [p.rowptr[1:] + o for p, o in zip(parts, logits, strict=True)])
    start = np.concatenate([p.start + o for p, o in zip(parts, sizes, strict=True)])
    return Legal(rowptr, np.concatenate([p.actions for p in parts]), start)


def take_rows(legal: Legal, rows: np.ndarray) -> Legal:
    """The lists of ``rows`` (indices into ``legal``'s rows), in that order: no copy of the actions."""
    rows = np.asarray(rows, np.int64)
    counts = legal.rowptr[rows + 1] - legal.rowptr[rows]
    return Legal(np.concatenate([np.zeros(1, np.int64), np.cumsum(counts)]), legal.actions, legal.start[rows])


@njit(cache=True)
def _positions(rowptr: np.ndarray, actions: np.ndarray, start: np.ndarray, taken: np.ndarray) -> np.ndarray:
    out = np.full(len(taken), -1, np.int64)
    for b in range(len(taken)):
        first = start[b]
        last = first + rowptr[b + 1] - rowptr[b]
        lo, hi = first, last
        while lo < hi:  # binary search: the lists are ascending
            mid = (lo + hi) // 2
            if actions[mid] < taken[b]:
                lo = mid + 1
            else:
                hi = mid
        if lo < last and actions[lo] == taken[b]:
            out[b] = lo - first
    return out


def positions(legal: Legal, taken: np.ndarray) -> np.ndarray:
    """Where each row's ``taken`` action sits in its list (``-1``: not a legal action of the row)."""
    return _positions(legal.rowptr, legal.actions, legal.start, np.asarray(taken, np.int64))


def chosen(legal: Legal, position: np.ndarray) -> np.ndarray:
    """The actions at ``position`` in each row's list (int64)."""
    return legal.actions[legal.start + position].astype(np.int64)


@njit(cache=True)
def _shift_by_row_max(z: np.ndarray, rowptr: np.ndarray, shifted: np.ndarray) -> None:
    for b in range(len(rowptr) - 1):
        top = -np.inf
        for i in range(rowptr[b], rowptr[b + 1]):
            top = max(top, z[i])
        for i in range(rowptr[b], rowptr[b + 1]):
            shifted[i] = z[i] - top


@njit(cache=True, fastmath=True)
def _row_sums(
    e: np.ndarray, s: np.ndarray, rowptr: np.ndarray, taken: np.ndarray, out: np.ndarray
) -> None:  # out[:, 0] log p(taken), out[:, 1] entropy, out[:, 2] log(sum e)
    for b in range(len(rowptr) - 1):
        total, dot = 0.0, 0.0
        for i in range(rowptr[b], rowptr[b + 1]):
            total += e[i]
            dot += e[i] * s[i]
        log_total = math.log(total)
        out[b, 0] = s[rowptr[b] + taken[b]] - log_total
        out[b, 1] = log_total - dot / total
        out[b, 2] = log_total


@njit(cache=True, fastmath=True)
def _row_grads(
    e: np.ndarray,
    s: np.ndarray,
    rowptr: np.ndarray,
    taken: np.ndarray,
    sums: np.ndarray,
    grad_logp: np.ndarray,
    grad_entropy: np.ndarray,
    grad: np.ndarray,
) -> None:
    for b in range(len(rowptr) - 1):
        log_total, entropy = sums[b, 2], sums[b, 1]
        inv_total = math.exp(-log_total)
        scale, shift = grad_entropy[b], grad_logp[b] + grad_entropy[b] * (entropy - log_total)
        for i in range(rowptr[b], rowptr[b + 1]):
            grad[i] = -e[i] * inv_total * (scale * s[i] + shift)
        grad[rowptr[b] + taken[b]] += grad_logp[b]


class RaggedLogProbEntropy(torch.autograd.Function):
    """:class:`LogProbEntropy` on a flat vector of legal logits (CSR rows), ``taken`` a position in each row.

    With ``s = z - max`` per row, ``T = sum exp(s)``: ``log p(taken) = s - log T``,
    ``H = log T - sum(exp(s) s) / T``; the gradient is the dense one's
    restricted to the legal entries (the illegal ones get 0 there).
    """

    @staticmethod
    def forward(ctx: Any, z: torch.Tensor, rowptr: torch.Tensor, taken: torch.Tensor) -> Any:
        zc = z.detach().contiguous()
        shifted = torch.empty_like(zc)
        ptr = rowptr.numpy()
        _shift_by_row_max(zc.numpy(), ptr, shifted.numpy())
        e = torch.exp(shifted)
        sums = torch.empty((len(ptr) - 1, 3), dtype=zc.dtype)
        _row_sums(e.numpy(), shifted.numpy(), ptr, taken.numpy(), sums.numpy())
        ctx.save_for_backward(e, shifted, rowptr, taken, sums)
        return sums[:, 0].clone(), sums[:, 1].clone()

    @staticmethod
    def backward(ctx: Any, grad_logp: torch.Tensor, grad_entropy: torch.Tensor) -> Any:
        e, shifted, rowptr, taken, sums = ctx.saved_tensors
        grad = torch.empty_like(e)
        _row_grads(
            e.numpy(), shifted.numpy(), rowptr.numpy(), taken.numpy(), sums.numpy(),
            grad_logp.to(e.dtype).contiguous().numpy(), grad_entropy.to(e.dtype).contiguous().numpy(), grad.numpy(),
        )  # fmt: skip
        return grad, None, None


def ragged_log_prob_entropy(
    z: torch.Tensor, rowptr: np.ndarray, taken: np.ndarray
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(log p(taken), entropy)`` per row of the categorical over each row's legal logits (CPU).

    ``z``: the logits of :class:`Legal` ``actions`` (flat), ``rowptr`` its rows,
    ``taken`` the position of the taken action in each row's list (every row
    non-empty). Same values and gradients as :func:`log_prob_and_entropy` on
    the dense masked logits (tested).
    """
    if len(rowptr) > 1 and int(np.diff(rowptr).min()) < 1:
        raise ValueError("every row needs a legal action (see sampling_mask)")
    ptr, pos = torch.from_numpy(np.asarray(rowptr, np.int64)), torch.from_numpy(np.asarray(taken, np.int64))
    logp, entropy = RaggedLogProbEntropy.apply(z, ptr, pos)
    return logp, entropy


@njit(cache=True)
def _row_draw(e: np.ndarray, s: np.ndarray, rowptr: np.ndarray, u: np.ndarray, out: np.ndarray) -> np.ndarray:
    pos = np.empty(len(rowptr) - 1, np.int64)
    for b in range(len(rowptr) - 1):
        lo, hi = rowptr[b], rowptr[b + 1]
        total = 0.0
        for i in range(lo, hi):
            total += e[i]
        target, running, pick = u[b] * total, 0.0, hi - 1
        for i in range(lo, hi):
            running += e[i]
            if running > target:
                pick = i
                break
        pos[b] = pick - lo
        out[b] = s[pick] - math.log(total)
    return pos


def ragged_sample(z: torch.Tensor, rowptr: np.ndarray) -> tuple[np.ndarray, torch.Tensor]:
    """One position per row in its legal list, drawn from the softmax of its logits, and its log-probability.

    Inverse CDF over the row's legal actions in ascending order, one
    ``torch.rand`` per row (the dense sampler's draw, :func:`sample_masked`):
    the same action up to rounding at the CDF's steps.
    """
    zc = z.detach().contiguous()
    shifted = torch.empty_like(zc)
    _shift_by_row_max(zc.numpy(), rowptr, shifted.numpy())
    e = torch.exp(shifted)
    u = torch.rand((len(rowptr) - 1, 1), dtype=zc.dtype).reshape(-1)
    logp = torch.empty(len(rowptr) - 1, dtype=zc.dtype)
    pos = _row_draw(e.numpy(), shifted.numpy(), rowptr, u.numpy(), logp.numpy())
    return pos, logp


__all__ = [
    "MASKED",
    "Legal",
    "LogProbEntropy",
    "RaggedLogProbEntropy",
    "chosen",
    "concat_legal",
    "legal_lists",
    "positions",
    "ragged_log_prob_entropy",
    "ragged_sample",
    "take_rows",
    "log_prob_and_entropy",
    "masked_entropy",
    "masked_log_probs",
    "sample_masked",
    "sampling_mask",
]
