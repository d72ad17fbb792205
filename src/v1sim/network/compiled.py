"""The compiled network: the one file the engine reads (HDF5, layout in ``docs/compiled-network.md``).

Index space: neurons (simulated nodes) take engine indices ``0..n_neurons-1``, virtual nodes (spike sources)
follow at ``n_neurons..n_neurons+n_virtual-1``. Synapses are CSR grouped by source engine index
(``indptr`` of length n_neurons+n_virtual+1), ordered by target within a source, with target neuron index,
weight (pA, the peak of the alpha current), delay (ms) and engine receptor port. Nothing depends on the
simulation time step.

Receptor ports are per neuron: ``n_ports`` of them (by model: one per ``tau_syn`` of glif_psc, per ``tau_syn_fast``
of glif_psc_double_alpha, two for iaf_psc_alpha/iaf_psc_exp, one for iaf_psc_delta), with their time constants
stored ragged, neuron after neuron (``port_start`` gives each neuron's first), so a network pays only for the
ports its cells have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from v1sim.errors import V1SimInputError
from v1sim.storage import checked_h5, create_dataset, read_array

FORMAT = "v1sim-compiled-network"
FORMAT_VERSION = 2

#: Per-neuron scalar parameters, NEST names and units.
NEURON_SCALARS = {
    "V_m": "mV",
    "E_L": "mV",
    "V_th": "mV",
    "V_reset": "mV",
    "V_min": "mV",
    "C_m": "pF",
    "g": "nS",
    "tau_m": "ms",
    "t_ref": "ms",
    "I_e": "pA",
}
#: Per-neuron vector parameters: (columns, units).
NEURON_VECTORS = {"asc_init": (2, "pA"), "asc_decay": (2, "1/ms"), "asc_amps": (2, "pA"), "asc_r": (2, "1")}
NEURON_FLAGS = ("after_spike_currents", "spike_dependent_threshold", "adapting_threshold")
#: Per-port arrays (ragged, neuron after neuron): name -> units. NaN where a model has no such constant.
PORT_ARRAYS = {"port_tau_ms": "ms", "port_tau_slow_ms": "ms", "port_amp_slow": "1"}
MODEL_CODE_NAMES = "0 glif_psc, 1 iaf_psc_alpha, 2 glif_psc_double_alpha, 3 iaf_psc_delta, 4 iaf_psc_exp"


@dataclass
class CompiledNetwork:
    """Everything the engine needs, as numpy arrays (see the module docstring for the index space)."""

    population_names: list[str]
    population_virtual: np.ndarray
    population_offset: np.ndarray
    population_size: np.ndarray
    #: Per engine index (neurons then virtual nodes): population code and SONATA node id.
    node_population: np.ndarray
    node_id: np.ndarray
    #: Per neuron: model code (``MODEL_CODE_NAMES``), parameters, number of receptor ports.
    model_code: np.ndarray
    scalars: dict[str, np.ndarray]
    vectors: dict[str, np.ndarray]
    flags: dict[str, np.ndarray]
    n_ports: np.ndarray
    #: Per port (ragged, ``port_start`` per neuron): synaptic time constant (ms; the fast one of a double
    #: alpha), the slow time constant (ms) and the slow amplitude of glif_psc_double_alpha (NaN elsewhere).
    port_tau_ms: np.ndarray
    port_tau_slow_ms: np.ndarray
    port_amp_slow: np.ndarray
    #: Synapses, CSR by source engine index.
    indptr: np.ndarray
    target: np.ndarray
    weight_pa: np.ndarray
    delay_ms: np.ndarray
    port: np.ndarray
    edge_population: np.ndarray
    edge_population_names: list[str]
    attrs: dict[str, object] = field(default_factory=dict)

    @property
    def n_neurons(self) -> int:
        return len(self.model_code)

    @property
    def n_virtual(self) -> int:
        return len(self.node_id) - self.n_neurons

    @property
    def n_synapses(self) -> int:
        return len(self.target)

    @property
    def port_start(self) -> np.ndarray:
        """Index of each neuron's first port in the per-port arrays (length n_neurons + 1)."""
        start = np.zeros(self.n_neurons + 1, dtype=np.int64)
        np.cumsum(self.n_ports, out=start[1:])
        return start

    def engine_index(self, population: str, node_ids: np.ndarray) -> np.ndarray:
        """Engine indices of ``node_ids`` of ``population`` (node ids are sorted within a population)."""
        p = self.population_names.index(population)
        lo, size = int(self.population_offset[p]), int(self.population_size[p])
        ids = self.node_id[lo : lo + size]
        where = np.searchsorted(ids, node_ids)
        if (where >= size).any() or (ids[np.minimum(where, size - 1)] != node_ids).any():
            raise KeyError(f"node ids absent from population {population}")
        return lo + where


def _strings(values: list[str]) -> np.ndarray:
    return np.array(values, dtype=h5py.string_dtype())


def write_compiled_header(h5: h5py.File, net: CompiledNetwork) -> None:
    """Write everything but the synapse arrays (which are written column by column to bound memory)."""
    h5.attrs.update({"format": FORMAT, "format_version": FORMAT_VERSION, **net.attrs})
    h5.attrs["n_neurons"] = net.n_neurons
    h5.attrs["n_virtual"] = net.n_virtual
    pops = h5.create_group("populations")
    create_dataset(pops, "name", data=_strings(net.population_names))
    create_dataset(pops, "virtual", data=net.population_virtual.astype(bool))
    create_dataset(pops, "offset", data=net.population_offset.astype(np.int64))
    create_dataset(pops, "size", data=net.population_size.astype(np.int64))
    nodes = h5.create_group("nodes")
    create_dataset(nodes, "population", data=net.node_population.astype(np.uint16))
    create_dataset(nodes, "node_id", data=net.node_id.astype(np.int64))
    neurons = h5.create_group("neurons")
    create_dataset(neurons, "model_code", data=net.model_code.astype(np.int8))
    neurons["model_code"].attrs["codes"] = MODEL_CODE_NAMES
    for name, unit in NEURON_SCALARS.items():
        create_dataset(neurons, name, data=net.scalars[name].astype(np.float64))
        neurons[name].attrs["units"] = unit
    for name, (_, unit) in NEURON_VECTORS.items():
        create_dataset(neurons, name, data=net.vectors[name].astype(np.float64))
        neurons[name].attrs["units"] = unit
    for name in NEURON_FLAGS:
        create_dataset(neurons, name, data=net.flags[name].astype(bool))
    create_dataset(neurons, "n_ports", data=net.n_ports.astype(np.int16))
    ports = h5.create_group("ports")
    for name, unit in PORT_ARRAYS.items():
        create_dataset(ports, name, data=getattr(net, name).astype(np.float64))
        ports[name].attrs["units"] = unit
    edges = h5.create_group("edge_populations")
    create_dataset(edges, "name", data=_strings(net.edge_population_names))


def write_compiled(path: Path, net: CompiledNetwork) -> None:
    """Write a whole :class:`CompiledNetwork` held in memory (the converter streams instead)."""
    with h5py.File(path, "w") as h5:
        write_compiled_header(h5, net)
        syn = h5.create_group("synapses")
        create_dataset(syn, "indptr", data=net.indptr.astype(np.int64))
        create_dataset(syn, "target", data=net.target.astype(np.int32))
        create_dataset(syn, "weight_pa", data=net.weight_pa.astype(np.float64))
        create_dataset(syn, "delay_ms", data=net.delay_ms.astype(np.float64))
        create_dataset(syn, "port", data=net.port.astype(np.uint8))
        create_dataset(syn, "edge_population", data=net.edge_population.astype(np.uint16))


def _names(values: np.ndarray) -> list[str]:
    return [s.decode() if isinstance(s, bytes) else s for s in values]


def read_compiled(path: str | Path) -> CompiledNetwork:
    """Load a compiled network written by ``v1sim convert``; a corrupt dataset (a chunk whose checksum fails)
    is an input error naming the file and the dataset."""
    path = Path(path)
    with checked_h5(path, "compiled network") as h5:
        if h5.attrs.get("format") != FORMAT:
            raise V1SimInputError(path, "format", f"not a {FORMAT} file")
        version = h5.attrs.get("format_version")
        if version is None or int(version) != FORMAT_VERSION:
            raise V1SimInputError(
                path,
                "format_version",
                f"version {version}, expected {FORMAT_VERSION}: convert the circuit again",
            )

        def read(name: str) -> np.ndarray:
            if name not in h5:
                raise V1SimInputError(path, f"/{name}", "required dataset is missing")
            return read_array(h5[name], path)

        syn = "synapses"
        return CompiledNetwork(
            population_names=_names(read("populations/name")),
            population_virtual=read("populations/virtual"),
            population_offset=read("populations/offset"),
            population_size=read("populations/size"),
            node_population=read("nodes/population"),
            node_id=read("nodes/node_id"),
            model_code=read("neurons/model_code"),
            scalars={k: read(f"neurons/{k}") for k in NEURON_SCALARS},
            vectors={k: read(f"neurons/{k}") for k in NEURON_VECTORS},
            flags={k: read(f"neurons/{k}") for k in NEURON_FLAGS},
            n_ports=read("neurons/n_ports"),
            **{name: read(f"ports/{name}") for name in PORT_ARRAYS},
            indptr=read(f"{syn}/indptr"),
            target=read(f"{syn}/target"),
            weight_pa=read(f"{syn}/weight_pa"),
            delay_ms=read(f"{syn}/delay_ms"),
            port=read(f"{syn}/port"),
            edge_population=read(f"{syn}/edge_population"),
            edge_population_names=_names(read("edge_populations/name")),
            attrs={k: v for k, v in h5.attrs.items() if k not in ("format", "format_version")},
        )
