"""Spike files: SONATA HDF5 (``/spikes/<population>/{timestamps (ms), node_ids}``), bmtk's CSV and NWB layouts.

The SONATA ``sorting`` attribute of a population group is written as the specification's HDF5 enum
(``none`` = 0, ``by_id`` = 1, ``by_time`` = 2, on an 8-bit integer as libsonata writes it), which both libsonata's
``SpikeReader`` and bmtk's ``SpikeTrains`` read. bmtk writes the attribute as a string; :func:`spike_sorting`
reads both forms.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from v1sim.errors import V1SimInputError
from v1sim.sonata.writer import SONATA_MAGIC, SONATA_VERSION
from v1sim.storage import create_dataset, read_array

#: The SONATA ``sorting`` enum (libsonata: ``SpikeReader::Population::Sorting``, an 8-bit enum).
SORTING_CODES = {"none": 0, "by_id": 1, "by_time": 2}
SORTING_ENUM = h5py.enum_dtype(SORTING_CODES, basetype="i1")

#: Every spelling of a sort order bmtk accepts (``spikes_sort_order``, the ``sorting`` attribute).
SORT_ORDER_NAMES = {
    "by_time": "by_time",
    "time": "by_time",
    "by_id": "by_id",
    "id": "by_id",
    "node_id": "by_id",
    "gid": "by_id",
    "by_gid": "by_id",
    "none": "none",
    "na": "none",
}

#: Columns of bmtk's spike CSV, in its order (space-separated, with a header line).
CSV_COLUMNS = ("timestamps", "population", "node_ids")


def sort_order(name: str | None, where: tuple[str | Path | None, str] = (None, "sorting")) -> str:
    """The canonical sort order (``none``, ``by_id``, ``by_time``) of any spelling bmtk accepts."""
    if name is None:
        return "none"
    canonical = SORT_ORDER_NAMES.get(str(name).lower())
    if canonical is None:
        raise V1SimInputError(where[0], where[1], f"unknown sort order '{name}' (by_time, by_id or none)")
    return canonical


def _order(node_ids: np.ndarray, times: np.ndarray, sorting: str) -> np.ndarray:
    if sorting == "by_time":
        return np.lexsort((node_ids, times))
    if sorting == "by_id":
        return np.lexsort((times, node_ids))
    return np.arange(len(node_ids))


def write_spikes(
    path: Path, spikes: dict[str, tuple[np.ndarray, np.ndarray]], sorting: str = "by_time"
) -> None:
    """Write ``{population: (node_ids, timestamps_ms)}`` as SONATA, sorted by time (``by_id``: by node id, then
    time; ``none``: as given). ``node_ids`` uint64, ``timestamps`` float64 with ``units`` = ms."""
    sorting = sort_order(sorting, (path, "sorting"))
    with h5py.File(path, "w") as h5:
        h5.attrs["magic"] = SONATA_MAGIC
        h5.attrs["version"] = SONATA_VERSION
        h5.create_group("spikes")
        for population, (node_ids, times) in spikes.items():
            node_ids, times = np.asarray(node_ids, dtype=np.uint64), np.asarray(times, dtype=np.float64)
            order = _order(node_ids, times, sorting)
            group = h5.create_group(f"spikes/{population}")
            group.attrs.create("sorting", SORTING_CODES[sorting], dtype=SORTING_ENUM)
            create_dataset(group, "node_ids", data=node_ids[order])
            create_dataset(group, "timestamps", data=times[order])
            group["timestamps"].attrs["units"] = "ms"


def write_spikes_csv(
    path: Path, spikes: dict[str, tuple[np.ndarray, np.ndarray]], sorting: str = "by_time"
) -> None:
    """Write spikes in bmtk's CSV layout: a header ``timestamps population node_ids``, space-separated, one row
    per spike; populations in alphabetical order (as bmtk's buffer sorts them), each sorted per ``sorting``."""
    sorting = sort_order(sorting, (path, "sorting"))
    frames = []
    for population in sorted(spikes):
        node_ids, times = spikes[population]
        node_ids, times = np.asarray(node_ids, dtype=np.int64), np.asarray(times, dtype=np.float64)
        order = _order(node_ids, times, sorting)
        frames.append(
            pd.DataFrame({"timestamps": times[order], "population": population, "node_ids": node_ids[order]})
        )
    table = pd.concat(frames) if frames else pd.DataFrame(columns=list(CSV_COLUMNS))
    table.to_csv(path, sep=" ", index=False, columns=list(CSV_COLUMNS))


def spike_sorting(path: Path) -> dict[str, str]:
    """``{population: sort order}`` as a spike file declares it: the SONATA enum or bmtk's string (on the
    population group, or on its ``node_ids`` as some older files have it); ``unknown`` when absent."""
    from v1sim.sonata.tables import open_h5

    names = {code: name for name, code in SORTING_CODES.items()}
    out = {}
    with open_h5(Path(path), "spike file") as h5:
        for name, group in h5.get("spikes", {}).items():
            if not isinstance(group, h5py.Group):
                continue
            holder = group if "sorting" in group.attrs else group.get("node_ids", group)
            value = holder.attrs.get("sorting")
            if value is None:
                out[name] = "unknown"
            elif isinstance(value, bytes | str):
                text = value.decode() if isinstance(value, bytes) else value
                out[name] = SORT_ORDER_NAMES.get(text.lower(), "unknown")
            else:
                out[name] = names.get(int(value), "unknown")
    return out


def read_spikes(path: Path, population: str | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{population: (node_ids, timestamps_ms)}`` from a SONATA spike file.

    Reads the current layout (``/spikes/<population>/{node_ids, timestamps}``) and the old one
    (``/spikes/{gids, timestamps}`` without a population, which then takes ``population``); the ``sorting``
    attribute may be the SONATA enum or a string.
    """
    from v1sim.sonata.tables import open_h5

    path = Path(path)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    with open_h5(path, "spike file") as h5:
        if "spikes" not in h5:
            raise V1SimInputError(path, "/spikes", "no /spikes group: not a SONATA spike file")
        spikes = h5["spikes"]
        if "timestamps" in spikes and isinstance(spikes["timestamps"], h5py.Dataset):
            ids_name = "gids" if "gids" in spikes else "node_ids"
            if ids_name not in spikes or population is None:
                raise V1SimInputError(path, "/spikes", "old-style spike file: its population must be named")
            out[population] = (
                read_array(spikes[ids_name], path).astype(np.int64),
                read_array(spikes["timestamps"], path).astype(np.float64),
            )
            return out
        for name, group in spikes.items():
            if not isinstance(group, h5py.Group) or "timestamps" not in group or "node_ids" not in group:
                raise V1SimInputError(path, f"/spikes/{name}", "expected node_ids and timestamps datasets")
            ids, times = read_array(group["node_ids"], path), read_array(group["timestamps"], path)
            if len(ids) != len(times):
                raise V1SimInputError(path, f"/spikes/{name}", "node_ids and timestamps differ in length")
            if not np.isfinite(times).all():
                raise V1SimInputError(path, f"/spikes/{name}/timestamps", "holds NaN or infinite times")
            out[name] = (ids.astype(np.int64), times.astype(np.float64))
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_spikes_csv(
    path: Path, population: str | None = None, sep: str = " "
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{population: (node_ids, timestamps_ms)}`` from a spike CSV in bmtk's layout (``timestamps population
    node_ids``, space-separated by default). A file without a header line, or without a ``population`` column,
    holds spikes of ``population``."""
    path = Path(path)
    if not path.is_file():
        raise V1SimInputError(path, None, "spike file not found")
    with path.open() as handle:
        first = handle.readline().strip()
    splitter = r"\s+" if sep == " " else sep
    has_header = bool(first) and not _is_number(first.split(None if sep == " " else sep)[0])
    try:
        table = pd.read_csv(path, sep=splitter, header=0 if has_header else None, engine="python")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise V1SimInputError(path, None, f"not a spike CSV ({exc})") from None
    except pd.errors.EmptyDataError:
        return {}
    if not has_header:
        if table.shape[1] != 2:
            raise V1SimInputError(
                path, None, "a spike CSV without a header must have two columns: timestamps node_ids"
            )
        table.columns = ["timestamps", "node_ids"]
    for column in ("timestamps", "node_ids"):
        if column not in table.columns:
            raise V1SimInputError(
                path, column, f"column is missing (found: {', '.join(map(str, table.columns))})"
            )
    times = pd.to_numeric(table["timestamps"], errors="coerce").to_numpy(dtype=np.float64)
    if not np.isfinite(times).all():
        raise V1SimInputError(path, "timestamps", "holds values that are not finite numbers")
    ids = pd.to_numeric(table["node_ids"], errors="coerce")
    if ids.isna().any() or (ids.to_numpy() % 1 != 0).any():
        raise V1SimInputError(path, "node_ids", "holds values that are not integer node ids")
    ids = ids.to_numpy().astype(np.int64)
    if "population" not in table.columns:
        if population is None:
            raise V1SimInputError(path, "population", "the file names no population and none was given")
        return {population: (ids, times)}
    names = table["population"].astype(str).to_numpy()
    return {name: (ids[names == name], times[names == name]) for name in pd.unique(names)}


def read_spikes_nwb(
    path: Path, population: str, trial: str | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Spikes of an NWB file in bmtk's layout (``/processing/<trial>/spike_train/<node_id>/data``, ms), as
    ``{population: (node_ids, timestamps_ms)}``; ``trial`` may be omitted when the file holds one."""
    from v1sim.sonata.tables import open_h5

    path = Path(path)
    with open_h5(path, "NWB spike file") as h5:
        processing = h5.get("processing")
        if not isinstance(processing, h5py.Group) or not len(processing):
            raise V1SimInputError(path, "/processing", "no /processing group: not an NWB spike file")
        if trial is None:
            if len(processing) != 1:
                raise V1SimInputError(
                    path, "/processing", f"holds {len(processing)} trials: name one with 'trial'"
                )
            trial = next(iter(processing))
        if f"{trial}/spike_train" not in processing:
            raise V1SimInputError(path, f"/processing/{trial}/spike_train", "missing")
        trains = processing[f"{trial}/spike_train"]
        ids, times = [], []
        for name, group in trains.items():
            if not name.isdigit() or "data" not in group:
                raise V1SimInputError(path, f"{trains.name}/{name}", "expected <node_id>/data")
            data = read_array(group["data"], path).astype(np.float64).ravel()
            ids.append(np.full(len(data), int(name), dtype=np.int64))
            times.append(data)
    if not ids:
        return {population: (np.zeros(0, np.int64), np.zeros(0, np.float64))}
    return {population: (np.concatenate(ids), np.concatenate(times))}
