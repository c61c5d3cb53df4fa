"""The 45 results published in the SimBench paper (Hu et al. 2025, leaderboard table).

These are facts from the paper (the mean of the Pop and Grouped scores), kept as code rather than as
a data file. The paper scored instruct models with the verbalized method and base models with token
probabilities; ``model_type`` follows the model's name:

- ``instruct``: chat/instruction-tuned checkpoints (``-Instruct``, ``-IT``, ``-SFT``, ``-DPO``)
  and the API models (Claude, GPT, DeepSeek, o4-mini);
- ``base``: pretrained checkpoints (``-PT``, plain Qwen2.5/Llama-3.1/OLMo-2 names) and
  Centaur/Minitaur, fine-tunes of the *base* Llama-3.1 models on completion-style psychology
  transcripts.

Examples
--------
>>> len(PUBLISHED_RESULTS)
45
>>> PUBLISHED_RESULTS[0].model, PUBLISHED_RESULTS[0].score, PUBLISHED_RESULTS[0].method
('Claude-3.7-Sonnet', 40.8, 'verbalized')
>>> sum(r.score < 0 for r in PUBLISHED_RESULTS)  # "10 of 45 models score below the baseline"
10
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["PAPER_CITATION", "PUBLISHED_RESULTS", "PublishedResult", "UNIFORM_BASELINE",
           "below_baseline", "fmt_score"]

ModelType = Literal["base", "instruct"]

#: Where the published numbers come from.
PAPER_CITATION = "Hu et al. 2025, SimBench (arXiv 2510.17516), leaderboard"
#: The score of the uniform distribution: 0 on every study by construction.
UNIFORM_BASELINE = 0.0


def below_baseline(score: float) -> bool:
    """Whether a score is below the uniform baseline (float noise around 0 counts as 0).

    >>> below_baseline(-1e-14), below_baseline(-0.15)
    (False, True)
    """
    return round(float(score), 9) < UNIFORM_BASELINE


def fmt_score(x: float | None) -> str:
    """A score with two decimals as the paper prints it (no ``-0.00``); ``""`` for ``None``.

    >>> fmt_score(-1e-14), fmt_score(40.8), fmt_score(None)
    ('0.00', '40.80', '')
    """
    return "" if x is None else f"{round(float(x), 2) + 0.0:.2f}"


@dataclass(frozen=True)
class PublishedResult:
    """One leaderboard row of the paper.

    Attributes:
        model: the model name as printed in the paper.
        score: the SimBench score (mean of Pop and Grouped), two decimals.
        model_type: ``"base"`` or ``"instruct"``.
    """

    model: str
    score: float
    model_type: ModelType

    @property
    def method(self) -> str:
        """The elicitation method the paper used for this model type."""
        return "verbalized" if self.model_type == "instruct" else "token_probs"


_I: ModelType = "instruct"
_B: ModelType = "base"

#: The 45 published results, in the paper's (descending score) order.
PUBLISHED_RESULTS: tuple[PublishedResult, ...] = tuple(PublishedResult(m, s, t) for m, s, t in (
    ("Claude-3.7-Sonnet", 40.80, _I),
    ("Claude-3.7-Sonnet (4k thinking)", 39.46, _I),
    ("GPT-4.1", 34.55, _I),
    ("DeepSeek-R1", 34.52, _I),
    ("DeepSeek-V3-0324", 32.89, _I),
    ("o4-mini-high", 28.99, _I),
    ("Llama-3.1-405B-Instruct", 28.40, _I),
    ("o4-mini-low", 27.77, _I),
    ("Qwen2.5-72B-Instruct", 27.61, _I),
    ("Qwen2.5-32B-Instruct", 23.76, _I),
    ("Qwen2.5-14B-Instruct", 20.75, _I),
    ("OLMo-2-0325-32B-DPO", 19.80, _I),
    ("Gemma-3-12B-IT", 18.62, _I),
    ("Gemma-3-27B-IT", 18.33, _I),
    ("OLMo-2-0325-32B-Instruct", 18.32, _I),
    ("Llama-3.1-70B-Instruct", 16.56, _I),
    ("OLMo-2-0325-32B", 15.90, _B),
    ("Llama-3.1-Minitaur-8B", 14.50, _B),
    ("OLMo-2-1124-13B", 13.83, _B),
    ("Qwen2.5-72B", 13.34, _B),
    ("Qwen2.5-32B", 12.27, _B),
    ("Qwen2.5-14B", 11.92, _B),
    ("OLMo-2-0325-32B-SFT", 11.28, _I),
    ("OLMo-2-1124-13B-Instruct", 9.59, _I),
    ("OLMo-2-1124-13B-DPO", 9.42, _I),
    ("Qwen2.5-3B", 8.84, _B),
    ("Qwen2.5-7B", 8.75, _B),
    ("Llama-3.1-Centaur-70B", 8.54, _B),
    ("Gemma-3-12B-PT", 7.66, _B),
    ("Qwen2.5-7B-Instruct", 6.36, _I),
    ("Gemma-3-27B-PT", 5.53, _B),
    ("Qwen2.5-1.5B", 5.34, _B),
    ("Llama-3.1-8B", 4.12, _B),
    ("OLMo-2-1124-7B", 2.56, _B),
    ("Llama-3.1-70B", 1.21, _B),
    ("Llama-3.1-8B-Instruct", -0.15, _I),
    ("Gemma-3-4B-PT", -0.65, _B),
    ("Gemma-3-4B-IT", -1.91, _I),
    ("Qwen2.5-0.5B", -3.00, _B),
    ("OLMo-2-1124-7B-SFT", -11.36, _I),
    ("Qwen2.5-3B-Instruct", -12.04, _I),
    ("Gemma-3-1B-PT", -16.17, _B),
    ("OLMo-2-1124-7B-DPO", -19.62, _I),
    ("OLMo-2-1124-13B-SFT", -20.54, _I),
    ("OLMo-2-1124-7B-Instruct", -21.36, _I),
))
