"""The Submit tab: check an uploaded bundled submission, and open its pull request.

:func:`check_upload` runs :func:`simbench.leaderboard.prepare_submission` (the validation, re-scoring
and pull-request plan of ``simbench submit``) on the uploaded file. A rejected file gets every
problem listed; an accepted one its recomputed score, and the leaderboard pull request it would
open. :func:`open_pull_request` opens it when the Space has a token; otherwise the page tells the
submitter to run ``simbench submit`` (which also opens the model repository's pull request).

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> tmp = tempfile.TemporaryDirectory()
>>> broken = Path(tmp.name) / "broken.json"
>>> _ = broken.write_text('{"schema_version": 1, "run": {}, "predictions": [')
>>> check = check_upload(broken, [], leaderboard_repo="me/board")
>>> check.ok, check.problems[0][:33]
(False, 'broken.json: not valid JSON (Expe')
>>> print(upload_markdown(check, can_open_pr=False).splitlines()[0])
### Rejected: 1 problems in `broken.json`
>>> tmp.cleanup()
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...data import Item
from ...errors import SubmissionError
from .. import SubmissionPlan, fmt_score, prepare_submission, upload_submission

__all__ = ["UploadCheck", "check_upload", "open_pull_request", "upload_markdown"]

logger = logging.getLogger(__name__)

_PLACEHOLDER_REPO = "<leaderboard dataset repository>"


@dataclass(frozen=True)
class UploadCheck:
    """The outcome of checking an uploaded submission.

    Attributes:
        name: the uploaded file's name.
        problems: every problem (empty when accepted).
        results: the recomputed results (``None`` when rejected).
        plan: the pull request(s) it would open (``None`` when rejected).
        leaderboard_repo: the repository the pull request goes to (``None``: not configured).
    """

    name: str
    problems: tuple[str, ...]
    results: dict[str, Any] | None
    plan: SubmissionPlan | None
    leaderboard_repo: str | None

    @property
    def ok(self) -> bool:
        return not self.problems and self.results is not None


def check_upload(path: str | os.PathLike[str], items: Sequence[Item], *,
                 leaderboard_repo: str | None, n_resamples: int = 1000,
                 seed: int = 0) -> UploadCheck:
    """Validate and re-score an uploaded bundled submission (or run folder).

    Never raises for a bad submission: its problems are returned.
    """
    p = Path(path)
    repo = leaderboard_repo or _PLACEHOLDER_REPO
    try:
        plan, results = prepare_submission(p, leaderboard_repo=repo, model_repo=None,
                                           items=items, n_resamples=n_resamples, seed=seed)
    except SubmissionError as e:
        return UploadCheck(p.name, tuple(e.problems), None, None, leaderboard_repo)
    return UploadCheck(p.name, (), results, plan, leaderboard_repo)


def upload_markdown(check: UploadCheck, *, can_open_pr: bool) -> str:
    """The Submit tab's answer: the problems, or the recomputed score and what happens next."""
    if not check.ok:
        lines = [f"### Rejected: {len(check.problems)} problems in `{check.name}`", "",
                 "Every problem is listed; fix them all and upload again.", ""]
        return "\n".join(lines + [f"- {p}" for p in check.problems])
    res = check.results or {}
    splits = res.get("splits", {})
    parts = [f"{s.capitalize()} {fmt_score(v['score'])}" for s, v in splits.items()]
    lines = [f"### Accepted: recomputed SimBench score {fmt_score(res['simbench_score'])}", "",
             f"95% CI [{fmt_score(res.get('low'))}, {fmt_score(res.get('high'))}]; "
             + "; ".join(parts) + f"; {res['failures']['n_failed']} failed items scored as uniform."
             + " Every number was recomputed here from the per-item predictions.", ""]
    entry = check.plan.leaderboard.files[0][0] if check.plan is not None else "?"
    cli = (f"`simbench submit {check.name} --leaderboard {check.leaderboard_repo or 'OWNER/NAME'}`"
           " (token from `$HF_TOKEN` or `hf auth login`; it also opens the pull request with "
           "`.eval_results/simbench.yaml` on the model repository)")
    if can_open_pr:
        lines.append(f"Press **Open the pull request** to add `{entry}` to "
                     f"`{check.leaderboard_repo}`, or submit from the command line: {cli}.")
    else:
        lines.append("This Space has no token to open pull requests with, so submit from the "
                     f"command line: {cli}. It adds `{entry}` to the leaderboard repository.")
    return "\n".join(lines)


def open_pull_request(check: UploadCheck, *, token: str) -> str:
    """Open the leaderboard pull request of an accepted check; returns its URL.

    Raises:
        SubmissionError: the check was not accepted or has no repository.
    """
    if not check.ok or check.plan is None or not check.leaderboard_repo:
        raise SubmissionError(["only an accepted submission with a leaderboard repository can "
                               "be submitted"], check.name)
    infos = upload_submission(check.plan, token=token)
    url = str(getattr(infos[0], "pr_url", None) or infos[0])
    logger.info("opened %s", url)
    return url
