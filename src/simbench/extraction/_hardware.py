"""Does this CPU compute bfloat16 natively? The test behind ``dtype="auto-fast"`` (no torch needed).

``auto`` stays exact: float32 on a CPU. ``auto-fast`` is the user asking for speed: it picks
bfloat16 on a CPU only where the hardware has bfloat16 dot-product instructions
(:data:`NATIVE_BF16_FLAGS`: AVX512_BF16 or AMX-BF16 on x86, as ``/proc/cpuinfo`` lists them). Without
them torch emulates bfloat16 through float32 conversions and is no faster, often slower, than
float32, so ``auto-fast`` keeps float32 there. On the development machine (AMD EPYC with
AVX512_BF16) ``F.linear`` at SmolLM2's shapes runs 2.9 times faster in bfloat16; the fidelity cost
is measured in ``docs/extraction.md``. Other architectures (ARM's ``bf16``) are not claimed until
measured: ``auto-fast`` keeps float32 there.

Examples
--------
>>> native_bf16({"avx512f", "avx512_bf16"}), native_bf16({"avx512f", "avx2"})
(True, False)
>>> fast_cpu_dtype({"amx_bf16", "amx_tile"}), fast_cpu_dtype(set())
('bfloat16', 'float32')
>>> sorted(parse_cpu_flags("processor : 0\\nflags : fpu avx2 avx512_bf16\\n"))
['avx2', 'avx512_bf16', 'fpu']
>>> isinstance(cpu_flags(), frozenset)  # this machine's flags (empty where unreadable)
True
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = ["NATIVE_BF16_FLAGS", "cpu_flags", "fast_cpu_dtype", "native_bf16", "parse_cpu_flags"]

#: CPU flags (``/proc/cpuinfo``) meaning bfloat16 matrix products run in hardware.
NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")
_CPUINFO = Path("/proc/cpuinfo")


def parse_cpu_flags(cpuinfo: str) -> frozenset[str]:
    """The flags of the first ``flags`` line of a ``/proc/cpuinfo`` text (empty when none)."""
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def cpu_flags(path: str | Path = _CPUINFO) -> frozenset[str]:
    """This CPU's flags, read from ``path``; empty where the file cannot be read (not Linux)."""
    try:
        return parse_cpu_flags(Path(path).read_text(errors="replace"))
    except OSError:
        return frozenset()


def native_bf16(flags: Iterable[str] | None = None) -> bool:
    """Whether ``flags`` (default: this CPU's) include a native bfloat16 instruction set."""
    have = cpu_flags() if flags is None else frozenset(flags)
    return any(f in have for f in NATIVE_BF16_FLAGS)


def fast_cpu_dtype(flags: Iterable[str] | None = None) -> str:
    """``"bfloat16"`` on a CPU with native bfloat16, else ``"float32"`` (what ``auto-fast`` picks)."""
    return "bfloat16" if native_bf16(flags) else "float32"
