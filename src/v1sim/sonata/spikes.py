"""SONATA spike files: ``/spikes/<population>/{timestamps (ms), node_ids}``."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from v1sim.sonata.writer import SONATA_MAGIC, SONATA_VERSION


def write_spikes(
    path: Path, spikes: dict[str, tuple[np.ndarray, np.ndarray]], sorting: str = "by_time"
) -> None:
    """Write ``{population: (node_ids, timestamps_ms)}``, sorted by time (or by id with ``sorting='by_id'``)."""
    with h5py.File(path, "w") as h5:
        h5.attrs["magic"] = SONATA_MAGIC
        h5.attrs["version"] = SONATA_VERSION
        for population, (node_ids, times) in spikes.items():
            node_ids, times = np.asarray(node_ids, dtype=np.uint64), np.asarray(times, dtype=np.float64)
            order = np.lexsort((node_ids, times)) if sorting == "by_time" else np.lexsort((times, node_ids))
            group = h5.create_group(f"spikes/{population}")
            group.attrs["sorting"] = sorting
            group.create_dataset("node_ids", data=node_ids[order])
            group.create_dataset("timestamps", data=times[order])
            group["timestamps"].attrs["units"] = "ms"


def read_spikes(path: Path, population: str | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{population: (node_ids, timestamps_ms)}`` from a SONATA spike file.

    Reads the current layout (``/spikes/<population>/{node_ids, timestamps}``) and the old one
    (``/spikes/{gids, timestamps}`` without a population, which then takes ``population``).
    """
    from v1sim.errors import V1SimInputError
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
                spikes[ids_name][:].astype(np.int64),
                spikes["timestamps"][:].astype(np.float64),
            )
            return out
        for name, group in spikes.items():
            if not isinstance(group, h5py.Group) or "timestamps" not in group or "node_ids" not in group:
                raise V1SimInputError(path, f"/spikes/{name}", "expected node_ids and timestamps datasets")
            ids, times = group["node_ids"][:], group["timestamps"][:]
            if len(ids) != len(times):
                raise V1SimInputError(path, f"/spikes/{name}", "node_ids and timestamps differ in length")
            if not np.isfinite(times).all():
                raise V1SimInputError(path, f"/spikes/{name}/timestamps", "holds NaN or infinite times")
            out[name] = (ids.astype(np.int64), times.astype(np.float64))
    return out
