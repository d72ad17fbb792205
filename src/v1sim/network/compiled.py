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
    pops["name"] = _strings(net.population_names)
    pops["virtual"] = net.population_virtual.astype(bool)
    pops["offset"] = net.population_offset.astype(np.int64)
    pops["size"] = net.population_size.astype(np.int64)
    nodes = h5.create_group("nodes")
    nodes["population"] = net.node_population.astype(np.uint16)
    nodes["node_id"] = net.node_id.astype(np.int64)
    neurons = h5.create_group("neurons")
    neurons["model_code"] = net.model_code.astype(np.int8)
    neurons["model_code"].attrs["codes"] = MODEL_CODE_NAMES
    for name, unit in NEURON_SCALARS.items():
        neurons[name] = net.scalars[name].astype(np.float64)
        neurons[name].attrs["units"] = unit
    for name, (_, unit) in NEURON_VECTORS.items():
        neurons[name] = net.vectors[name].astype(np.float64)
        neurons[name].attrs["units"] = unit
    for name in NEURON_FLAGS:
        neurons[name] = net.flags[name].astype(bool)
    neurons["n_ports"] = net.n_ports.astype(np.int16)
    ports = h5.create_group("ports")
    for name, unit in PORT_ARRAYS.items():
        ports[name] = getattr(net, name).astype(np.float64)
        ports[name].attrs["units"] = unit
    edges = h5.create_group("edge_populations")
    edges["name"] = _strings(net.edge_population_names)


def write_compiled(path: Path, net: CompiledNetwork) -> None:
    """Write a whole :class:`CompiledNetwork` held in memory (the converter streams instead)."""
    with h5py.File(path, "w") as h5:
        write_compiled_header(h5, net)
        syn = h5.create_group("synapses")
        syn["indptr"] = net.indptr.astype(np.int64)
        syn["target"] = net.target.astype(np.int32)
        syn["weight_pa"] = net.weight_pa.astype(np.float64)
        syn["delay_ms"] = net.delay_ms.astype(np.float64)
        syn["port"] = net.port.astype(np.uint8)
        syn["edge_population"] = net.edge_population.astype(np.uint16)


def read_compiled(path: str | Path) -> CompiledNetwork:
    """Load a compiled network written by ``v1sim convert``."""
    path = Path(path)
    if not path.is_file():
        raise V1SimInputError(path, None, "compiled network not found")
    try:
        h5 = h5py.File(path, "r")
    except OSError:
        raise V1SimInputError(path, None, "not a readable HDF5 file") from None
    with h5:
        if h5.attrs.get("format") != FORMAT:
            raise V1SimInputError(path, "format", f"not a {FORMAT} file")
        if int(h5.attrs["format_version"]) != FORMAT_VERSION:
            raise V1SimInputError(
                path,
                "format_version",
                f"version {h5.attrs['format_version']}, expected {FORMAT_VERSION}: convert the circuit again",
            )
        neurons, syn, pops = h5["neurons"], h5["synapses"], h5["populations"]
        return CompiledNetwork(
            population_names=[s.decode() if isinstance(s, bytes) else s for s in pops["name"][:]],
            population_virtual=pops["virtual"][:],
            population_offset=pops["offset"][:],
            population_size=pops["size"][:],
            node_population=h5["nodes/population"][:],
            node_id=h5["nodes/node_id"][:],
            model_code=neurons["model_code"][:],
            scalars={k: neurons[k][:] for k in NEURON_SCALARS},
            vectors={k: neurons[k][:] for k in NEURON_VECTORS},
            flags={k: neurons[k][:] for k in NEURON_FLAGS},
            n_ports=neurons["n_ports"][:],
            **{name: h5["ports"][name][:] for name in PORT_ARRAYS},
            indptr=syn["indptr"][:],
            target=syn["target"][:],
            weight_pa=syn["weight_pa"][:],
            delay_ms=syn["delay_ms"][:],
            port=syn["port"][:],
            edge_population=syn["edge_population"][:],
            edge_population_names=[
                s.decode() if isinstance(s, bytes) else s for s in h5["edge_populations/name"][:]
            ],
            attrs={k: v for k, v in h5.attrs.items() if k not in ("format", "format_version")},
        )
