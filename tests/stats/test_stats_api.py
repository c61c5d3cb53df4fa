"""The public face of ``simbench.stats``: a sorted ``__all__`` of names that exist."""

from __future__ import annotations

import simbench.report
import simbench.stats


def test_all_is_sorted_and_complete():
    for module in (simbench.stats, simbench.report):
        assert module.__all__ == sorted(module.__all__)
        for name in module.__all__:
            assert getattr(module, name) is not None
