"""``v1sim convert``: a SONATA circuit → Parquet tables, sparse matrices, the compiled network and Julia HDF5.

Outputs (in ``OUTDIR``, written atomically — all of them or none):

* ``nodes.parquet`` — one row per node, every attribute, engine index and NEST parameters;
* ``edges/<edge population>.parquet`` — one row per SONATA edge, in file order, as NEST receives it;
* ``connectome/<edge population>.npz`` — scipy CSR (target × source, population-local indices) of weight_pa;
* ``compiled_network.h5`` — the engine's input (:mod:`v1sim.network.compiled`);
* ``connectome.h5`` — CSC arrays for Julia (:mod:`v1sim.network.julia`);
* ``provenance.json`` — what was converted, by what, how long it took and how much memory it used.

Edges are streamed in chunks: peak memory is the final arrays plus one chunk.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse as sp
from tqdm import tqdm

from v1sim.errors import V1SimInputError
from v1sim.models.params import MODEL_CODES
from v1sim.network import julia
from v1sim.network.compiled import (
    NEURON_FLAGS,
    NEURON_SCALARS,
    NEURON_VECTORS,
    CompiledNetwork,
    write_compiled_header,
)
from v1sim.network.neurons import NodeSpace, build_node_space, port_arrays
from v1sim.network.sorting import gather, group_pointers, lexsort_two_keys
from v1sim.network.synapses import EdgeBlock, EdgeTransformer
from v1sim.network.user_weights import load_weight_functions, weight_function_files
from v1sim.provenance import atomic_directory, peak_memory_mb, provenance, write_json
from v1sim.sonata.config import load_circuit_config
from v1sim.sonata.edges import EdgeChunk, EdgePopulation, read_edge_populations
from v1sim.sonata.nodes import read_node_populations
from v1sim.storage import create_dataset, parquet_options, write_parquet

log = logging.getLogger(__name__)

DEFAULT_CHUNK_EDGES = 4_000_000

#: The files :func:`convert_circuit` writes into its folder, and its folders of one file per edge population
#: (``edges/<population>.parquet``, ``connectome/<population>.npz``).
OUTPUTS = ("nodes.parquet", "compiled_network.h5", "connectome.h5", "provenance.json")
EDGE_FOLDERS = ("edges", "connectome")


@dataclass
class ConvertSummary:
    """What a conversion produced, for the one-line report and the provenance record."""

    outdir: Path
    node_populations: dict[str, int]
    virtual_populations: list[str]
    edge_populations: dict[str, int]
    seconds: float
    peak_memory_mb: float

    def line(self) -> str:
        pops = ", ".join(
            f"{n} {k:,}{' (virtual)' if n in self.virtual_populations else ''}"
            for n, k in self.node_populations.items()
        )
        edges = ", ".join(f"{n} {k:,}" for n, k in self.edge_populations.items())
        return (
            f"converted {sum(self.node_populations.values()):,} nodes [{pops}] and "
            f"{sum(self.edge_populations.values()):,} edges [{edges}] in {self.seconds:.1f} s, "
            f"peak memory {self.peak_memory_mb / 1024:.2f} GB -> {self.outdir}"
        )


class _Synapses:
    """All edges of the circuit in engine indices, filled chunk by chunk, in SONATA order per population."""

    def __init__(self, n_edges: int, n_nodes: int) -> None:
        index_type = np.int32 if n_nodes < 2**31 - 1 else np.int64
        self.source = np.empty(n_edges, dtype=index_type)
        self.target = np.empty(n_edges, dtype=index_type)
        self.weight_pa = np.empty(n_edges, dtype=np.float64)
        self.delay_ms = np.empty(n_edges, dtype=np.float64)
        self.receptor = np.empty(n_edges, dtype=np.int16)
        self.port = np.empty(n_edges, dtype=np.uint8)
        self.population = np.empty(n_edges, dtype=np.uint8)

    def put(self, at: int, block: EdgeBlock, source_offset: int, target_offset: int, code: int) -> None:
        end = at + len(block.weight_pa)
        self.source[at:end] = block.source_index + source_offset
        self.target[at:end] = block.target_index + target_offset
        self.weight_pa[at:end] = block.weight_pa
        self.delay_ms[at:end] = block.delay_ms
        self.receptor[at:end] = block.receptor
        self.port[at:end] = block.port
        self.population[at:end] = code


def _parquet_table(block: EdgeBlock, pop: EdgePopulation) -> pa.Table:
    n = len(block.weight_pa)
    codes = np.zeros(n, dtype=np.int8)

    def category(name: str) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(codes, pa.array([name]))

    return pa.table(
        {
            "source_population": category(pop.source_population),
            "source_node_id": block.source_node_id,
            "target_population": category(pop.target_population),
            "target_node_id": block.target_node_id,
            "edge_type_id": block.edge_type_id,
            "nsyns": block.nsyns,
            "syn_weight": block.syn_weight,
            "weight_pa": block.weight_pa,
            "delay_ms": block.delay_ms,
            "receptor": block.receptor,
        }
    )


def neuron_arrays(neurons: pd.DataFrame) -> dict[str, object]:
    """Per-neuron parameter arrays of the compiled network from the simulated rows of a nodes table."""

    def col(name: str, dtype: type = np.float64) -> np.ndarray:
        if name in neurons:
            return neurons[name].to_numpy(dtype=dtype)
        return np.full(len(neurons), np.nan if dtype is np.float64 else 0, dtype=dtype)

    code = col("model_code", np.int8)
    glif = (code == MODEL_CODES["glif_psc"]) | (code == MODEL_CODES["glif_psc_double_alpha"])
    scalars = {name: col(name) for name in NEURON_SCALARS}
    scalars["g"] = np.where(glif, col("g"), col("C_m") / col("tau_m"))  # iaf models: g = C_m / tau_m
    scalars["tau_m"] = np.where(glif, col("C_m") / col("g"), col("tau_m"))  # glif models: tau_m = C_m / g
    scalars["I_e"] = np.where(glif, 0.0, col("I_e"))  # glif models have no I_e
    no_lower_bound = glif | (code == MODEL_CODES["iaf_psc_exp"])
    scalars["V_min"] = np.where(no_lower_bound, -np.inf, col("V_min"))
    vectors = {
        name: np.stack([col(f"{name}_{j}") for j in range(n)], axis=1)
        for name, (n, _) in NEURON_VECTORS.items()
    }
    return {
        "model_code": code,
        "scalars": scalars,
        "vectors": vectors,
        "flags": {name: col(name, bool) for name in NEURON_FLAGS},
        **port_arrays(neurons),
    }


def _network_header(space: NodeSpace, edge_pops: list[EdgePopulation], config: Path) -> CompiledNetwork:
    names = [p.name for p in space.populations]
    table = space.table
    empty = np.zeros(0)
    return CompiledNetwork(
        population_names=names,
        population_virtual=np.array([space.virtual[n] for n in names], dtype=bool),
        population_offset=np.array([space.offset[n] for n in names], dtype=np.int64),
        population_size=np.array([space.size(n) for n in names], dtype=np.int64),
        node_population=np.repeat(np.arange(len(names)), [space.size(n) for n in names]),
        node_id=table["node_id"].to_numpy(dtype=np.int64),
        indptr=empty,
        target=empty,
        weight_pa=empty,
        delay_ms=empty,
        port=empty,
        edge_population=empty,
        edge_population_names=[p.name for p in edge_pops],
        attrs={"source_config": str(config)},
        **neuron_arrays(space.table.iloc[: space.n_neurons]),
    )


def _write_nodes(table, path: Path) -> None:
    frame = table.copy()
    for column in frame.columns:
        if frame[column].dtype == object:  # mixed or missing strings: store as nullable text
            frame[column] = (
                frame[column].map(lambda v: None if v is None or v != v else str(v)).astype("string")
            )
    write_parquet(frame, path)


def _write_connectome_npz(
    syn: _Synapses, lo: int, hi: int, space: NodeSpace, pop: EdgePopulation, path: Path
) -> bool:
    """Write the population's weight matrix; return whether two edges joined the same pair (they are summed)."""
    n_rows, n_cols = space.size(pop.target_population), space.size(pop.source_population)
    rows = syn.target[lo:hi] - space.offset[pop.target_population]
    cols = syn.source[lo:hi] - space.offset[pop.source_population]
    order = lexsort_two_keys(rows, n_rows, cols)
    indices = gather(cols, order, np.int32 if max(n_rows, n_cols) < 2**31 else np.int64)
    indptr = group_pointers(rows, n_rows)
    matrix = sp.csr_matrix((gather(syn.weight_pa[lo:hi], order), indices, indptr), shape=(n_rows, n_cols))
    matrix.has_sorted_indices = True
    duplicates = not matrix.has_canonical_format  # sorted, so only repeated (target, source) pairs remain
    if duplicates:
        matrix.sum_duplicates()
    sp.save_npz(path, matrix, compressed=False)
    return duplicates


class _ParquetWriter:
    """Writes one edge population's table in a background thread while the next chunk is computed."""

    def __init__(self, path: Path, compression: str) -> None:
        self.path, self.compression = path, compression
        self.writer: pq.ParquetWriter | None = None
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet")
        self.pending: Future[None] | None = None

    def _write(self, table: pa.Table) -> None:
        if self.writer is None:
            # Dictionary-encode only the population names: for ids and weights it costs time and gains little.
            self.writer = pq.ParquetWriter(
                self.path,
                table.schema,
                compression=self.compression,
                use_dictionary=["source_population", "target_population"],
                **parquet_options(),
            )
        self.writer.write_table(table)

    def write(self, table: pa.Table) -> None:
        self.wait()
        self.pending = self.pool.submit(self._write, table)

    def wait(self) -> None:
        if self.pending is not None:
            self.pending.result()
            self.pending = None

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.pool.shutdown()
            if self.writer is not None:
                self.writer.close()


def convert_circuit(
    config: str | Path,
    outdir: str | Path,
    *,
    chunk_edges: int = DEFAULT_CHUNK_EDGES,
    progress: bool = True,
    parquet_compression: str = "snappy",
    weight_functions: Sequence[str | Path] = (),
) -> ConvertSummary:
    """Convert the SONATA circuit named by ``config`` into ``outdir`` (see the module docstring).

    ``weight_functions``: Python files registering weight functions as for bmtk (``--weight-functions``), loaded
    after those the config lists under ``components.weight_functions`` (:mod:`v1sim.network.user_weights`).
    """
    started = time.perf_counter()
    config, outdir = Path(config), Path(outdir)
    circuit = load_circuit_config(config)
    user_functions = load_weight_functions(weight_function_files(circuit, weight_functions))
    log.info("reading nodes from %d file(s)", len(circuit.nodes))

    def elapsed() -> str:
        return f"{time.perf_counter() - started:.1f} s"

    node_pops = [pop for files in circuit.nodes for pop in read_node_populations(files)]
    space = build_node_space(node_pops, circuit.point_neuron_models_dirs)
    edge_pops = [pop for files in circuit.edges for pop in read_edge_populations(files)]
    names = [p.name for p in edge_pops]
    for pop in edge_pops:
        if names.count(pop.name) > 1:
            raise V1SimInputError(
                pop.files.edges_file, pop.field, "edge population defined twice in the circuit"
            )
    if len(edge_pops) > 255:
        raise V1SimInputError(config, "networks.edges", "more than 255 edge populations")
    transformers = [
        EdgeTransformer(p, space, circuit.synaptic_models_dirs, user_functions) for p in edge_pops
    ]

    n_edges = sum(p.n_edges for p in edge_pops)
    log.info("[%s] streaming %s edges of %d population(s)", elapsed(), f"{n_edges:,}", len(edge_pops))
    n_nodes = space.n_neurons + space.n_virtual
    syn = _Synapses(n_edges, n_nodes)
    ranges: dict[str, tuple[int, int]] = {}
    with atomic_directory(outdir) as tmp:
        _write_nodes(space.table, tmp / "nodes.parquet")
        (tmp / "edges").mkdir()
        (tmp / "connectome").mkdir()
        at = 0
        with tqdm(total=n_edges, unit="edge", unit_scale=True, disable=not progress, desc="edges") as bar:
            for code, (pop, transformer) in enumerate(zip(edge_pops, transformers, strict=True)):
                lo = at
                writer = _ParquetWriter(tmp / "edges" / f"{pop.name}.parquet", parquet_compression)
                try:
                    for chunk in pop.iter_chunks(chunk_edges, transformer.attributes):
                        block = transformer.transform(chunk)
                        writer.write(_parquet_table(block, pop))
                        syn.put(
                            at,
                            block,
                            space.offset[pop.source_population],
                            space.offset[pop.target_population],
                            code,
                        )
                        at += len(block.weight_pa)
                        bar.update(len(block.weight_pa))
                    if at == lo:  # an empty population still gets its (empty) table
                        writer.write(_parquet_table(transformer.transform(_empty_chunk()), pop))
                finally:
                    writer.close()
                ranges[pop.name] = (lo, at)
        duplicates = {}
        for pop in edge_pops:
            log.info("[%s] writing connectome/%s.npz", elapsed(), pop.name)
            path = tmp / "connectome" / f"{pop.name}.npz"
            duplicates[pop.name] = _write_connectome_npz(syn, *ranges[pop.name], space, pop, path)

        log.info("[%s] grouping %s synapses by source", elapsed(), f"{n_edges:,}")
        order = lexsort_two_keys(syn.source, n_nodes, syn.target)
        header = _network_header(space, edge_pops, config.resolve())
        log.info("[%s] writing compiled_network.h5 and connectome.h5", elapsed())
        _write_sorted(tmp, syn, order, header, space, edge_pops, duplicates)

        seconds = time.perf_counter() - started
        summary = ConvertSummary(
            outdir=outdir,
            node_populations={p.name: p.size for p in space.populations},
            virtual_populations=[p.name for p in space.populations if space.virtual[p.name]],
            edge_populations={p.name: p.n_edges for p in edge_pops},
            seconds=seconds,
            peak_memory_mb=peak_memory_mb(),
        )
        write_json(
            tmp / "provenance.json",
            provenance(
                started,
                stage="convert",
                source_config=str(config.resolve()),
                simulation_config=str(circuit.simulation_file) if circuit.simulation_file else None,
                node_populations=summary.node_populations,
                virtual_populations=summary.virtual_populations,
                edge_populations=summary.edge_populations,
                chunk_edges=chunk_edges,
                weight_functions=user_functions.provenance(),
            ),
        )
    return summary


def _empty_chunk() -> EdgeChunk:
    z = np.zeros(0, dtype=np.int64)
    return EdgeChunk(start=0, source_node_id=z, target_node_id=z, edge_type_id=z, attributes={}, present={})


def _write_sorted(
    tmp: Path,
    syn: _Synapses,
    order: np.ndarray,
    header: CompiledNetwork,
    space: NodeSpace,
    edge_pops: list[EdgePopulation],
    duplicates: dict[str, bool],
) -> None:
    """Write the compiled network and the Julia CSC file, gathering one column at a time through ``order``."""
    n_nodes = space.n_neurons + space.n_virtual
    sorted_population = gather(syn.population, order)
    selections = julia.population_selections(sorted_population, len(edge_pops))
    with h5py.File(tmp / "compiled_network.h5", "w") as compiled, h5py.File(tmp / "connectome.h5", "w") as jl:
        write_compiled_header(compiled, header)
        group = compiled.create_group("synapses")
        create_dataset(group, "indptr", data=group_pointers(syn.source, n_nodes))
        create_dataset(group, "edge_population", data=sorted_population)
        julia.write_header(jl, space)
        julia_groups = [julia.edge_group(jl, pop, space, duplicates[pop.name]) for pop in edge_pops]
        for j, pop in enumerate(edge_pops):
            selected = gather(syn.source, order[selections[j]]) - space.offset[pop.source_population]
            julia.write_colptr(julia_groups[j], selected, space.size(pop.source_population))
        columns = (
            ("target", syn.target, np.int32, "rowval"),
            ("weight_pa", syn.weight_pa, np.float64, "nzval"),
            ("delay_ms", syn.delay_ms, np.float64, "delay_ms"),
            ("port", syn.port, np.uint8, None),
            (None, syn.receptor, np.int16, "receptor"),
        )
        for name, values, dtype, julia_name in columns:
            ordered = gather(values, order)
            if name is not None:
                create_dataset(group, name, data=ordered.astype(dtype, copy=False))
            if julia_name is not None:
                for j, pop in enumerate(edge_pops):
                    part = ordered[selections[j]]
                    if julia_name == "rowval":
                        part = part - space.offset[pop.target_population] + 1
                    julia.write_column(julia_groups[j], julia_name, part)
            del ordered
        group["target"].attrs["units"] = "neuron index"
        group["weight_pa"].attrs["units"] = "pA"
        group["delay_ms"].attrs["units"] = "ms"
