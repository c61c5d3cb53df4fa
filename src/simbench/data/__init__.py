"""The SimBench data layer: item schema, release readers, study registry, Hub folder builder."""

from .load import (
    DATA_ENV_VAR,
    HUB_REPO_ID,
    DataNotFoundError,
    DataSource,
    load_items,
    resolve_source,
    select_items,
)
from .readers import read_csv, read_jsonl, read_parquet, read_pickle, read_release_file
from .registry import SPLITS, STUDIES, Study, get_study, study_slug
from .schema import (
    DataError,
    Item,
    item_from_release_row,
    make_item_id,
    parse_item_id,
    parse_options,
)
from .unpickle import UnsafePickleError, restricted_load

__all__ = [
    "DATA_ENV_VAR",
    "HUB_REPO_ID",
    "SPLITS",
    "STUDIES",
    "DataError",
    "DataNotFoundError",
    "DataSource",
    "Item",
    "Study",
    "UnsafePickleError",
    "get_study",
    "item_from_release_row",
    "load_items",
    "make_item_id",
    "parse_item_id",
    "parse_options",
    "read_csv",
    "read_jsonl",
    "read_parquet",
    "read_pickle",
    "read_release_file",
    "resolve_source",
    "restricted_load",
    "select_items",
    "study_slug",
]
