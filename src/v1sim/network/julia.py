"""``connectome.h5`` for Julia users: per edge population, the CSC arrays of a SparseMatrixCSC.

Layout (all 1-D datasets, plain HDF5, 1-based indices):

* ``/nodes/<population>/node_id`` — row/column ``i`` of a matrix is node ``node_id[i]`` of that population;
* ``/edges/<edge population>/{colptr, rowval, nzval}`` — the matrix target × source of weights (pA), columns are
  source nodes, rows target nodes: ``SparseMatrixCSC(m, n, colptr, rowval, nzval)`` with ``m``, ``n`` in the
  group's attributes (indices are Int32 while they fit, else Int64); ``delay_ms`` (ms) and ``receptor``
  (NEST receptor_type) in the same order as ``nzval``.

One entry per SONATA edge: should a circuit hold two edges between the same pair, both are kept (attribute
``duplicate_entries``), which Julia's ``sparse(I, J, V)`` would sum.
"""

from __future__ import annotations

import h5py
import numpy as np

from v1sim.network.neurons import NodeSpace
from v1sim.network.sorting import group_pointers
from v1sim.sonata.edges import EdgePopulation
from v1sim.storage import create_dataset

FORMAT = "v1sim-julia-connectome"


def population_selections(sorted_population: np.ndarray, n_populations: int) -> list[slice | np.ndarray]:
    """Where each edge population's synapses sit in the source-sorted order: a slice when contiguous."""
    out: list[slice | np.ndarray] = []
    for code in range(n_populations):
        where = np.flatnonzero(sorted_population == code)
        if len(where) == 0:
            out.append(slice(0, 0))
        elif where[-1] - where[0] + 1 == len(where):
            out.append(slice(int(where[0]), int(where[-1]) + 1))
        else:
            out.append(where)
    return out


def write_header(h5: h5py.File, space: NodeSpace) -> None:
    h5.attrs["format"] = FORMAT
    h5.attrs["index_base"] = 1
    h5.attrs["orientation"] = "rows = target nodes, columns = source nodes (CSC)"
    nodes = h5.create_group("nodes")
    for pop in space.populations:
        create_dataset(nodes, f"{pop.name}/node_id", data=pop.node_ids.astype(np.int64))


def edge_group(h5: h5py.File, pop: EdgePopulation, space: NodeSpace, duplicate_entries: bool) -> h5py.Group:
    group = h5.require_group("edges").create_group(pop.name)
    group.attrs["m"] = space.size(pop.target_population)
    group.attrs["n"] = space.size(pop.source_population)
    group.attrs["source_population"] = pop.source_population
    group.attrs["target_population"] = pop.target_population
    group.attrs["duplicate_entries"] = duplicate_entries
    return group


def index_dtype(group: h5py.Group) -> type:
    """Int32 indices while they fit (``SparseMatrixCSC{Float64,Int32}``), else Int64."""
    largest = max(int(group.attrs["m"]), int(group.attrs["n"]), int(group.attrs["nnz"])) + 1
    return np.int32 if largest < 2**31 - 1 else np.int64


def write_colptr(group: h5py.Group, source_index: np.ndarray, n_sources: int) -> None:
    """Column pointers (1-based) from the population-local source index of each entry, in CSC order."""
    group.attrs["nnz"] = len(source_index)
    colptr = group_pointers(source_index, n_sources) + 1
    create_dataset(group, "colptr", data=colptr.astype(index_dtype(group)))


def write_column(group: h5py.Group, name: str, values: np.ndarray) -> None:
    if name == "rowval":
        values = values.astype(index_dtype(group))
    create_dataset(group, name, data=values)
    if name == "nzval":
        group[name].attrs["units"] = "pA"
    elif name == "delay_ms":
        group[name].attrs["units"] = "ms"
