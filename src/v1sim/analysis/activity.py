"""Spikes of the simulated cells, joined to the cells' class and position: the input of every analysis."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from v1sim.errors import V1SimInputError
from v1sim.sonata.spikes import read_spikes

#: Columns of nodes.parquet the analyses read (``pop_name`` is the cell class, ``y`` the cortical depth axis).
NODE_COLUMNS = ["population", "node_id", "model_type", "pop_name", "ei", "x", "y", "z"]


@dataclass
class Activity:
    """Spikes as (cell row, time) pairs over ``t_start_ms..t_stop_ms``, and one row per simulated cell.

    ``cells`` has columns population, node_id, cell_class, ei, x, y, z, ordered as in nodes.parquet;
    ``cell[i]`` is the row of spike ``i`` in ``cells``; spikes are sorted by cell, then time.
    """

    cells: pd.DataFrame
    cell: np.ndarray
    time_ms: np.ndarray
    t_start_ms: float
    t_stop_ms: float

    @property
    def duration_s(self) -> float:
        return (self.t_stop_ms - self.t_start_ms) / 1000.0

    @property
    def n_cells(self) -> int:
        return len(self.cells)

    def spike_counts(self) -> np.ndarray:
        """Spikes per cell."""
        return np.bincount(self.cell, minlength=self.n_cells)

    def cell_starts(self) -> np.ndarray:
        """``cell_starts[c]..cell_starts[c+1]`` are the spikes of cell ``c`` (spikes are sorted by cell)."""
        return np.concatenate([[0], np.cumsum(self.spike_counts())])


def _read_cells(nodes_path: Path) -> pd.DataFrame:
    try:
        nodes = pd.read_parquet(nodes_path, columns=NODE_COLUMNS)
    except FileNotFoundError:
        raise V1SimInputError(nodes_path, None, "file not found") from None
    except (KeyError, ValueError) as exc:  # pyarrow names the missing column
        raise V1SimInputError(
            nodes_path, "columns", f"not a nodes table of the convert stage ({exc})"
        ) from None
    cells = nodes[nodes["model_type"] != "virtual"].drop(columns="model_type").reset_index(drop=True)
    cells = cells.rename(columns={"pop_name": "cell_class"})
    cells["cell_class"] = cells["cell_class"].fillna("unknown").astype(str)
    return cells


def load_activity(
    spikes_path: str | Path,
    nodes_path: str | Path,
    t_stop_ms: float,
    t_start_ms: float = 0.0,
) -> Activity:
    """Read the spikes of every simulated population in ``spikes_path`` within ``[t_start_ms, t_stop_ms)``.

    A spike of a node that nodes.parquet does not list as a simulated cell is an error naming the file and
    population; populations of the spike file that are virtual (inputs) are ignored.
    """
    spikes_path, nodes_path = Path(spikes_path), Path(nodes_path)
    if not t_stop_ms > t_start_ms:
        raise V1SimInputError(None, "t_stop_ms", f"must exceed t_start_ms ({t_start_ms}), got {t_stop_ms}")
    cells = _read_cells(nodes_path)
    trains = read_spikes(spikes_path)
    simulated = set(cells["population"].unique())
    rows, times = [], []
    for population, (node_ids, spike_times) in trains.items():
        if population not in simulated:
            continue
        members = cells.index[cells["population"] == population].to_numpy()
        ids = cells["node_id"].to_numpy()[members]
        order = np.argsort(ids, kind="stable")
        position = np.searchsorted(ids[order], node_ids)
        position = np.minimum(position, len(ids) - 1)
        found = ids[order][position] == node_ids
        if not found.all():
            missing = int(np.asarray(node_ids)[~found][0])
            raise V1SimInputError(
                spikes_path,
                f"/spikes/{population}/node_ids",
                f"node {missing} is not a cell of population '{population}' in {nodes_path}",
            )
        keep = (spike_times >= t_start_ms) & (spike_times < t_stop_ms)
        rows.append(members[order][position][keep])
        times.append(spike_times[keep])
    cell = np.concatenate(rows).astype(np.int64) if rows else np.zeros(0, np.int64)
    time_ms = np.concatenate(times) if times else np.zeros(0)
    order = np.lexsort((time_ms, cell))
    return Activity(cells, cell[order], time_ms[order], float(t_start_ms), float(t_stop_ms))
