"""The SimBench prompt protocol: exact strings, and rendering for base and chat models.

Examples
--------
>>> from simbench.prompts import SYSTEM_PREFIX, token_probs_ending
>>> SYSTEM_PREFIX
'You are a group of individuals with these shared characteristics:\\n'
>>> token_probs_ending(["A", "B", "C"])[-22:]
'A, B, C.\\n**Answer**: ('
"""

from __future__ import annotations

from .permute import (
    PermutationSpec,
    cyclic_orders,
    permute_item,
    random_orders,
    to_original,
)
from .protocol import (
    ANSWER_PREFIX,
    QUESTION_PREFIX,
    SYSTEM_PREFIX,
    base_prompt_text,
    ending,
    system_text,
    token_probs_ending,
    user_text,
    verbalized_ending,
)
from .render import (
    PromptRenderer,
    chat_template_hash,
    has_chat_template,
    resolve_prompt_mode,
)

__all__ = [
    "ANSWER_PREFIX",
    "PermutationSpec",
    "PromptRenderer",
    "QUESTION_PREFIX",
    "SYSTEM_PREFIX",
    "base_prompt_text",
    "chat_template_hash",
    "cyclic_orders",
    "ending",
    "has_chat_template",
    "permute_item",
    "random_orders",
    "resolve_prompt_mode",
    "system_text",
    "to_original",
    "token_probs_ending",
    "user_text",
    "verbalized_ending",
]
