"""``compile=True``: the model's element-wise hot spots compiled with ``torch.compile``.

On CPU a small model's float32 forward spends part of its time outside the matmuls, in the
MLP's SiLU and product and the RMSNorms' power, mean, rsqrt and products, each a separate pass
over memory (about 11% of a 4 x 256-token SmolLM2 forward, 6.6% of the engine's time with its
prefix cache: ``benchmarks/README.md``, "Session 4"). Compiling the modules whose class name ends in ``MLP`` or ``RMSNorm`` (with
dynamic shapes, so one graph serves every batch shape) fuses those passes, while attention and
the KV cache logic stay eager. Dynamic shapes alone still specialize a size of 1 (a batch of one
row, a suffix of one token) and so compile up to four graphs per module class, each one seconds of
compilation inside the run; the calls are therefore compiled and run under torch's
``backed_size_oblivious`` setting (set for these calls only), which makes one graph serve sizes 1
and up. On SmolLM2-135M in float32 on the 2-core benchmark machine this
took about 6 s to compile and made the forward 1.19x faster, equal to eager to 1e-6
(``benchmarks/README.md``); on an AVX2-only EPYC the forward gained 7-15% and the engine on 250
items 0.96x-1.05x, since the fused work is little of its time. Compiling whole decoder layers,
or the whole model, was faster still but compiles for about a minute and traces the cache
objects.
"""

from __future__ import annotations

import shutil
from typing import Any

from ...errors import OptionError

__all__ = ["COMPILED_SUFFIXES", "compile_hot_modules"]

#: Class-name endings of the modules compiled (``LlamaMLP``, ``Qwen2RMSNorm``, ...).
COMPILED_SUFFIXES = ("MLP", "RMSNorm")


def compile_hot_modules(model: Any) -> list[str]:
    """Compile ``model``'s MLP and RMSNorm modules in place; return their class names, sorted
    and deduplicated (a module inside one already compiled is left to its parent).

    Raises:
        OptionError: when the model has no such module, or no C++ compiler is installed
            (torch's CPU code generator needs one).
    """
    device = str(next(model.parameters()).device)
    if device == "cpu" and not any(shutil.which(c) for c in ("c++", "g++", "clang++")):
        raise OptionError("compile: torch.compile on CPU needs a C++ compiler (c++, g++ or "
                          "clang++) on PATH; install one or leave compile off")
    compiled: list[str] = []
    names: set[str] = set()
    for name, module in model.named_modules():
        cls = type(module).__name__
        if not cls.endswith(COMPILED_SUFFIXES):
            continue
        if any(name.startswith(prefix + ".") for prefix in compiled):
            continue
        _compile_forward(module)
        compiled.append(name)
        names.add(cls)
    if not compiled:
        raise OptionError(f"compile: {type(model).__name__} has no module whose class name ends "
                          f"in {' or '.join(COMPILED_SUFFIXES)}; leave compile off for it")
    return sorted(names)


def _compile_forward(module: Any) -> None:
    """Replace ``module.forward`` with its compiled form, called with one graph for all sizes."""
    import torch
    from torch.fx.experimental import _config as fx_config

    graph = torch.compile(module.forward, dynamic=True)

    def forward(*args: Any, **kwargs: Any) -> Any:
        with fx_config.patch(backed_size_oblivious=True):  # type: ignore[attr-defined]
            return graph(*args, **kwargs)

    module.forward = forward
