"""Reading SONATA node populations: ids, types and attributes, with per-node and per-type values merged."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from v1sim.errors import V1SimInputError
from v1sim.sonata.config import NodeFiles
from v1sim.sonata.tables import decode_strings, integer_dataset, open_h5, read_dataset, read_types_csv

#: Columns that describe the population's bookkeeping, never per-node attributes.
_INDEX_DATASETS = ("node_id", "node_type_id", "node_group_id", "node_group_index")


@dataclass
class NodePopulation:
    """One node population, rows ordered by ascending ``node_id`` (the population-local index)."""

    name: str
    files: NodeFiles
    #: Per-node table: node_id, node_type_id, then every attribute from the types CSV and the h5 groups.
    table: pd.DataFrame
    #: The node-types table (indexed by node_type_id) restricted to the types this population uses.
    types: pd.DataFrame

    @property
    def size(self) -> int:
        return len(self.table)

    @property
    def node_ids(self) -> np.ndarray:
        return self.table["node_id"].to_numpy()

    def index_of(self, node_ids: np.ndarray, path: Path, field: str) -> np.ndarray:
        """Population-local index (0..size-1) of each node id; an unknown id is an input error."""
        return NodeIdLookup(self.node_ids, self.name).find(node_ids, path, field)


class NodeIdLookup:
    """Vectorised node id → population-local index map (dense table when ids are compact, else bisection)."""

    def __init__(self, sorted_node_ids: np.ndarray, population: str) -> None:
        self.population = population
        self.sorted_ids = np.asarray(sorted_node_ids, dtype=np.int64)
        top = int(self.sorted_ids[-1]) if len(self.sorted_ids) else -1
        self.dense: np.ndarray | None = None
        if top < 4 * len(self.sorted_ids) + 1024:
            self.dense = np.full(top + 1, -1, dtype=np.int64)
            self.dense[self.sorted_ids] = np.arange(len(self.sorted_ids))

    def find(self, node_ids: np.ndarray, path: Path, field: str) -> np.ndarray:
        ids = np.asarray(node_ids).astype(np.int64, copy=False)
        if self.dense is not None:
            inside = (ids >= 0) & (ids < len(self.dense))
            index = np.full(ids.shape, -1, dtype=np.int64)
            index[inside] = self.dense[ids[inside]]
        else:
            index = np.minimum(np.searchsorted(self.sorted_ids, ids), len(self.sorted_ids) - 1)
            index[self.sorted_ids[index] != ids] = -1
        missing = index < 0
        if missing.any():
            bad = int(ids[np.argmax(missing)])
            raise V1SimInputError(
                path,
                field,
                f"{int(missing.sum())} edge(s) name node id(s) absent from population "
                f"'{self.population}' (first: {bad})",
            )
        return index


def _group_attributes(group: h5py.Group, path: Path, index: np.ndarray) -> dict[str, np.ndarray]:
    """Per-node values of every attribute dataset in one node group, gathered at ``index``."""
    out: dict[str, np.ndarray] = {}
    for name, item in group.items():
        if isinstance(item, h5py.Group):
            if name == "dynamics_params":  # per-node overrides of the cell model's parameters
                for pname, pitem in item.items():
                    if isinstance(pitem, h5py.Dataset) and pitem.ndim == 1:
                        out[f"dynamics_params.{pname}"] = _gather(pitem, path, index)
            continue
        if item.ndim == 1:
            out[name] = decode_strings(_gather(item, path, index))
        elif item.ndim == 2:
            values = _gather(item, path, index)
            for j in range(values.shape[1]):
                out[f"{name}.{j}"] = values[:, j]
    return out


def _gather(dataset: h5py.Dataset, path: Path, index: np.ndarray) -> np.ndarray:
    values = read_dataset(dataset, path)
    if len(index) and int(index.max()) >= len(values):
        raise V1SimInputError(
            path,
            dataset.name,
            f"node_group_index {int(index.max())} is out of range (group has {len(values)} rows)",
        )
    return values[index]


def read_node_populations(files: NodeFiles) -> list[NodePopulation]:
    """Read every population of one nodes file, merged with its node-types CSV."""
    types = read_types_csv(files.node_types_file, "node_type_id")
    populations = []
    with open_h5(files.nodes_file, "nodes file") as h5:
        if "nodes" not in h5 or not isinstance(h5["nodes"], h5py.Group):
            raise V1SimInputError(files.nodes_file, "/nodes", "no /nodes group: not a SONATA nodes file")
        for name, group in h5["nodes"].items():
            populations.append(_read_population(name, group, files, types))
    if not populations:
        raise V1SimInputError(files.nodes_file, "/nodes", "the file holds no node population")
    return populations


def _read_population(name: str, pop: h5py.Group, files: NodeFiles, types: pd.DataFrame) -> NodePopulation:
    path = files.nodes_file
    type_ds = integer_dataset(pop, "node_type_id", path)
    n = len(type_ds)
    node_type_id = read_dataset(type_ds, path).astype(np.int64)

    id_ds = integer_dataset(pop, "node_id", path, required=False)
    node_id = np.arange(n, dtype=np.int64) if id_ds is None else read_dataset(id_ds, path).astype(np.int64)
    group_ds = integer_dataset(pop, "node_group_id", path, required=False)
    index_ds = integer_dataset(pop, "node_group_index", path, required=False)
    group_id = (
        np.zeros(n, dtype=np.int64) if group_ds is None else read_dataset(group_ds, path).astype(np.int64)
    )
    group_index = (
        np.arange(n, dtype=np.int64) if index_ds is None else read_dataset(index_ds, path).astype(np.int64)
    )
    for field, values in (
        ("node_id", node_id),
        ("node_group_id", group_id),
        ("node_group_index", group_index),
    ):
        if len(values) != n:
            raise V1SimInputError(
                path, f"{pop.name}/{field}", f"has {len(values)} rows, node_type_id has {n}"
            )
    if n and node_id.min() < 0:
        raise V1SimInputError(path, f"{pop.name}/node_id", "node ids must be non-negative")
    if n and group_index.min() < 0:
        raise V1SimInputError(path, f"{pop.name}/node_group_index", "group indices must be non-negative")

    order = np.argsort(node_id, kind="stable")
    sorted_ids = node_id[order]
    duplicated = sorted_ids[1:] == sorted_ids[:-1]
    if duplicated.any():
        raise V1SimInputError(
            path,
            f"{pop.name}/node_id",
            f"node id {int(sorted_ids[1:][duplicated][0])} appears more than once",
        )

    unknown = ~np.isin(node_type_id, types.index.to_numpy())
    if unknown.any():
        raise V1SimInputError(
            files.node_types_file,
            "node_type_id",
            f"node_type_id {int(node_type_id[unknown][0])} used by population '{name}' in {path} "
            "is absent from this types table",
        )

    columns: dict[str, np.ndarray] = {"node_id": node_id, "node_type_id": node_type_id}
    type_rows = types.loc[node_type_id].drop(columns=["node_type_id"])
    per_type = {col: type_rows[col].to_numpy() for col in type_rows.columns}

    group_names = [g for g, item in pop.items() if isinstance(item, h5py.Group) and g.isdigit()]
    known_groups = {int(g) for g in group_names}
    missing_groups = set(np.unique(group_id).tolist()) - known_groups
    if missing_groups:
        raise V1SimInputError(
            path,
            f"{pop.name}/node_group_id",
            f"group {min(missing_groups)} is named but {pop.name} has no such group",
        )
    per_node: dict[str, np.ndarray] = {}
    for g in sorted(known_groups):
        members = np.flatnonzero(group_id == g)
        if not len(members):
            continue
        for col, values in _group_attributes(pop[str(g)], path, group_index[members]).items():
            if len(members) == n:
                per_node[col] = values
            elif col not in per_node:
                per_node[col] = _empty_like(values, n)
            if len(members) != n:
                per_node[col][members] = values
    for col, values in per_type.items():
        if col in per_node:  # a node-level value wins; fall back to the type's value where the node has none
            missing = pd.isna(per_node[col])
            per_node[col][missing] = values[missing]
        else:
            columns[col] = values
    columns.update(per_node)

    table = pd.DataFrame(columns).iloc[order].reset_index(drop=True)
    used_types = types.loc[np.unique(node_type_id)]
    return NodePopulation(name=name, files=files, table=table, types=used_types)


def _empty_like(values: np.ndarray, n: int) -> np.ndarray:
    if values.dtype.kind in "fc":
        return np.full(n, np.nan, dtype=values.dtype)
    if values.dtype.kind in "iub":
        return np.full(n, np.nan, dtype=np.float64)  # nodes outside the group have no value
    return np.full(n, None, dtype=object)
