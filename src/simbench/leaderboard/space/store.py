"""Where the Space reads its data, and the board it keeps (reloaded on a button or a schedule).

The submissions come from a local folder (``$SIMBENCH_SUBMISSIONS_DIR``, for tests and offline
use) or from the ``submissions/`` folder of the leaderboard dataset repository, downloaded with
``huggingface_hub.snapshot_download`` (``$SIMBENCH_SUBMISSIONS_REPO`` or the repository the Space
was generated for). The benchmark items used to validate and re-score them come from
``$SIMBENCH_DATA`` or the Hub, as everywhere in simbench.

Examples
--------
>>> cfg = SpaceConfig.from_env({"SIMBENCH_SUBMISSIONS_DIR": "subs", "SIMBENCH_N_RESAMPLES": "200"})
>>> cfg.submissions_dir, cfg.n_resamples, cfg.reload_minutes
(PosixPath('subs'), 200, 30.0)
>>> SpaceConfig.from_env({"SIMBENCH_N_RESAMPLES": "many"})
Traceback (most recent call last):
    ...
simbench.errors.LeaderboardError: $SIMBENCH_N_RESAMPLES: 'many' is not a whole number
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ...data import Item
from ...errors import LeaderboardError
from .entries import BoardEntry, Rejected, ScoreCache, published_entries, rank_entries
from .entries import scan_submissions as _scan

__all__ = ["ENV_VARS", "BoardState", "BoardStore", "SpaceConfig"]

logger = logging.getLogger(__name__)

#: The environment variables the Space reads, and what each sets.
ENV_VARS: Mapping[str, str] = {
    "SIMBENCH_SUBMISSIONS_DIR": "a local folder of submissions (instead of the Hub repository)",
    "SIMBENCH_SUBMISSIONS_REPO": "the leaderboard dataset repository id (submissions/ is read)",
    "SIMBENCH_DATA": "the SimBench release folder (default: the Hub dataset)",
    "SIMBENCH_N_RESAMPLES": "bootstrap resamples for the intervals (default 1000, as the build)",
    "SIMBENCH_RELOAD_MINUTES": "reload the submissions when older than this (default 30; 0: never)",
    "SIMBENCH_REPORT_RESAMPLES": "bootstrap resamples for the per-model report plots (default 200)",
    "HF_TOKEN": "a token that may open pull requests on the leaderboard repository (optional)",
}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise LeaderboardError(f"${name}: {raw!r} is not a whole number") from None
    if value < 0:
        raise LeaderboardError(f"${name}: {value} is negative")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise LeaderboardError(f"${name}: {raw!r} is not a number") from None
    if not value >= 0:
        raise LeaderboardError(f"${name}: {raw!r} must be 0 or more")
    return value


@dataclass(frozen=True)
class SpaceConfig:
    """What the Space reads and how it scores (see :data:`ENV_VARS`).

    Attributes:
        submissions_dir: a local submissions folder; wins over ``submissions_repo``.
        submissions_repo: the leaderboard dataset repository id.
        data: the SimBench data folder or file (``None``: ``$SIMBENCH_DATA``, then the Hub).
        n_resamples, seed: the bootstrap of the recomputed intervals (as ``leaderboard build``).
        reload_minutes: the age after which the submissions are reloaded (0: only on the button).
        report_resamples: bootstrap resamples of the per-model report plots.
        token: the token for opening pull requests from the Submit tab (``None``: the tab tells
            the submitter to use the command line).
    """

    submissions_dir: Path | None = None
    submissions_repo: str | None = None
    data: str | None = None
    n_resamples: int = 1000
    seed: int = 0
    reload_minutes: float = 30.0
    report_resamples: int = 200
    token: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *,
                 submissions_repo: str | None = None) -> SpaceConfig:
        """Read the configuration from the environment (``os.environ`` by default);
        ``submissions_repo`` is the default repository (the one the Space was generated for)."""
        env = os.environ if environ is None else environ
        folder = env.get("SIMBENCH_SUBMISSIONS_DIR", "").strip()
        return cls(
            submissions_dir=Path(folder).expanduser() if folder else None,
            submissions_repo=env.get("SIMBENCH_SUBMISSIONS_REPO", "").strip() or submissions_repo,
            data=env.get("SIMBENCH_DATA", "").strip() or None,
            n_resamples=_int(env, "SIMBENCH_N_RESAMPLES", 1000),
            reload_minutes=_float(env, "SIMBENCH_RELOAD_MINUTES", 30.0),
            report_resamples=_int(env, "SIMBENCH_REPORT_RESAMPLES", 200),
            token=env.get("HF_TOKEN", "").strip() or None,
        )

    @property
    def origin(self) -> str:
        """Where the submissions come from, in words."""
        if self.submissions_dir is not None:
            return f"local folder {self.submissions_dir}"
        if self.submissions_repo:
            return f"dataset {self.submissions_repo} (submissions/)"
        return "no submissions source configured"


@dataclass(frozen=True)
class BoardState:
    """The board at one moment: ranked entries (published and accepted submissions), the rejected
    submissions, when and from where it was loaded, and the error when the source failed."""

    entries: tuple[BoardEntry, ...]
    rejected: tuple[Rejected, ...]
    loaded_at: str
    origin: str
    error: str | None = None
    version: int = 0

    @property
    def n_submitted(self) -> int:
        return sum(e.source == "submitted" for e in self.entries)

    def entry(self, key: str) -> BoardEntry | None:
        """The entry with this :attr:`BoardEntry.key`."""
        return next((e for e in self.entries if e.key == key), None)


class BoardStore:
    """Loads the items once, fetches and re-scores the submissions, and keeps the current board.

    Thread-safe: the app's callbacks call :meth:`state` and :meth:`reload` from worker threads.
    """

    def __init__(self, config: SpaceConfig, items: Sequence[Item] | None = None) -> None:
        self.config = config
        self._items = list(items) if items is not None else None
        self._cache = ScoreCache()
        self._lock = threading.RLock()
        self._state: BoardState | None = None
        self._loaded = 0.0

    def items(self) -> list[Item]:
        """The full benchmark items (both splits), loaded on first use."""
        with self._lock:
            if self._items is None:
                from ...data import load_items

                self._items = load_items("both", source=self.config.data)
            return self._items

    def submissions_folder(self) -> Path:
        """The local submissions folder, downloading ``submissions/`` of the repository if needed.

        Raises:
            LeaderboardError: no source configured, or the folder does not exist.
        """
        cfg = self.config
        if cfg.submissions_dir is not None:
            if not cfg.submissions_dir.is_dir():
                raise LeaderboardError(f"$SIMBENCH_SUBMISSIONS_DIR: no folder {cfg.submissions_dir}")
            return cfg.submissions_dir
        if not cfg.submissions_repo:
            raise LeaderboardError("no submissions source: set $SIMBENCH_SUBMISSIONS_DIR or "
                                   "$SIMBENCH_SUBMISSIONS_REPO")
        from huggingface_hub import snapshot_download

        path = Path(snapshot_download(cfg.submissions_repo, repo_type="dataset",
                                      allow_patterns=["submissions/**"], token=cfg.token))
        (path / "submissions").mkdir(exist_ok=True)  # an empty repository has none yet
        return path

    def reload(self) -> BoardState:
        """Fetch and re-score the submissions now (unchanged files come from the cache)."""
        with self._lock:
            started = time.monotonic()
            published = published_entries()
            try:
                scan = _scan(self.submissions_folder(), self.items(),
                             n_resamples=self.config.n_resamples, seed=self.config.seed,
                             cache=self._cache)
                submitted, rejected, error = list(scan.entries), scan.rejected, None
            except Exception as e:  # the Hub or the folder failed: show the published rows
                logger.exception("could not load the submissions")
                submitted, rejected, error = [], (), f"{type(e).__name__}: {e}"
            version = (self._state.version + 1) if self._state is not None else 1
            self._state = BoardState(
                tuple(rank_entries(published + submitted)), tuple(rejected),
                datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
                self.config.origin, error, version)
            self._loaded = time.monotonic()
            logger.info("board loaded in %.1f s: %d rows", self._loaded - started,
                        len(self._state.entries))
            return self._state

    def state(self) -> BoardState:
        """The current board, reloaded first when it is older than ``reload_minutes``."""
        with self._lock:
            stale = (self.config.reload_minutes > 0
                     and time.monotonic() - self._loaded > 60 * self.config.reload_minutes)
            if self._state is None or stale:
                return self.reload()
            return self._state
