"""Spikes of the simulated cells, joined to the cells' class and position: the input of every analysis."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from v1sim.analysis.classes import AUTO, read_cells
from v1sim.errors import V1SimInputError
from v1sim.sonata.spikes import read_spikes

#: Columns of nodes.parquet the analyses need.
NODE_COLUMNS = ["population", "node_id", "model_type"]
#: Columns they use where the circuit has them (NaN otherwise): excitatory/inhibitory, position (``y`` is the
#: cortical depth axis).
OPTIONAL_NODE_COLUMNS = ["ei", "x", "y", "z"]


@dataclass
class Activity:
    """Spikes as (cell row, time) pairs over ``t_start_ms..t_stop_ms``, and one row per simulated cell.

    ``cells`` has columns population, node_id, ei, x, y, z (NaN where the circuit has none) and cell_class
    (:mod:`v1sim.analysis.classes`), ordered as in nodes.parquet;
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


def read_simulated_cells(nodes_path: str | Path, class_column: str = AUTO) -> pd.DataFrame:
    """The simulated (non-virtual) cells of a convert-stage nodes.parquet: population, node_id, the optional
    columns and cell_class, in the table's order."""
    nodes = read_cells(nodes_path, NODE_COLUMNS, class_column, OPTIONAL_NODE_COLUMNS)
    return nodes[nodes["model_type"] != "virtual"].drop(columns="model_type").reset_index(drop=True)


def load_activity(
    spikes_path: str | Path,
    nodes_path: str | Path,
    t_stop_ms: float,
    t_start_ms: float = 0.0,
    class_column: str = AUTO,
) -> Activity:
    """Read the spikes of every simulated population in ``spikes_path`` within ``[t_start_ms, t_stop_ms)``,
    the cells' classes named by ``class_column`` (:func:`v1sim.analysis.classes.cell_classes`).

    A spike of a node that nodes.parquet does not list as a simulated cell is an error naming the file and
    population; populations of the spike file that are virtual (inputs) are ignored.
    """
    spikes_path, nodes_path = Path(spikes_path), Path(nodes_path)
    if not t_stop_ms > t_start_ms:
        raise V1SimInputError(None, "t_stop_ms", f"must exceed t_start_ms ({t_start_ms}), got {t_stop_ms}")
    cells = read_simulated_cells(nodes_path, class_column)
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
