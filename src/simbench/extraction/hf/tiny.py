"""Tiny random-weight causal LMs and a few made-up items, to try the API without downloading a model.

The models are built in memory in well under a second: a Llama (or GPT-2) configuration with hidden
size 64 and 2 layers, random weights under a fixed seed, and a small BPE tokenizer trained on
synthetic lines in the shape of SimBench prompts (no benchmark data). The letters A-O, ``"("`` and
``")"`` are single tokens. Their answers are meaningless, but every code path (chat templates,
label tokens, batching, the prefix cache, generation) runs exactly as on a real model. The doctests
of :mod:`simbench.extraction` and :mod:`simbench.prompts` use them.

- ``"llama"``: a SentencePiece-like tokenizer (Metaspace ``"▁"`` word prefix, punctuation isolated)
  that adds BOS, and a chat template that writes BOS itself (so the release protocol duplicates
  it, as the release did with Llama-3 tokenizers).
- ``"gpt2"``: a byte-level BPE tokenizer without BOS and a ChatML chat template, like SmolLM2;
  absolute positions, so left padding needs ``position_ids``.

Examples
--------
>>> model, tokenizer = tiny_model()
>>> type(model).__name__, model.config.num_hidden_layers
('LlamaForCausalLM', 2)
>>> tokenizer.convert_ids_to_tokens(tokenizer("**Answer**: (A)", add_special_tokens=False)["input_ids"])[-3:]
['(', 'A', ')']
>>> [item.item_id for item in example_items()]
['pop/0', 'pop/1', 'grouped/0']
"""

from __future__ import annotations

import functools
import random
import string
from pathlib import Path
from typing import Any, Literal

import torch
from transformers import AutoModelForCausalLM, GPT2Config, LlamaConfig, PreTrainedTokenizerFast

from ...data.schema import Item
from ...prompts import SYSTEM_PREFIX, token_probs_ending, verbalized_ending

__all__ = ["Family", "example_items", "save_tiny_model", "tiny_model", "tiny_tokenizer"]

#: The two tiny model families.
Family = Literal["llama", "gpt2"]

_LABELS = tuple(string.ascii_uppercase[:15])
_WORDS = (
    "the people group year country you are from live in who what how often would should do not "
    "agree disagree strongly somewhat neither very much little government trust economy family "
    "work money health school vote party religion important life question answer option choose "
    "between two gambles win lose probability dollars car passengers pedestrians swerve stay lane "
    "estimate number how many cities miles height population joke funny rate scale personality "
    "describe yourself statement true false rarely always never sometimes men women young old "
    "married single urban rural income education college high age years percent think feel").split()
_CHAT_TEMPLATES = {
    "llama": (
        "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>"
        "\n\n{{ m['content'] }}<|eot_id|>{% endfor %}"
        "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"),
    "gpt2": (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
        "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"),
}


def _corpus(n_lines: int = 400, seed: int = 0) -> list[str]:
    """Synthetic lines in the shape of SimBench prompts (protocol strings, options, personas)."""
    rng = random.Random(seed)
    lines = []
    for i in range(n_lines):
        labels = _LABELS[:2 + i % 14]
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 16)))
        options = "\n".join(f"({lab}): {rng.choice(_WORDS)} {rng.choice(_WORDS)}" for lab in labels)
        ending = token_probs_ending(labels) if i % 3 else verbalized_ending(labels)
        lines.append(f"{SYSTEM_PREFIX}You are {words}.\n**Question**: {words.capitalize()}?"
                     f"\n\nOptions:\n{options}\n{ending}{rng.choice(labels)})")
    lines.append(string.ascii_letters + string.digits + string.punctuation)
    return lines


@functools.cache
def _trained(family: Family) -> str:
    """The trained ``tokenizers`` tokenizer of ``family``, as JSON (training is the slow part)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    if family == "llama":
        specials = ["<s>", "</s>", "<unk>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
        tok = Tokenizer(models.BPE(unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first"),
            pre_tokenizers.Punctuation("isolated")])
        tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first")
        alphabet = list(string.ascii_letters + string.digits + string.punctuation + "▁\n")
    else:
        specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        alphabet = pre_tokenizers.ByteLevel.alphabet()
    trainer = trainers.BpeTrainer(vocab_size=700, special_tokens=specials, show_progress=False,
                                  initial_alphabet=alphabet)
    tok.train_from_iterator(_corpus(), trainer=trainer)
    if family == "llama":
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", tok.token_to_id("<s>"))])
    return str(tok.to_str())


def tiny_tokenizer(family: Family = "llama", *, chat: bool = True) -> Any:
    """A fresh transformers tokenizer of ``family``, with its chat template when ``chat``.

    >>> tiny_tokenizer().chat_template is not None, tiny_tokenizer(chat=False).chat_template
    (True, None)
    """
    from tokenizers import Tokenizer

    if family not in _CHAT_TEMPLATES:
        raise ValueError(f"family must be 'llama' or 'gpt2', got {family!r}")
    raw = Tokenizer.from_str(_trained(family))
    if family == "llama":
        tok = PreTrainedTokenizerFast(tokenizer_object=raw, bos_token="<s>", eos_token="</s>",
                                      unk_token="<unk>")
    else:
        tok = PreTrainedTokenizerFast(tokenizer_object=raw, bos_token="<|endoftext|>",
                                      eos_token="<|endoftext|>")
    if chat:
        tok.chat_template = _CHAT_TEMPLATES[family]
    return tok


def _config(family: Family, tok: Any) -> Any:
    if family == "llama":
        return LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128,
                           num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                           max_position_embeddings=4096, initializer_range=0.3,
                           bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                           tie_word_embeddings=False)
    return GPT2Config(vocab_size=len(tok), n_embd=64, n_layer=2, n_head=4, n_positions=4096,
                      initializer_range=0.3, bos_token_id=tok.bos_token_id,
                      eos_token_id=tok.eos_token_id)


def tiny_model(family: Family = "llama", *, chat: bool = True, seed: int = 0) -> tuple[Any, Any]:
    """``(model, tokenizer)``: a tiny random-weight ``family`` model in eval mode, float32, CPU."""
    tok = tiny_tokenizer(family, chat=chat)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(_config(family, tok), dtype=torch.float32)
    return model.eval(), tok


def save_tiny_model(folder: str | Path, family: Family = "llama", *, chat: bool = True,
                    seed: int = 0) -> Path:
    """Save :func:`tiny_model` to ``folder`` (``save_pretrained``), to load it by path.

    >>> import tempfile
    >>> from simbench.extraction.hf import load_model
    >>> path = save_tiny_model(tempfile.mkdtemp(), "gpt2")
    >>> loaded = load_model(str(path), device="cpu")
    >>> loaded.dtype, loaded.content_hash.startswith("files:")
    ('float32', True)
    """
    model, tok = tiny_model(family, chat=chat, seed=seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def _item(item_id: str, persona: str, question: str, texts: tuple[str, ...],
          percent: tuple[float, ...], group_size: int) -> Item:
    split, _, row = item_id.partition("/")
    labels = _LABELS[:len(texts)]
    options = "".join(f"\n({lab}): {text}" for lab, text in zip(labels, texts))
    return Item(item_id=item_id, split=split, row_index=int(row), dataset_name="Example",
                study="example", persona=persona, question=f"{question}\n\nOptions:{options}",
                option_labels=labels, option_texts=texts,
                human_dist=tuple(p / 100 for p in percent), human_percent=percent,
                group_size=group_size)


def example_items() -> list[Item]:
    """Three made-up items in the shape of SimBench's (two Pop rows and one Grouped row)."""
    return [
        _item("pop/0", "You are people who like jokes.", "How funny is this joke?",
              ("Funny", "Not funny", "Neither"), (50.0, 30.0, 20.0), 40),
        _item("pop/1", "You are people who like jokes.", "Would you tell it to a friend?",
              ("Yes", "No"), (64.0, 36.0), 40),
        _item("grouped/0", "You are young people from a city.", "Do you trust the government?",
              ("Very much", "Somewhat", "Not at all", "No opinion"), (10.0, 40.0, 35.0, 15.0), 120),
    ]
