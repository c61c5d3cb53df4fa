"""Render an item's prompt for a tokenizer: plain text for base models, chat template for chat models.

Two protocols:

- ``"default"`` (corrected): chat models get the chat template with the generation prompt, the
  answer prefix ``"("`` opening the assistant turn, and the text is tokenized without adding
  special tokens (the template carries its own BOS, as in ``apply_chat_template(tokenize=True)``).
- ``"release"``: the original release's behaviour, for reproducing published numbers: the chat
  template *without* the generation prompt, tokenized with default special tokens (so a template
  that writes BOS gets a second one).

Base models (or ``prompt_mode="base"``) get ``system + "\\n" + user`` tokenized with the
tokenizer's default special tokens under both protocols.

Examples
--------
>>> from simbench.extraction.hf.tiny import example_items, tiny_tokenizer
>>> item = example_items()[0]
>>> chat = PromptRenderer.create(tiny_tokenizer())
>>> chat.mode, chat.add_special_tokens
('chat', False)
>>> chat.text(item)[-70:]  # the generation prompt, then the answer prefix "("
'*Answer**: (<|eot_id|><|start_header_id|>assistant<|end_header_id|>\\n\\n('
>>> PromptRenderer.create(tiny_tokenizer(), protocol="release").text(item)[-22:]  # no generation prompt
'*Answer**: (<|eot_id|>'
>>> base = PromptRenderer.create(tiny_tokenizer(chat=False))
>>> base.mode, base.text(item).endswith("**Answer**: (")
('base', True)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..choices import (
    METHODS,
    PROMPT_MODES,
    PROTOCOLS,
    RESOLVED_PROMPT_MODES,
    Method,
    PromptMode,
    Protocol,
    ResolvedPromptMode,
    check_choice,
)
from ..errors import ExtractionError, OptionError
from .protocol import ANSWER_PREFIX, base_prompt_text, system_text, user_text

if TYPE_CHECKING:
    from ..data.schema import Item

__all__ = [
    "PromptRenderer",
    "chat_template_hash",
    "has_chat_template",
    "resolve_prompt_mode",
]

def has_chat_template(tokenizer: Any) -> bool:
    """Whether ``tokenizer`` carries a chat template."""
    return bool(getattr(tokenizer, "chat_template", None))


def resolve_prompt_mode(tokenizer: Any, prompt_mode: str = "auto") -> ResolvedPromptMode:
    """Return ``"chat"`` or ``"base"`` for ``prompt_mode`` (``"auto"``, ``"chat"`` or ``"base"``).

    Raises:
        OptionError: (a :class:`ValueError`) for an unknown mode, or ``"chat"`` with a tokenizer
            that has no chat template.

    >>> class Tok:  # any object with a ``chat_template`` attribute
    ...     chat_template = None
    >>> resolve_prompt_mode(Tok(), "auto")
    'base'
    """
    mode = check_choice(prompt_mode, PROMPT_MODES, "prompt_mode")
    if mode == "auto":
        return "chat" if has_chat_template(tokenizer) else "base"
    if mode == "chat" and not has_chat_template(tokenizer):
        raise OptionError("prompt_mode='chat' needs a tokenizer with a chat template; this one has "
                         "none (use prompt_mode='base' for plain-text prompts)")
    return mode


def chat_template_hash(tokenizer: Any) -> str | None:
    """sha256 (hex) of the tokenizer's chat template, or ``None`` when it has none."""
    template = getattr(tokenizer, "chat_template", None)
    if not template:
        return None
    text = template if isinstance(template, str) else json.dumps(template, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PromptRenderer:
    """Renders items to the exact prompt text and token ids for one tokenizer.

    Build it with :meth:`create`, which resolves ``prompt_mode="auto"``.

    Attributes:
        tokenizer: a transformers tokenizer.
        mode: ``"chat"`` or ``"base"`` (resolved).
        protocol: ``"default"`` or ``"release"``.
        method: ``"token_probs"`` or ``"verbalized"``.
    """

    tokenizer: Any
    mode: ResolvedPromptMode
    protocol: Protocol = "default"
    method: Method = "token_probs"

    def __post_init__(self) -> None:
        check_choice(self.mode, RESOLVED_PROMPT_MODES, "mode")
        check_choice(self.protocol, PROTOCOLS, "protocol")
        check_choice(self.method, METHODS, "method")

    @classmethod
    def create(cls, tokenizer: Any, *, prompt_mode: PromptMode | str = "auto",
               protocol: Protocol | str = "default",
               method: Method | str = "token_probs") -> PromptRenderer:
        """A renderer with ``prompt_mode`` resolved against ``tokenizer``."""
        return cls(tokenizer, resolve_prompt_mode(tokenizer, prompt_mode),
                   check_choice(protocol, PROTOCOLS, "protocol"),
                   check_choice(method, METHODS, "method"))

    @property
    def add_special_tokens(self) -> bool:
        """Whether tokenizing the prompt text adds the tokenizer's special tokens (BOS)."""
        return not (self.mode == "chat" and self.protocol == "default")

    def messages(self, item: Item) -> list[dict[str, str]]:
        """The system and user messages of ``item``."""
        return [
            {"role": "system", "content": system_text(item.persona)},
            {"role": "user", "content": user_text(item.question, item.option_labels, self.method)},
        ]

    def text(self, item: Item) -> str:
        """The exact prompt text for ``item`` (what :func:`~simbench.extraction.prompt_hash` hashes)."""
        if self.mode == "base":
            return base_prompt_text(item.persona, item.question, item.option_labels, self.method)
        generation_prompt = self.protocol == "default" or self.method == "verbalized"
        rendered = self.tokenizer.apply_chat_template(
            self.messages(item), tokenize=False, add_generation_prompt=generation_prompt)
        if not isinstance(rendered, str):
            raise ExtractionError(f"the tokenizer's apply_chat_template returned "
                                  f"{type(rendered).__name__}, expected str")
        if self.protocol == "default" and self.method == "token_probs":
            rendered += ANSWER_PREFIX
        return rendered

    def token_ids(self, text: str) -> list[int]:
        """Tokenize a prompt text as this mode and protocol prescribe."""
        ids = self.tokenizer(text, add_special_tokens=self.add_special_tokens)["input_ids"]
        return [int(i) for i in ids]
