"""A restricted unpickler for the official SimBench pickles.

A pickle can run arbitrary code when loaded. The official release ships pandas DataFrames as
pickles, so this module admits only the classes that pandas and numpy need to rebuild one, plus a
handful of harmless builtins; any other global is refused with :class:`UnsafePickleError`.

Examples
--------
>>> import os, pickle, tempfile
>>> import pandas as pd
>>> from pathlib import Path
>>> tmp = tempfile.TemporaryDirectory()
>>> good, bad = Path(tmp.name) / "SimBenchPop.pkl", Path(tmp.name) / "tampered.pkl"
>>> frame = pd.DataFrame({"row_index": [0, 1], "human_answer": [{"A": 40.0}, {"A": 60.0}]})
>>> frame.columns = frame.columns.astype(object)   # as in the release (pandas 3 would use pyarrow)
>>> frame.to_pickle(good)
>>> restricted_load(good)["human_answer"].tolist()
[{'A': 40.0}, {'A': 60.0}]
>>> class Exploit:
...     def __reduce__(self):
...         return (os.system, ("echo pwned",))
>>> _ = bad.write_bytes(pickle.dumps(Exploit()))
>>> restricted_load(bad)
Traceback (most recent call last):
    ...
simbench.errors.UnsafePickleError: .../tampered.pkl: refusing to unpickle ...system: only pandas and numpy objects are allowed in a SimBench pickle (this file may be tampered with)
>>> tmp.cleanup()
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

from ..errors import UnsafePickleError

__all__ = ["UnsafePickleError", "restricted_load"]

_ALLOWED_ROOTS = ("pandas", "numpy")
_ALLOWED_BUILTINS = frozenset({
    "dict", "list", "tuple", "set", "frozenset", "slice", "range", "complex", "float", "int", "str",
    "bytes", "bytearray", "bool", "object",
})
_ALLOWED_EXTRA = frozenset({("copyreg", "_reconstructor"), ("_codecs", "encode"),
                            ("collections", "OrderedDict"), ("datetime", "datetime"),
                            ("datetime", "date"), ("datetime", "timedelta"), ("datetime", "timezone")})



class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BufferedIOBase, source: str) -> None:
        super().__init__(file)
        self._source = source

    def find_class(self, module: str, name: str) -> Any:
        root = module.split(".", 1)[0]
        if (root in _ALLOWED_ROOTS or (module == "builtins" and name in _ALLOWED_BUILTINS)
                or (module, name) in _ALLOWED_EXTRA):
            return super().find_class(module, name)
        raise UnsafePickleError(
            f"{self._source}: refusing to unpickle {module}.{name}: only pandas and numpy objects are "
            "allowed in a SimBench pickle (this file may be tampered with)"
        )


def restricted_load(path: str | Path) -> Any:
    """Load a pickle admitting only pandas and numpy classes.

    Raises:
        UnsafePickleError: when the pickle references any other global.
        pickle.UnpicklingError: when the file is truncated or not a pickle.
    """
    path = Path(path)
    with path.open("rb") as f:
        try:
            return _RestrictedUnpickler(f, str(path)).load()
        except UnsafePickleError:
            raise
        except (EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError) as e:
            raise pickle.UnpicklingError(f"{path}: not a readable pickle ({type(e).__name__}: {e})") from e
