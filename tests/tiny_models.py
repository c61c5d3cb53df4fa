"""Tiny random-weight causal LMs with trained BPE tokenizers, as session-scoped pytest fixtures.

Two families, saved with ``save_pretrained`` and meant to be reloaded with the Auto classes:

- ``tiny_llama_dir``: a Llama model; a SentencePiece-like tokenizer (Metaspace ``"▁"`` word prefix,
  punctuation isolated) that adds BOS, and a chat template that writes BOS itself, so the release
  protocol duplicates it and ``encode("A")`` is the space-prefixed piece ``"▁A"`` while the token
  after ``"("`` is the bare ``"A"``: exactly the release's faults.
- ``tiny_gpt2_dir``: a GPT-2 model (absolute positions, so left padding needs ``position_ids``);
  a byte-level BPE tokenizer without BOS and a ChatML chat template, like SmolLM2.
- ``tiny_llama_base_dir``: the Llama model and tokenizer without a chat template.

The letters A-O, ``"("`` and ``")"`` are single tokens in both. Built in well under a second from a
synthetic corpus (no benchmark data) under fixed seeds.
"""

from __future__ import annotations

import random
import string
from pathlib import Path
from typing import Any

import pytest

__all__ = ["build_tiny_model", "tiny_gpt2_dir", "tiny_llama_base_dir", "tiny_llama_dir"]

LABELS = tuple(string.ascii_uppercase[:15])
_WORDS = (
    "the people group year country you are from live in who what how often would should do not "
    "agree disagree strongly somewhat neither very much little government trust economy family "
    "work money health school vote party religion important life question answer option choose "
    "between two gambles win lose probability dollars car passengers pedestrians swerve stay lane "
    "estimate number how many cities miles height population joke funny rate scale personality "
    "describe yourself statement true false rarely always never sometimes men women young old "
    "married single urban rural income education college high age years percent think feel").split()
_CHAT_LLAMA = (
    "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n"
    "{{ m['content'] }}<|eot_id|>{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}")
_CHAT_CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def _corpus(n_lines: int = 400, seed: int = 0) -> list[str]:
    """Synthetic lines in the shape of SimBench prompts (protocol strings, options, personas)."""
    from simbench.prompts import SYSTEM_PREFIX, token_probs_ending, verbalized_ending

    rng = random.Random(seed)
    lines = []
    for i in range(n_lines):
        k = 2 + i % 14
        labels = LABELS[:k]
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 16)))
        options = "\n".join(f"({lab}): {rng.choice(_WORDS)} {rng.choice(_WORDS)}" for lab in labels)
        ending = token_probs_ending(labels) if i % 3 else verbalized_ending(labels)
        lines.append(f"{SYSTEM_PREFIX}You are {words}.\n**Question**: {words.capitalize()}?"
                     f"\n\nOptions:\n{options}\n{ending}{rng.choice(labels)})")
    lines.append(string.ascii_letters + string.digits + string.punctuation)
    return lines


def _train_tokenizer(family: str) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    specials = (["<s>", "</s>", "<unk>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
                if family == "llama" else ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    if family == "llama":
        tok = Tokenizer(models.BPE(unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first"),
            pre_tokenizers.Punctuation("isolated")])
        tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first")
        alphabet = list(string.ascii_letters + string.digits + string.punctuation + "▁\n")
    else:
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
    return tok


def _wrap_tokenizer(family: str, chat: bool) -> Any:
    from transformers import PreTrainedTokenizerFast

    raw = _train_tokenizer(family)
    if family == "llama":
        tok = PreTrainedTokenizerFast(tokenizer_object=raw, bos_token="<s>", eos_token="</s>",
                                      unk_token="<unk>")
        template = _CHAT_LLAMA
    else:
        tok = PreTrainedTokenizerFast(tokenizer_object=raw, bos_token="<|endoftext|>",
                                      eos_token="<|endoftext|>")
        template = _CHAT_CHATML
    if chat:
        tok.chat_template = template
    return tok


def _config(family: str, vocab_size: int, tok: Any) -> Any:
    from transformers import GPT2Config, LlamaConfig

    if family == "llama":
        return LlamaConfig(vocab_size=vocab_size, hidden_size=64, intermediate_size=128,
                           num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                           max_position_embeddings=4096, initializer_range=0.3,
                           bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                           tie_word_embeddings=False)
    return GPT2Config(vocab_size=vocab_size, n_embd=64, n_layer=2, n_head=4, n_positions=4096,
                      initializer_range=0.3, bos_token_id=tok.bos_token_id,
                      eos_token_id=tok.eos_token_id)


def build_tiny_model(family: str, folder: Path, *, chat: bool = True, seed: int = 0) -> Path:
    """Build a tiny ``family`` ("llama" or "gpt2") model and tokenizer and save them in ``folder``.

    >>> import tempfile
    >>> from transformers import AutoTokenizer
    >>> path = build_tiny_model("gpt2", Path(tempfile.mkdtemp()))
    >>> [len(AutoTokenizer.from_pretrained(path)(c)["input_ids"]) for c in "A(O)"]
    [1, 1, 1, 1]
    """
    import torch
    from transformers import AutoModelForCausalLM

    tok = _wrap_tokenizer(family, chat)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(_config(family, len(tok), tok))
    model.eval()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved tiny Llama model whose tokenizer has a chat template (writes BOS) and adds BOS."""
    return build_tiny_model("llama", tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def tiny_llama_base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Llama model with a tokenizer without chat template (a 'base' model)."""
    return build_tiny_model("llama", tmp_path_factory.mktemp("tiny-llama-base"), chat=False)


@pytest.fixture(scope="session")
def tiny_gpt2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved tiny GPT-2 model with a ChatML chat template and no BOS."""
    return build_tiny_model("gpt2", tmp_path_factory.mktemp("tiny-gpt2"))
