"""Low-level readers shared by the node and edge readers: HDF5 files and space-delimited types CSVs."""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from v1sim.errors import V1SimInputError
from v1sim.storage import CORRUPT, checked_h5

#: bmtk 1.2 reads types tables with ``pd.read_csv(path, sep=" ", na_values="NONE")`` (pandas' default missing
#: markers, among them ``NULL``, ``None`` and the empty field, apply as well).
BMTK_TYPES_SEPARATOR = " "
BMTK_TYPES_NA_VALUES = "NONE"
_ONE_SPACE_HINT = (
    "each space separates two fields, as bmtk reads it: a trailing space, or an unquoted value with a space?"
)


def open_h5(path: Path, what: str) -> contextlib.AbstractContextManager[h5py.File]:
    """Open an HDF5 file for reading (``with open_h5(...) as h5``), turning every failure — a missing or
    unreadable file, a read that fails its checksum — into a one-line input error."""
    return checked_h5(path, what)


def integer_dataset(
    group: h5py.Group, name: str, path: Path, *, required: bool = True
) -> h5py.Dataset | None:
    """Return the 1-D integer dataset ``group/name``; error if it is missing (when required) or not integer."""
    field = f"{group.name}/{name}"
    if name not in group:
        if required:
            raise V1SimInputError(path, field, "required dataset is missing")
        return None
    dataset = group[name]
    if not isinstance(dataset, h5py.Dataset):
        raise V1SimInputError(path, field, "expected a dataset, found a group")
    if not np.issubdtype(dataset.dtype, np.integer):
        raise V1SimInputError(path, field, f"expected an integer dtype, found {dataset.dtype}")
    if dataset.ndim != 1:
        raise V1SimInputError(path, field, f"expected a 1-D dataset, found shape {dataset.shape}")
    return dataset


def read_dataset(dataset: h5py.Dataset, path: Path, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Read ``dataset[start:stop]``; a short read from a truncated file, or a chunk whose checksum fails,
    becomes an input error naming the dataset."""
    try:
        return dataset[start:stop]
    except (RuntimeError, ValueError) as exc:
        raise V1SimInputError(path, dataset.name, f"cannot read data, truncated file? ({exc})") from None
    except OSError as exc:
        raise V1SimInputError(path, dataset.name, f"{CORRUPT} ({exc})") from None


def read_types_csv(path: Path, id_column: str) -> pd.DataFrame:
    """Read a SONATA node- or edge-types table exactly as bmtk 1.2 reads it, one row per type id.

    bmtk's call (``bmtk.utils.sonata.utils.load_csv``) is ``pd.read_csv(path, sep=' ', na_values='NONE')``:
    every single space separates two fields, so two spaces in a row hold an empty value; values may be
    double-quoted (and then hold spaces); ``NONE``, ``NULL``, ``None``, ``NaN`` and empty fields are missing
    values. A table bmtk would misread (a row with more fields than the header, which pandas then takes for
    an index) or cannot use (no integer id column, a repeated id) is an input error naming the file.
    """
    if not path.is_file():
        raise V1SimInputError(path, None, "types file not found")
    try:
        table = pd.read_csv(path, sep=BMTK_TYPES_SEPARATOR, na_values=BMTK_TYPES_NA_VALUES)
    except pd.errors.ParserError as exc:
        reason = " ".join(str(exc).split()).removeprefix("Error tokenizing data. C error: ")
        raise V1SimInputError(
            path, None, f"not a space-delimited types table ({reason}; {_ONE_SPACE_HINT})"
        ) from None
    except UnicodeDecodeError as exc:
        raise V1SimInputError(path, None, f"not a text types table ({exc.reason})") from None
    except pd.errors.EmptyDataError:
        raise V1SimInputError(path, None, "types file is empty") from None
    longer = _first_row_longer_than_header(path)
    if longer is not None:
        # pandas then takes the leading column for an index and shifts every other column: bmtk misreads it.
        raise V1SimInputError(
            path, None, f"line {longer} has more fields than the header ({_ONE_SPACE_HINT})"
        )
    if id_column not in table.columns:
        found = ", ".join(map(str, table.columns))
        tabs = any("\t" in str(column) for column in table.columns)
        hint = "; the table is tab-delimited, SONATA types tables are space-delimited" if tabs else ""
        raise V1SimInputError(path, id_column, f"column is missing (found: {found}){hint}")
    ids = table[id_column]
    if len(ids) and not pd.api.types.is_integer_dtype(ids):
        numeric = pd.to_numeric(ids, errors="coerce")
        bad = numeric.isna() | (numeric != numeric.round())
        row = int(np.argmax(bad.to_numpy())) if bad.any() else 0
        raise V1SimInputError(
            path, id_column, f"expected integer type ids, found {ids.iloc[row]!r} on line {row + 2}"
        )
    duplicated = ids[ids.duplicated()]
    if len(duplicated):
        raise V1SimInputError(path, id_column, f"type id {int(duplicated.iloc[0])} appears more than once")
    table[id_column] = ids.astype(np.int64)
    return table.set_index(id_column, drop=False)


def _first_row_longer_than_header(path: Path) -> int | None:
    """Line number of the first data row when it has more fields than the header, else None."""
    with path.open(newline="", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=BMTK_TYPES_SEPARATOR, quotechar='"')
        rows = []
        for row in reader:
            if row:  # pandas skips blank lines
                rows.append((reader.line_num, len(row)))
            if len(rows) == 2:
                break
    if len(rows) == 2 and rows[1][1] > rows[0][1]:
        return rows[1][0]
    return None


def decode_strings(values: np.ndarray) -> np.ndarray:
    """Turn HDF5 byte strings into Python strings; leave other arrays alone."""
    if values.dtype.kind == "S" or (
        values.dtype.kind == "O" and len(values) and isinstance(values.flat[0], bytes)
    ):
        return np.char.decode(values.astype("S"), "utf-8").astype(object)
    return values
