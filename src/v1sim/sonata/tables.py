"""Low-level readers shared by the node and edge readers: HDF5 files and space-delimited types CSVs."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from v1sim.errors import V1SimInputError


def open_h5(path: Path, what: str) -> h5py.File:
    """Open an HDF5 file for reading, turning every failure into a one-line input error."""
    if not path.is_file():
        raise V1SimInputError(path, None, f"{what} not found")
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        reason = str(exc).split("(")[0].strip() or "unreadable"
        raise V1SimInputError(
            path, None, f"not a readable HDF5 file, truncated or corrupt? ({reason})"
        ) from None


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
    """Read ``dataset[start:stop]``; a short read from a truncated file becomes an input error."""
    try:
        return dataset[start:stop]
    except (OSError, RuntimeError, ValueError) as exc:
        raise V1SimInputError(path, dataset.name, f"cannot read data, truncated file? ({exc})") from None


def read_types_csv(path: Path, id_column: str) -> pd.DataFrame:
    """Read a SONATA node- or edge-types table (space-delimited, one row per type id)."""
    if not path.is_file():
        raise V1SimInputError(path, None, "types file not found")
    try:
        # "NULL" and "NONE" mark missing values, as bmtk writes and reads them.
        table = pd.read_csv(
            path, sep=r"\s+", quotechar='"', skipinitialspace=True, na_values=["NONE", "None"]
        )
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise V1SimInputError(path, None, f"not a space-delimited types table ({exc})") from None
    except pd.errors.EmptyDataError:
        raise V1SimInputError(path, None, "types file is empty") from None
    if id_column not in table.columns:
        raise V1SimInputError(
            path, id_column, f"column is missing (found: {', '.join(map(str, table.columns))})"
        )
    if not pd.api.types.is_integer_dtype(table[id_column]):
        raise V1SimInputError(path, id_column, "expected integer type ids")
    duplicated = table[id_column][table[id_column].duplicated()]
    if len(duplicated):
        raise V1SimInputError(path, id_column, f"type id {int(duplicated.iloc[0])} appears more than once")
    table[id_column] = table[id_column].astype(np.int64)
    return table.set_index(id_column, drop=False)


def decode_strings(values: np.ndarray) -> np.ndarray:
    """Turn HDF5 byte strings into Python strings; leave other arrays alone."""
    if values.dtype.kind == "S" or (
        values.dtype.kind == "O" and len(values) and isinstance(values.flat[0], bytes)
    ):
        return np.char.decode(values.astype("S"), "utf-8").astype(object)
    return values
