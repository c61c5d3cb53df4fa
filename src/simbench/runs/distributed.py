"""Data parallelism over processes (``torchrun --nproc_per_node N simbench run ...``).

Under ``torchrun`` (``WORLD_SIZE > 1`` in the environment) every rank loads the model, takes every
``world_size``-th remaining item (a strided shard balances prompt lengths across ranks), and streams
its predictions to its own part file (:meth:`~simbench.runs.RunFolder.part_path`); after a
barrier rank 0 merges the parts into the predictions file in item order. Synchronisation goes
through accelerate's ``PartialState`` (``cpu=True`` on CPU: the gloo backend). A single process
needs no accelerate at all.

Examples
--------
>>> ctx = DistContext.single()
>>> ctx.is_main, ctx.shard(list(range(5)))
(True, [0, 1, 2, 3, 4])
>>> DistContext(rank=1, world_size=2).shard(list(range(5)))
[1, 3]
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = ["DistContext", "init_distributed"]

T = TypeVar("T")


@dataclass(frozen=True)
class DistContext:
    """Rank, world size and the accelerate state used to synchronise (``None`` when alone).

    Attributes:
        rank: this process's global rank.
        world_size: number of processes.
        local_rank: rank on this machine (picks the GPU).
        state: the ``accelerate.PartialState``, or ``None`` for a single process.
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    state: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def single(cls) -> DistContext:
        """The context of a plain single-process run."""
        return cls()

    @property
    def is_main(self) -> bool:
        """Whether this is rank 0 (the one that writes the shared files and prints)."""
        return self.rank == 0

    def shard(self, items: Sequence[T]) -> list[T]:
        """This rank's share of ``items``: every ``world_size``-th, starting at ``rank``."""
        return list(items[self.rank::self.world_size])

    def barrier(self) -> None:
        """Wait until every rank arrives (no-op alone)."""
        if self.state is not None:
            self.state.wait_for_everyone()

    def broadcast(self, obj: Any) -> Any:
        """Rank 0's ``obj`` on every rank (picklable objects; no-op alone)."""
        if self.state is None:
            return obj
        from accelerate.utils import broadcast_object_list

        box = [obj if self.is_main else None]
        broadcast_object_list(box, from_process=0)
        return box[0]


def init_distributed(device: str = "cpu") -> DistContext:
    """Join the process group when started by ``torchrun``; a single process gets
    :meth:`DistContext.single`.

    Args:
        device: ``"cpu"`` uses accelerate's CPU (gloo) setup; otherwise each rank gets its GPU.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return DistContext.single()
    from accelerate import PartialState

    state = PartialState(cpu=device == "cpu")
    return DistContext(rank=state.process_index, world_size=state.num_processes,
                       local_rank=state.local_process_index, state=state)
