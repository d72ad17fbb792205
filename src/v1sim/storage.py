"""How v1sim stores arrays and tables so that corruption is caught when they are read back.

HDF5 datasets are chunked with a Fletcher-32 checksum per chunk (h5py ``fletcher32=True``): the HDF5 library
checks each chunk as it reads it and fails the read when a byte has changed. Datasets that cannot carry a
filter stay contiguous without one: empty datasets, scalars and variable-length strings (HDF5 refuses filters
on them). Parquet files carry a CRC-32 per page (pyarrow ``write_page_checksum``), verified on every read here
(``page_checksum_verification``). Only the storage layout changes: the values, dtypes and shapes are the same.

Reads go through :func:`read_array`, :func:`checked_h5` and :func:`read_parquet`, which turn a failed check
into one :class:`~v1sim.errors.V1SimInputError` naming the file and the dataset or column.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd

from v1sim.errors import V1SimInputError

#: Target size of one HDF5 chunk. Large enough that a 70 M-edge column has a few thousand chunks (a small
#: B-tree, fast streaming), small enough to sit in h5py's default 1 MiB chunk cache while blocks are written.
CHUNK_BYTES = 512 * 1024
#: What a failed chunk or page check looks like to the reader.
CORRUPT = "corrupt data: a chunk failed its checksum, or the file is truncated"


def chunk_shape(shape: Sequence[int], itemsize: int) -> tuple[int, ...] | None:
    """Chunk shape of a dataset of ``shape``: whole rows, about :data:`CHUNK_BYTES` each; None (contiguous,
    no checksum) for a scalar or an empty dataset, which HDF5 cannot chunk."""
    shape = tuple(int(n) for n in shape)
    if not shape or 0 in shape:
        return None
    row_bytes = max(1, itemsize * int(np.prod(shape[1:], dtype=np.int64)))
    rows = max(1, min(shape[0], CHUNK_BYTES // row_bytes))
    return (rows, *shape[1:])


def dataset_options(shape: Sequence[int], dtype: Any) -> dict[str, Any]:
    """``create_dataset`` keywords giving a dataset per-chunk Fletcher-32 checksums where HDF5 allows them."""
    dtype = np.dtype(dtype)
    if h5py.check_string_dtype(dtype) is not None and dtype.kind == "O":
        return {}  # variable-length strings: "not suitable for filters"
    chunks = chunk_shape(shape, dtype.itemsize)
    return {} if chunks is None else {"chunks": chunks, "fletcher32": True}


def create_dataset(
    group: h5py.Group,
    name: str,
    data: Any = None,
    *,
    shape: Sequence[int] | None = None,
    dtype: Any = None,
) -> h5py.Dataset:
    """``group.create_dataset`` (from ``data``, or empty of ``shape`` and ``dtype``) with per-chunk checksums
    where HDF5 allows them (see :func:`dataset_options`)."""
    if data is not None:
        data = np.asarray(data)
        if dtype is not None:
            data = data.astype(dtype, copy=False)
        shape, dtype = data.shape, data.dtype
    return group.create_dataset(name, shape=shape, dtype=dtype, data=data, **dataset_options(shape, dtype))


def read_array(dataset: h5py.Dataset, path: str | Path, selection: Any = ()) -> np.ndarray:
    """``dataset[selection]`` (all of it by default); a failed checksum or a short read is an input error
    naming the file and the dataset."""
    try:
        return dataset[selection]
    except OSError as exc:
        raise V1SimInputError(path, dataset.name, f"{CORRUPT} ({exc})") from None


@contextlib.contextmanager
def checked_h5(path: str | Path, what: str = "HDF5 file") -> Iterator[h5py.File]:
    """Open ``path`` for reading; a missing or unreadable file, or a read inside the block that fails its
    checksum, becomes one input error naming the file."""
    path = Path(path)
    if not path.is_file():
        raise V1SimInputError(path, None, f"{what} not found")
    try:
        h5 = h5py.File(path, "r")
    except OSError as exc:
        reason = str(exc).split("(")[0].strip() or "unreadable"
        raise V1SimInputError(
            path, None, f"not a readable HDF5 file, truncated or corrupt? ({reason})"
        ) from None
    try:
        with h5:
            yield h5
    except OSError as exc:
        if exc.filename is not None:  # another file's error (not found, permission): not this file's data
            raise
        raise V1SimInputError(path, None, f"{CORRUPT} ({exc})") from None


def parquet_options() -> dict[str, Any]:
    """Keywords of pyarrow's Parquet writers (and ``DataFrame.to_parquet``): a CRC-32 in every page header."""
    return {"write_page_checksum": True}


def write_parquet(frame: pd.DataFrame, path: str | Path, **options: Any) -> None:
    """``frame.to_parquet(path)`` without the index, with page checksums."""
    frame.to_parquet(path, index=False, **parquet_options(), **options)


def read_parquet(path: str | Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A Parquet table (``columns`` of it) with every page's checksum verified; a missing, unreadable or
    corrupt file, or a column it lacks, is one input error naming the file (and the column)."""
    import pyarrow as pa

    path = Path(path)
    if columns is not None:
        names = parquet_columns(path)
        missing = [c for c in columns if c not in names]
        if missing:
            raise V1SimInputError(path, missing[0], f"column is missing (found: {', '.join(names)})")
    elif not path.is_file():
        raise V1SimInputError(path, None, "file not found")
    try:
        return pd.read_parquet(
            path, columns=None if columns is None else list(columns), page_checksum_verification=True
        )
    except (OSError, pa.ArrowException) as exc:
        reason = " ".join(str(exc).split())
        problem = CORRUPT if "checksum" in reason.lower() else "not a readable Parquet table"
        raise V1SimInputError(path, None, f"{problem} ({reason})") from None


def parquet_columns(path: str | Path) -> list[str]:
    """The column names of a Parquet file (its footer only); an unreadable file is an input error."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise V1SimInputError(path, None, "file not found")
    try:
        return list(pq.read_schema(path).names)
    except (OSError, pa.ArrowException) as exc:
        reason = " ".join(str(exc).split())
        raise V1SimInputError(path, None, f"not a readable Parquet table ({reason})") from None
