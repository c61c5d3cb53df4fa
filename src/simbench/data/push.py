"""Upload a built dataset folder to the Hugging Face Hub.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> tmp = tempfile.TemporaryDirectory()
>>> folder = Path(tmp.name)
>>> (folder / "jester").mkdir()
>>> _ = (folder / "README.md").write_text("---\\nconfigs: []\\n---\\n")
>>> _ = (folder / "jester" / "pop.parquet").write_bytes(b"PAR1" * 4)
>>> _ = (folder / "notes.txt").write_text("not uploaded")
>>> plan_upload(folder)                          # what `simbench data push --dry-run` lists
[('README.md', 20), ('jester/pop.parquet', 16)]
>>> push_folder(folder, "me/SimBench")  # needs the network  # doctest: +SKIP
CommitInfo(commit_url='https://huggingface.co/datasets/me/SimBench/commit/...', ...)
>>> plan_upload(folder / "jester")
Traceback (most recent call last):
    ...
FileNotFoundError: .../jester has no README.md: build it first with 'simbench data build'
>>> tmp.cleanup()
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["plan_upload", "push_folder"]

_ALLOWED_SUFFIXES = {".parquet", ".md", ".json"}


def plan_upload(folder: str | Path) -> list[tuple[str, int]]:
    """The files a push would commit, as ``(path_in_repo, size_in_bytes)`` sorted by path.

    Raises:
        FileNotFoundError: when ``folder`` has no ``README.md`` (not a built folder).
    """
    folder = Path(folder)
    if not (folder / "README.md").is_file():
        raise FileNotFoundError(f"{folder} has no README.md: build it first with 'simbench data build'")
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix in _ALLOWED_SUFFIXES]
    return [(p.relative_to(folder).as_posix(), p.stat().st_size) for p in files]


def push_folder(folder: str | Path, repo_id: str, *, create_pr: bool = False,
                private: bool = False, token: str | None = None) -> Any:
    """Create the dataset repo if needed and commit the folder's files in one commit.

    The token comes from ``token``, ``$HF_TOKEN`` or the ``huggingface-cli login`` cache.
    Returns huggingface_hub's ``CommitInfo``.
    """
    from huggingface_hub import CommitOperationAdd, HfApi

    folder = Path(folder)
    ops = [CommitOperationAdd(path_in_repo=rel, path_or_fileobj=str(folder / rel))
           for rel, _ in plan_upload(folder)]
    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    return api.create_commit(repo_id, operations=ops, repo_type="dataset", create_pr=create_pr,
                             commit_message=f"Upload SimBench configs ({len(ops)} files)")
