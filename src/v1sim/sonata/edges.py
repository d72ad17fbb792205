"""Reading SONATA edge populations in chunks: ids, types and per-edge group attributes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from v1sim.errors import V1SimInputError
from v1sim.sonata.config import EdgeFiles
from v1sim.sonata.tables import integer_dataset, open_h5, read_dataset, read_types_csv

#: Index groups are spelled both ways in the wild (old bmtk wrote ``indicies``); neither is needed to read.
INDEX_GROUP_NAMES = ("indices", "indicies")


@dataclass
class EdgeChunk:
    """A contiguous block of edges, in file order: ``start`` is the edge id (row) of the first one."""

    start: int
    source_node_id: np.ndarray
    target_node_id: np.ndarray
    edge_type_id: np.ndarray
    #: Per-edge group attributes asked for, and where each edge's group holds them (else the value is NaN).
    attributes: dict[str, np.ndarray]
    present: dict[str, np.ndarray]


@dataclass
class EdgePopulation:
    """One edge population: its files, its populations, its types and where its datasets are."""

    name: str
    files: EdgeFiles
    source_population: str
    target_population: str
    n_edges: int
    types: pd.DataFrame
    #: Names of the per-edge attribute datasets of each group, by group id.
    group_columns: dict[int, list[str]]
    #: Rows in each group (None for a group without datasets).
    group_sizes: dict[int, int | None]

    @property
    def field(self) -> str:
        return f"/edges/{self.name}"

    def has_edge_attribute(self, name: str) -> bool:
        return any(name in cols for cols in self.group_columns.values())

    def iter_chunks(self, chunk_size: int, attributes: tuple[str, ...]) -> Iterator[EdgeChunk]:
        """Yield the edges in blocks of ``chunk_size`` rows, reading only those rows from the file."""
        path = self.files.edges_file
        with open_h5(path, "edges file") as h5:
            pop = h5["edges"][self.name]
            src_ds = pop["source_node_id"]
            trg_ds = pop["target_node_id"]
            type_ds = pop["edge_type_id"]
            gid_ds = pop.get("edge_group_id")
            gidx_ds = pop.get("edge_group_index")
            for start in range(0, self.n_edges, chunk_size):
                stop = min(start + chunk_size, self.n_edges)
                n = stop - start
                group_id = (
                    np.zeros(n, dtype=np.int64)
                    if gid_ds is None
                    else read_dataset(gid_ds, path, start, stop).astype(np.int64)
                )
                group_index = (
                    np.arange(start, stop, dtype=np.int64)
                    if gidx_ds is None
                    else read_dataset(gidx_ds, path, start, stop).astype(np.int64)
                )
                yield EdgeChunk(
                    start=start,
                    source_node_id=read_dataset(src_ds, path, start, stop),
                    target_node_id=read_dataset(trg_ds, path, start, stop),
                    edge_type_id=read_dataset(type_ds, path, start, stop),
                    **self._gather_attributes(pop, group_id, group_index, attributes),
                )

    def _gather_attributes(
        self, pop: h5py.Group, group_id: np.ndarray, group_index: np.ndarray, names: tuple[str, ...]
    ) -> dict[str, dict[str, np.ndarray]]:
        path = self.files.edges_file
        out: dict[str, np.ndarray] = {}
        present: dict[str, np.ndarray] = {}
        single = len(group_id) == 0 or group_id.min() == group_id.max()
        groups = group_id[:1] if single else np.unique(group_id)
        for g in groups:
            if int(g) not in self.group_sizes:
                raise V1SimInputError(path, f"{self.field}/edge_group_id", f"group {int(g)} does not exist")
            size = self.group_sizes[int(g)]
            index = group_index[group_id == g] if len(groups) > 1 else group_index
            if size is not None and len(index) and (index.min() < 0 or index.max() >= size):
                bad = int(index.max()) if index.max() >= size else int(index.min())
                raise V1SimInputError(
                    path,
                    f"{self.field}/edge_group_index",
                    f"index {bad} is out of range for group {int(g)} ({size} rows)",
                )
        for name in names:
            if not self.has_edge_attribute(name):
                continue
            values = np.full(len(group_id), np.nan)
            present[name] = np.zeros(len(group_id), dtype=bool)
            for g in groups:
                if name not in self.group_columns[int(g)]:
                    continue
                members = group_id == g if len(groups) > 1 else slice(None)
                index = group_index[members]
                dataset = pop[str(g)][name]
                lo, hi = int(index.min()), int(index.max()) + 1
                values[members] = read_dataset(dataset, path, lo, hi)[index - lo]
                present[name][members] = True
            out[name] = values
        return {"attributes": out, "present": present}


def read_edge_populations(files: EdgeFiles) -> list[EdgePopulation]:
    """Describe every population of one edges file (the edges themselves are read later, in chunks)."""
    types = read_types_csv(files.edge_types_file, "edge_type_id")
    path = files.edges_file
    populations = []
    with open_h5(path, "edges file") as h5:
        if "edges" not in h5 or not isinstance(h5["edges"], h5py.Group):
            raise V1SimInputError(path, "/edges", "no /edges group: not a SONATA edges file")
        for name, pop in h5["edges"].items():
            field = f"/edges/{name}"
            src = integer_dataset(pop, "source_node_id", path)
            trg = integer_dataset(pop, "target_node_id", path)
            etype = integer_dataset(pop, "edge_type_id", path)
            n = len(etype)
            for ds in (
                src,
                trg,
                integer_dataset(pop, "edge_group_id", path, required=False),
                integer_dataset(pop, "edge_group_index", path, required=False),
            ):
                if ds is not None and len(ds) != n:
                    raise V1SimInputError(path, ds.name, f"has {len(ds)} rows, edge_type_id has {n}")
            populations_named = []
            for ds in (src, trg):
                value = ds.attrs.get("node_population")
                if value is None:
                    raise V1SimInputError(
                        path, f"{ds.name} attribute node_population", "missing: which node population?"
                    )
                populations_named.append(value.decode() if isinstance(value, bytes) else str(value))
            group_columns = {
                int(g): [k for k, v in item.items() if isinstance(v, h5py.Dataset)]
                for g, item in pop.items()
                if isinstance(item, h5py.Group) and g.isdigit()
            }
            if not group_columns:
                group_columns = {0: []}
            group_sizes = {g: _group_size(pop, g, path) for g in group_columns}
            if "edge_group_id" not in pop and len(group_columns) > 1:
                raise V1SimInputError(
                    path, f"{field}/edge_group_id", "required when a population has several groups"
                )
            populations.append(
                EdgePopulation(
                    name=name,
                    files=files,
                    source_population=populations_named[0],
                    target_population=populations_named[1],
                    n_edges=n,
                    types=types,
                    group_columns=group_columns,
                    group_sizes=group_sizes,
                )
            )
    if not populations:
        raise V1SimInputError(path, "/edges", "the file holds no edge population")
    return populations


def _group_size(pop: h5py.Group, group: int, path: Path) -> int | None:
    """Rows in an edge group: the common length of its datasets (None when it has none)."""
    if str(group) not in pop:
        return None
    lengths = {name: ds.shape[0] for name, ds in pop[str(group)].items() if isinstance(ds, h5py.Dataset)}
    if not lengths:
        return None
    if len(set(lengths.values())) > 1:
        raise V1SimInputError(
            path, f"{pop.name}/{group}", f"datasets of one group differ in length: {lengths}"
        )
    return next(iter(lengths.values()))
