"""Apply a PEFT LoRA adapter to a loaded transformers model and merge it into the weights.

``peft`` loads the adapter (``PeftModel.from_pretrained``), which injects the LoRA layers into the
target modules and loads their weights; ``merge_and_unload`` then folds ``W + (alpha / r) B A``
into each target weight and returns the plain transformers model. The backends therefore run the
same fast path as for any model (batching, prefix cache, ``logits_to_keep``), and the token
probabilities are those of the merged model.

An adapter that does not fit the model (a target module the model lacks, a weight of another
shape, adapter weights that load nowhere) is an :class:`~simbench.errors.AdapterError`.

Examples
--------
>>> import tempfile
>>> import torch
>>> from peft import LoraConfig, get_peft_model
>>> from simbench.extraction.adapters import resolve_adapter
>>> from simbench.extraction.hf.tiny import tiny_model
>>> model, _ = tiny_model()
>>> torch.manual_seed(0)  # doctest: +ELLIPSIS
<torch._C.Generator object at ...>
>>> peft_model = get_peft_model(tiny_model()[0], LoraConfig(r=4, target_modules=["q_proj", "v_proj"],
...                                                         init_lora_weights=False))
>>> folder = tempfile.mkdtemp()
>>> peft_model.save_pretrained(folder)
>>> merged = apply_lora(model, resolve_adapter(folder))
>>> type(merged).__name__, any("lora" in n for n, _ in merged.named_parameters())
('LlamaForCausalLM', False)
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from ...errors import AdapterError
from ..adapters import AdapterSpec

__all__ = ["apply_lora"]

logger = logging.getLogger(__name__)
_MISSING_KEYS = "Found missing adapter keys"


def apply_lora(model: Any, adapter: AdapterSpec) -> Any:
    """``model`` with ``adapter`` loaded by peft and merged into its weights (in eval mode).

    Raises:
        AdapterError: peft is not installed, or the adapter does not fit the model.
    """
    try:
        from peft import PeftModel
    except ImportError as e:
        raise AdapterError(f"--adapter needs peft ({e}); install it with: pip install "
                           "'simbench-eval[hf]'") from None
    where = f"adapter {adapter.id!r} (made for {adapter.base_model or 'an unnamed base model'})"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            peft_model = PeftModel.from_pretrained(model, str(adapter.path), is_trainable=False)
        except (ValueError, RuntimeError, KeyError) as e:
            raise AdapterError(f"{where} does not fit this model "
                               f"({type(model).__name__}): {_first_line(e)}") from None
    for w in caught:
        if _MISSING_KEYS in str(w.message):
            raise AdapterError(f"{where} does not fit this model ({type(model).__name__}): peft "
                               f"left LoRA weights unloaded: {_first_line(w.message)}")
        if issubclass(w.category, UserWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        else:  # the libraries' deprecation notices to each other
            logger.debug("while loading the adapter: %s", w.message)
    merged = peft_model.merge_and_unload()
    logger.info("merged LoRA adapter %s (r=%s, %s) into %s", adapter.id, adapter.rank,
                ", ".join(adapter.target_modules), type(merged).__name__)
    return merged.eval()


def _first_line(e: object) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:400] if text else type(e).__name__
