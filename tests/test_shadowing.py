"""No folder may shadow the package: ``import simbench`` from beside a data folder named ``simbench``.

``simbench data build --out simbench`` writes a folder of parquet files without ``__init__.py``.
Under setuptools' default editable install (an import hook), Python's path finder returns such a
folder in the working directory as a namespace package before the hook is asked, and
``simbench.STUDIES`` is then an ``AttributeError``. The path-based editable install that
``scripts/setup.sh`` does (``editable_mode=compat``) and a regular install put the real package on
``sys.path``, where a regular package wins over namespace portions.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def test_a_data_folder_named_simbench_does_not_shadow_the_package(tmp_path: Path) -> None:
    data = tmp_path / "simbench" / "moral_machine"
    data.mkdir(parents=True)
    pq.write_table(pa.table({"item_id": ["pop/0"], "n": [1]}), data / "pop.parquet")
    (tmp_path / "simbench" / "README.md").write_text("---\nconfigs: []\n---\n", encoding="utf-8")

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [sys.executable, "-c",
         "import simbench; print(simbench.STUDIES[0].slug); print(simbench.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

    assert out.returncode == 0, out.stderr
    slug, origin = out.stdout.split()
    assert slug == "afrobarometer"
    assert Path(origin).name == "__init__.py" and not Path(origin).is_relative_to(tmp_path)
