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
