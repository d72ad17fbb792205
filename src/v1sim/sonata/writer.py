"""Writing SONATA circuits: node and edge HDF5 files, space-delimited types tables, config files.

Used by the built-in network generators and by tests that make circuits in fixtures. Files follow the
layout of the Allen releases (magic 0x0A7A, version 0.1, uint64 ids, one group ``0``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd

from v1sim.storage import create_dataset

SONATA_MAGIC = np.uint32(0x0A7A)
SONATA_VERSION = np.array([0, 1], dtype=np.uint32)


def _stamp(h5: h5py.File) -> None:
    h5.attrs["magic"] = SONATA_MAGIC
    h5.attrs["version"] = SONATA_VERSION


def write_nodes(
    path: Path,
    population: str,
    node_type_id: np.ndarray,
    attributes: Mapping[str, np.ndarray] | None = None,
    node_id: np.ndarray | None = None,
) -> None:
    """Write one node population with all per-node ``attributes`` in group ``0``."""
    n = len(node_type_id)
    with h5py.File(path, "w") as h5:
        _stamp(h5)
        pop = h5.create_group(f"nodes/{population}")
        create_dataset(pop, "node_id", data=np.arange(n, dtype=np.uint64) if node_id is None else node_id)
        create_dataset(pop, "node_type_id", data=np.asarray(node_type_id, dtype=np.uint64))
        create_dataset(pop, "node_group_id", data=np.zeros(n, dtype=np.uint32))
        create_dataset(pop, "node_group_index", data=np.arange(n, dtype=np.uint64))
        group = pop.create_group("0")
        for name, values in (attributes or {}).items():
            values = np.asarray(values)
            if values.dtype.kind == "U":
                values = values.astype(h5py.string_dtype())
            create_dataset(group, name, data=values)


class EdgeFileWriter:
    """An edges HDF5 file of known size, filled in blocks (so 70 M edges never sit in memory at once)."""

    def __init__(
        self,
        path: Path,
        population: str,
        source_population: str,
        target_population: str,
        n_edges: int,
        attributes: Mapping[str, np.dtype],
    ) -> None:
        self.h5 = h5py.File(path, "w")
        _stamp(self.h5)
        pop = self.h5.create_group(f"edges/{population}")
        self.datasets = {
            "source_node_id": create_dataset(pop, "source_node_id", shape=(n_edges,), dtype=np.uint64),
            "target_node_id": create_dataset(pop, "target_node_id", shape=(n_edges,), dtype=np.uint64),
            "edge_type_id": create_dataset(pop, "edge_type_id", shape=(n_edges,), dtype=np.uint32),
            "edge_group_id": create_dataset(pop, "edge_group_id", shape=(n_edges,), dtype=np.uint16),
            "edge_group_index": create_dataset(pop, "edge_group_index", shape=(n_edges,), dtype=np.uint32),
        }
        self.datasets["source_node_id"].attrs["node_population"] = source_population
        self.datasets["target_node_id"].attrs["node_population"] = target_population
        group = pop.create_group("0")
        for name, dtype in attributes.items():
            self.datasets[name] = create_dataset(group, name, shape=(n_edges,), dtype=dtype)
        self.n_edges = n_edges
        self.written = 0

    def write(
        self, source: np.ndarray, target: np.ndarray, edge_type_id: np.ndarray, **attributes: np.ndarray
    ) -> None:
        lo, hi = self.written, self.written + len(source)
        if hi > self.n_edges:
            raise ValueError(f"more edges than the {self.n_edges} declared")
        self.datasets["source_node_id"][lo:hi] = source
        self.datasets["target_node_id"][lo:hi] = target
        self.datasets["edge_type_id"][lo:hi] = edge_type_id
        self.datasets["edge_group_id"][lo:hi] = 0
        self.datasets["edge_group_index"][lo:hi] = np.arange(lo, hi, dtype=np.uint32)
        for name, values in attributes.items():
            self.datasets[name][lo:hi] = values
        self.written = hi

    def close(self) -> None:
        if self.written != self.n_edges:
            self.h5.close()
            raise ValueError(f"wrote {self.written} of {self.n_edges} edges")
        self.h5.close()

    def __enter__(self) -> EdgeFileWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:
            self.h5.close()


def write_edges(
    path: Path,
    population: str,
    source_population: str,
    target_population: str,
    source: np.ndarray,
    target: np.ndarray,
    edge_type_id: np.ndarray,
    attributes: Mapping[str, np.ndarray] | None = None,
) -> None:
    """Write one whole edge population held in memory."""
    attributes = {k: np.asarray(v) for k, v in (attributes or {}).items()}
    with EdgeFileWriter(
        path,
        population,
        source_population,
        target_population,
        len(source),
        {k: v.dtype for k, v in attributes.items()},
    ) as writer:
        writer.write(source, target, edge_type_id, **attributes)


def write_types_csv(path: Path, table: pd.DataFrame) -> None:
    """Write a node- or edge-types table, space-delimited as SONATA requires (values must hold no spaces)."""
    for column in table.columns:
        if table[column].dtype == object and table[column].astype(str).str.contains(" ").any():
            raise ValueError(f"{path}: column {column} holds a value with a space")
    table.to_csv(path, sep=" ", index=False, na_rep="NULL")


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")


def circuit_config(
    nodes: list[tuple[str, str]], edges: list[tuple[str, str]], components: Mapping[str, str]
) -> dict[str, Any]:
    """A circuit config with a ``$NETWORK_DIR`` manifest, paths relative to the config's folder."""
    return {
        "manifest": {
            "$BASE_DIR": "${configdir}",
            "$NETWORK_DIR": "$BASE_DIR/network",
            "$COMPONENTS_DIR": "$BASE_DIR/components",
        },
        "components": dict(components),
        "networks": {
            "nodes": [
                {"nodes_file": f"$NETWORK_DIR/{n}", "node_types_file": f"$NETWORK_DIR/{t}"} for n, t in nodes
            ],
            "edges": [
                {"edges_file": f"$NETWORK_DIR/{e}", "edge_types_file": f"$NETWORK_DIR/{t}"} for e, t in edges
            ],
        },
    }
