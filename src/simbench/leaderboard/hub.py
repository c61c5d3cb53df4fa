"""The files a submission commits to the Hub, and the upload as pull requests.

Two commits, each opened as a pull request (``HfApi.create_commit(..., create_pr=True)``):

(a) to the leaderboard **dataset** repository: ``submissions/<model>/<timestamp>.json``, the bundled
    submission (``run`` + ``predictions``) plus the ``results`` recomputed here;
(b) to the **model** repository: ``.eval_results/simbench.yaml`` in the Hub's evaluation-results
    format (one entry per task id ``simbench``, ``pop``, ``grouped``), built with
    ``huggingface_hub.EvalResultEntry``.

Examples
--------
>>> entry_path_for("HuggingFaceTB/SmolLM2-135M-Instruct", "2026-11-27T08:00:00Z")
'submissions/HuggingFaceTB__SmolLM2-135M-Instruct/2026-11-27T08-00-00Z.json'
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..data.load import HUB_REPO_ID
from .bundle import SUBMISSION_SCHEMA_VERSION
from .published import fmt_score
from .submission import ValidatedSubmission

__all__ = [
    "EVAL_RESULTS_PATH",
    "CommitPlan",
    "SubmissionPlan",
    "build_entry",
    "default_model_repo",
    "entry_bytes",
    "entry_path_for",
    "eval_results_yaml",
    "plan_submission",
    "upload_submission",
    "utc_now",
]

logger = logging.getLogger(__name__)

#: Where the evaluation results go in the model repository.
EVAL_RESULTS_PATH = ".eval_results/simbench.yaml"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def utc_now() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_path_for(model_id: str, submitted_at: str) -> str:
    """``submissions/<model>/<timestamp>.json`` with path-safe model and time stamps."""
    model = _UNSAFE.sub("-", model_id.strip("/").replace("/", "__")).strip("-") or "model"
    stamp = _UNSAFE.sub("-", submitted_at.replace(":", "-"))
    return f"submissions/{model}/{stamp}.json"


def build_entry(sub: ValidatedSubmission, results: dict[str, Any],
                submitted_at: str) -> dict[str, Any]:
    """The leaderboard entry: the bundled submission plus the recomputed results."""
    return {
        "schema_version": SUBMISSION_SCHEMA_VERSION,
        "results": {**results, "submitted_at": submitted_at},
        "run": sub.run.model_dump(mode="json"),
        "predictions": [r.model_dump(mode="json", exclude_none=True) for r in sub.rows],
    }


def entry_bytes(entry: dict[str, Any]) -> bytes:
    """Serialise an entry: readable header, one prediction per line, ending in a newline."""
    head = {k: v for k, v in entry.items() if k != "predictions"}
    lines = ["{"]
    for key, value in head.items():
        text = json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)
        lines.append(f"  {json.dumps(key)}: " + text.replace("\n", "\n  ") + ",")
    preds = [json.dumps(r, ensure_ascii=False, allow_nan=False, separators=(", ", ": "))
             for r in entry["predictions"]]
    lines.append('  "predictions": [')
    lines.extend(f"    {p}," for p in preds[:-1])
    if preds:
        lines.append(f"    {preds[-1]}")
    lines += ["  ]", "}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def eval_results_yaml(results: dict[str, Any], sub: ValidatedSubmission, *, dataset_id: str,
                      source_url: str, date: str) -> bytes:
    """``.eval_results/simbench.yaml``: task ids ``simbench`` (both splits), ``pop``, ``grouped``."""
    import yaml

    run = sub.run
    interval = results.get("interval", {})
    level = int(round(100 * float(interval.get("level", 0.95))))

    def entry(task_id: str, block: dict[str, Any], score_key: str) -> dict[str, Any]:
        ci = ""
        if block.get("low") is not None:
            ci = f"; {level}% CI [{fmt_score(block['low'])}, {fmt_score(block['high'])}]"
        notes = (f"method={run.method_label}; protocol={run.protocol}; model revision="
                 f"{run.model.revision or run.model.content_hash}{ci}; recomputed by "
                 f"simbench-eval {results['computed_with']['simbench']}")
        return {"dataset_id": dataset_id, "task_id": task_id,
                "value": round(float(block[score_key]), 2), "date": date,
                "source_url": source_url, "source_name": "SimBench leaderboard submission",
                "notes": notes}

    # The headline is the mean of both split scores: a one-split submission reports its split only.
    entries = [entry("simbench", results, "simbench_score")] if len(sub.splits) == 2 else []
    entries += [entry(split, results["splits"][split], "score") for split in sub.splits]
    text = yaml.safe_dump(_eval_result_dicts(entries), sort_keys=False, allow_unicode=True)
    return text.encode("utf-8")


def _eval_result_dicts(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Serialise with ``huggingface_hub.EvalResultEntry`` (huggingface_hub >= 1.3), else by hand
    in the same layout (``dataset: {id, task_id}``, ``value``, ``date``, ``source``, ``notes``)."""
    try:
        from huggingface_hub import EvalResultEntry, eval_result_entries_to_yaml
    except ImportError:  # an older huggingface_hub: the documented layout, written directly
        return [{"dataset": {"id": e["dataset_id"], "task_id": e["task_id"]}, "value": e["value"],
                 "date": e["date"], "source": {"url": e["source_url"], "name": e["source_name"]},
                 "notes": e["notes"]} for e in entries]
    out: list[dict[str, Any]] = eval_result_entries_to_yaml([EvalResultEntry(**e)
                                                             for e in entries])
    return out


@dataclass(frozen=True)
class CommitPlan:
    """One pull request: the repository, its type, the files (path -> bytes) and the messages."""

    repo_id: str
    repo_type: str
    files: tuple[tuple[str, bytes], ...]
    title: str
    description: str

    def operations(self) -> list[Any]:
        """The ``huggingface_hub.CommitOperationAdd`` list for ``create_commit``."""
        from huggingface_hub import CommitOperationAdd

        return [CommitOperationAdd(path_in_repo=p, path_or_fileobj=data) for p, data in self.files]


@dataclass(frozen=True)
class SubmissionPlan:
    """Everything a submission uploads: (a) the leaderboard entry, (b) the model's eval results."""

    leaderboard: CommitPlan
    model: CommitPlan | None


def default_model_repo(model_id: str) -> str | None:
    """The model id when it looks like a Hub repository id (and is not a local folder)."""
    if _HUB_ID.match(model_id) and not Path(model_id).exists():
        return model_id
    return None


def plan_submission(sub: ValidatedSubmission, results: dict[str, Any], *, leaderboard_repo: str,
                    model_repo: str | None, dataset_id: str = HUB_REPO_ID,
                    submitted_at: str | None = None) -> SubmissionPlan:
    """Build the two pull requests of a submission (nothing is uploaded)."""
    submitted_at = submitted_at or utc_now()
    path = entry_path_for(sub.run.model.id, submitted_at)
    data = entry_bytes(build_entry(sub, results, submitted_at))
    score = results["simbench_score"]
    title = f"SimBench submission: {sub.run.model.id} ({fmt_score(score)})"
    desc = (f"SimBench score {fmt_score(score)} for `{sub.run.model.id}` ({sub.run.method_label}, "
            f"protocol {sub.run.protocol}), recomputed from {len(sub.rows)} per-item predictions "
            f"by simbench-eval {results['computed_with']['simbench']}.")
    board = CommitPlan(leaderboard_repo, "dataset", ((path, data),), title, desc)
    if model_repo is None:
        return SubmissionPlan(board, None)
    date = (sub.run.finished_at or sub.run.created_at or submitted_at)[:10]
    source = f"https://huggingface.co/datasets/{leaderboard_repo}/blob/main/{path}"
    yml = eval_results_yaml(results, sub, dataset_id=dataset_id, source_url=source, date=date)
    model = CommitPlan(model_repo, "model", ((EVAL_RESULTS_PATH, yml),),
                       f"Add SimBench evaluation results ({fmt_score(score)})", desc)
    return SubmissionPlan(board, model)


def upload_submission(plan: SubmissionPlan, *, token: str | None = None) -> list[Any]:
    """Open the pull requests. The token comes from ``token``, ``$HF_TOKEN`` or ``hf auth login``.

    Returns:
        huggingface_hub ``CommitInfo`` objects (their ``pr_url`` links the pull requests).
    """
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    out = []
    for commit in (plan.leaderboard, plan.model):
        if commit is None:
            continue
        logger.info("opening a pull request on %s %s", commit.repo_type, commit.repo_id)
        out.append(api.create_commit(commit.repo_id, operations=commit.operations(),
                                     commit_message=commit.title,
                                     commit_description=commit.description,
                                     repo_type=commit.repo_type, create_pr=True))
    return out
