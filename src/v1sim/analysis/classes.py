"""Cell classes: which node attribute names a cell's class, decided in one place for every stage.

Circuits name their classes differently: the Allen V1 release and the built-in column use ``pop_name``
(``e23Cux2``), bmtk's examples ``model_name`` (``Scnn1a``, ``LIF_exc``) and some circuits nothing but the node
type. With ``class_column: auto`` (config.yaml ``analysis.class_column``, ``--class-column`` on the commands)
each cell's class is its ``pop_name``, or where it has none its ``model_name``, or else its node type, written
``type_<node_type_id>``. Any other value names the column to use for every cell; numeric values are written
``<column>_<value>`` so that a class never reads back as a number. A cell without a value is ``unknown``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from v1sim.errors import V1SimInputError
from v1sim.storage import parquet_columns, read_parquet

AUTO = "auto"
#: The columns ``auto`` tries, in order, before the node type.
AUTO_COLUMNS = ("pop_name", "model_name")
NODE_TYPE_COLUMN = "node_type_id"
UNKNOWN = "unknown"
#: Other columns that label cells, suggested when an explicit class column is absent.
_OTHER_LABELS = ("ei", "location", "model_template", "population")


def source_columns(class_column: str = AUTO) -> tuple[str, ...]:
    """The node columns the classes are made from (those of ``auto`` that a table lacks are skipped)."""
    return (*AUTO_COLUMNS, NODE_TYPE_COLUMN) if class_column == AUTO else (class_column,)


def check_class_column(class_column: str, available: Iterable[str], source: str | Path | None) -> None:
    """Refuse an explicit ``class_column`` that is not among the ``available`` columns of ``source``."""
    names = set(available)
    if class_column != AUTO and class_column not in names:
        usual = [c for c in (*AUTO_COLUMNS, NODE_TYPE_COLUMN, *_OTHER_LABELS) if c in names]
        raise V1SimInputError(
            source,
            "analysis.class_column",
            f"no column {class_column!r} (choose auto or a column such as {', '.join(usual)})",
        )


def _labels(values: pd.Series, prefix: str) -> pd.Series:
    """Values as class names: strings unchanged, numbers ``<prefix><value>``, missing or empty → NaN."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = pd.to_numeric(values, errors="coerce")
        integral = numbers.notna() & (numbers == np.round(numbers))
        text = numbers.map(lambda v: f"{v:g}" if np.isfinite(v) else "")
        text[integral] = numbers[integral].map(lambda v: str(int(v)))
        return (prefix + text).where(numbers.notna())
    text = values.astype("string").str.strip()
    return text.where(text.notna() & (text != "")).astype(object)


def cell_classes(
    nodes: pd.DataFrame, class_column: str = AUTO, source: str | Path | None = None
) -> pd.Series:
    """The class name of every row of ``nodes`` (a nodes table of the convert stage), as strings.

    ``auto``: ``pop_name``, else ``model_name``, else ``type_<node_type_id>``, per cell. Any other value: that
    column (an input error naming ``source`` when the table lacks it). Cells left without a name: ``unknown``.
    """
    if class_column == AUTO:
        classes = pd.Series(np.nan, index=nodes.index, dtype=object)
        for column in AUTO_COLUMNS:
            if column in nodes:
                classes = classes.fillna(_labels(nodes[column], f"{column}_"))
        if NODE_TYPE_COLUMN in nodes:
            classes = classes.fillna(_labels(nodes[NODE_TYPE_COLUMN], "type_"))
    else:
        check_class_column(class_column, nodes.columns, source)
        classes = _labels(nodes[class_column], f"{class_column}_")
    return classes.fillna(UNKNOWN).astype(str).rename("cell_class")


def read_cells(
    path: str | Path,
    columns: Sequence[str],
    class_column: str = AUTO,
    optional: Sequence[str] = (),
) -> pd.DataFrame:
    """``columns`` of a convert-stage nodes.parquet, the ``optional`` ones as NaN where the table lacks them,
    and ``cell_class`` (:func:`cell_classes`); one-line input errors for a missing file or required column."""
    path = Path(path)
    names = set(parquet_columns(path))
    missing = [c for c in columns if c not in names]
    if missing:
        raise V1SimInputError(
            path, "columns", f"not a nodes table of the convert stage (no column {missing[0]!r})"
        )
    check_class_column(class_column, names, path)
    wanted = list(dict.fromkeys([*columns, *optional, *source_columns(class_column)]))
    nodes = read_parquet(path, columns=[c for c in wanted if c in names])
    nodes["cell_class"] = cell_classes(nodes, class_column, path)
    for column in optional:
        if column not in nodes:
            nodes[column] = np.nan
    return nodes[[*dict.fromkeys([*columns, *optional]), "cell_class"]]
