"""The batched trainers' masked categorical: the fused log-prob/entropy equals autograd's, the sampler stays legal."""

from __future__ import annotations

import pytest
import torch
from rigorgym.agents.algos.masked import (
    log_prob_and_entropy,
    masked_entropy,
    masked_log_probs,
    sample_masked,
)


def _batch(rows: int, actions: int, density: float, seed: int, dtype: torch.dtype = torch.float32) -> tuple:
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(rows, actions, generator=gen, dtype=dtype) * 3
    mask = torch.rand(rows, actions, generator=gen) < density
    mask[torch.arange(rows), torch.randint(actions, (rows,), generator=gen)] = True  # every row has a legal action
    legal = mask.float() / mask.float().sum(1, keepdim=True)
    taken = torch.multinomial(legal, 1, generator=gen).squeeze(1)
    return logits, mask, taken


@pytest.mark.parametrize("density", [0.02, 0.3, 1.0])
def test_fused_values_and_gradients_equal_autograd(density: float) -> None:
    logits, mask, taken = _batch(64, 200, density, seed=1)
    weights = torch.randn(64), torch.randn(64)
    reference = logits.clone().requires_grad_(True)
    log_probs = masked_log_probs(reference, mask)
    logp_ref = log_probs.gather(1, taken[:, None]).squeeze(1)
    entropy_ref = masked_entropy(log_probs, mask)
    ((logp_ref * weights[0]).sum() + (entropy_ref * weights[1]).sum()).backward()
    fused = logits.clone().requires_grad_(True)
    logp, entropy = log_prob_and_entropy(fused, mask, taken)
    ((logp * weights[0]).sum() + (entropy * weights[1]).sum()).backward()
    assert torch.allclose(logp, logp_ref, atol=1e-5)
    assert torch.allclose(entropy, entropy_ref, atol=1e-4)
    assert fused.grad is not None and reference.grad is not None
    assert torch.allclose(fused.grad, reference.grad, atol=1e-5)
    assert bool((fused.grad[~mask] == 0).all()), "an illegal action got a gradient"


def test_fused_backward_passes_gradcheck_in_double_precision() -> None:
    logits, mask, taken = _batch(6, 9, 0.5, seed=2, dtype=torch.float64)
    logits.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x: log_prob_and_entropy(x, mask, taken), (logits,))


def test_one_legal_action_has_log_prob_zero_and_no_entropy() -> None:
    logits = torch.randn(3, 5, requires_grad=True)
    mask = torch.zeros(3, 5, dtype=torch.bool)
    mask[:, 2] = True
    logp, entropy = log_prob_and_entropy(logits, mask, torch.full((3,), 2))
    assert torch.allclose(logp, torch.zeros(3)) and torch.allclose(entropy, torch.zeros(3), atol=1e-6)
    (logp.sum() + entropy.sum()).backward()
    assert logits.grad is not None and bool(torch.isfinite(logits.grad).all())


def test_sampler_returns_legal_actions_with_the_softmax_frequencies() -> None:
    torch.manual_seed(0)
    rows = 100_000
    logits = torch.tensor([[0.0, 5.0, 2.0, -1.0, 1.0]]).repeat(rows, 1)
    mask = torch.tensor([[True, False, True, True, False]]).repeat(rows, 1)
    action, logp = sample_masked(logits, mask)
    assert bool(mask.gather(1, action[:, None]).all())
    expected = torch.softmax(logits[0].masked_fill(~mask[0], float("-inf")), -1)
    frequencies = torch.bincount(action, minlength=5).float() / rows
    assert torch.allclose(frequencies, expected, atol=0.006)
    assert torch.allclose(logp, expected.log()[action])


def test_sampler_never_picks_an_illegal_action_on_sparse_extreme_rows() -> None:
    logits, mask, _ = _batch(2_000, 300, 0.01, seed=3)
    logits[:, ::7] = 80.0  # huge logits on (mostly illegal) columns: the CDF has long flat steps
    logits[:, -1] = 1e4
    for seed in range(5):
        torch.manual_seed(seed)
        action, logp = sample_masked(logits, mask)
        assert bool(mask.gather(1, action[:, None]).all())
        assert bool(torch.isfinite(logp).all())
