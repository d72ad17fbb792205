"""The node side of the compiled network: every node's engine index and every neuron's NEST parameters."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from v1sim.errors import V1SimInputError
from v1sim.models.params import (
    MODEL_CODES,
    N_ASC,
    nest_neuron_params,
    receptor_ports,
    template_model,
)
from v1sim.sonata.components import find_component, load_component
from v1sim.sonata.nodes import NodeIdLookup, NodePopulation

log = logging.getLogger(__name__)

#: Scalar parameters of the canonical per-neuron table (NaN where a model lacks one).
SCALAR_PARAMS = (
    "V_m",
    "E_L",
    "V_th",
    "V_reset",
    "C_m",
    "t_ref",
    "g",
    "tau_m",
    "I_e",
    "V_min",
    "tau_syn_ex",
    "tau_syn_in",
    "delta",
    "rho",
    "th_spike_add",
    "th_spike_decay",
    "voltage_reset_fraction",
    "voltage_reset_add",
    "th_voltage_index",
    "th_voltage_decay",
)
FLAG_PARAMS = ("after_spike_currents", "spike_dependent_threshold", "adapting_threshold", "refractory_input")
#: Per-port lists of the models: numbered columns ``<name>_1``…``<name>_n`` (NEST receptor_type 1…n).
PORT_LIST_PARAMS = ("tau_syn", "tau_syn_fast", "tau_syn_slow", "amp_slow")
ASC_PARAMS = ("asc_init", "asc_decay", "asc_amps", "asc_r")
#: Columns first in nodes.parquet, in this order, when the circuit has them.
LEADING_COLUMNS = (
    "population",
    "node_id",
    "node_type_id",
    "pop_index",
    "engine_index",
    "model_type",
    "model_template",
    "nest_model",
    "pop_name",
    "model_name",
    "ei",
    "location",
    "x",
    "y",
    "z",
    "tuning_angle",
)


def param_columns(nest_model: str, params: dict[str, Any]) -> dict[str, Any]:
    """Flatten one model's NEST parameters into the canonical columns (NEST names, NaN where absent).

    Lists become numbered columns: ``asc_amps_0``/``_1`` per after-spike current, and per NEST receptor port
    (``receptor_type`` 1…n) ``tau_syn_1``…``tau_syn_n`` of glif_psc, ``tau_syn_fast_p``, ``tau_syn_slow_p``,
    ``amp_slow_p`` of glif_psc_double_alpha (a model with fewer ports leaves the higher ones out: NaN in the table).
    """
    row: dict[str, Any] = {name: np.nan for name in SCALAR_PARAMS}
    row.update({flag: False for flag in FLAG_PARAMS})
    for name in ASC_PARAMS:
        row.update({f"{name}_{j}": np.nan for j in range(N_ASC)})
    for key, value in params.items():
        if key in PORT_LIST_PARAMS:
            row.update({f"{key}_{p + 1}": v for p, v in enumerate(value)})
        elif key in ASC_PARAMS:
            row.update({f"{key}_{j}": v for j, v in enumerate(value)})
        else:
            row[key] = value
    row["nest_model"] = nest_model
    row["model_code"] = MODEL_CODES[nest_model]
    row["n_receptor_ports"] = receptor_ports(nest_model, params)
    return row


@dataclass
class NodeSpace:
    """All node populations placed in one index space: neurons 0..n_neurons-1, then virtual nodes.

    The engine index of a node is its place in this space; synapse sources use it, targets are neurons.
    """

    populations: list[NodePopulation]
    #: First engine index of each population, by name.
    offset: dict[str, int]
    virtual: dict[str, bool]
    n_neurons: int
    n_virtual: int
    #: One row per node, in engine-index order (the nodes.parquet table).
    table: pd.DataFrame
    lookups: dict[str, NodeIdLookup]

    def population(self, name: str) -> NodePopulation:
        for pop in self.populations:
            if pop.name == name:
                return pop
        raise KeyError(name)

    def size(self, name: str) -> int:
        return self.population(name).size


#: ``model_type`` values of other SONATA simulators, refused by name (bmtk PointNet would hand their
#: templates, such as ``ctdb:Biophys1.hoc`` or ``dipde:Internal``, to NEST, which has no such model).
OUT_OF_SCOPE_MODEL_TYPES = {
    "biophysical": "biophysical cells (bmtk BioNet, NEURON)",
    "population": "population models (bmtk PopNet, DiPDE)",
}


def _refuse_out_of_scope(pop: NodePopulation) -> None:
    """One line naming the file and field when a node is a biophysical cell or a DiPDE population model.

    A node whose ``model_template`` is a NEST model (``nest:…``) is a point neuron whatever its
    ``model_type`` says, and bmtk PointNet creates it in NEST; so only non-NEST templates are refused.
    """
    model_type = pop.table["model_type"].astype(str).to_numpy()
    if "model_template" in pop.table:
        template = pop.table["model_template"].astype(str).to_numpy()
    else:
        template = np.full(len(model_type), "nan")
    for kind, what in OUT_OF_SCOPE_MODEL_TYPES.items():
        bad = (model_type == kind) & ~np.char.startswith(template.astype(str), "nest:")
        if not bad.any():
            continue
        i = int(np.argmax(bad))
        type_id = int(pop.table["node_type_id"].iloc[i])
        in_types = "model_type" in pop.types and str(pop.types["model_type"].get(type_id)) == kind
        path = pop.files.node_types_file if in_types else pop.files.nodes_file
        field = f"model_type (node type {type_id})" if in_types else f"/nodes/{pop.name} model_type"
        shown = "no model_template" if template[i] == "nan" else f"model_template '{template[i]}'"
        raise V1SimInputError(
            path,
            field,
            f"'{kind}' ({shown}): {what} are out of scope; v1sim runs NEST point neurons "
            "(model_type point_neuron or point_process, model_template nest:<model>) and virtual nodes",
        )


def _population_kind(pop: NodePopulation) -> bool:
    """True for a virtual population (every node ``model_type == virtual``); refuses out-of-scope models."""
    if "model_type" not in pop.table:
        raise V1SimInputError(
            pop.files.node_types_file, "model_type", f"column missing (population '{pop.name}')"
        )
    _refuse_out_of_scope(pop)
    virtual = pop.table["model_type"].astype(str).to_numpy() == "virtual"
    if virtual.any() and not virtual.all():
        raise V1SimInputError(
            pop.files.nodes_file,
            f"/nodes/{pop.name}",
            "population mixes virtual and simulated nodes; v1sim needs one kind per population",
        )
    return bool(virtual.all()) if len(virtual) else False


def _model_rows(pop: NodePopulation, model_dirs: list[Path]) -> pd.DataFrame:
    """Canonical parameter columns for every node of a simulated population (one model per distinct file)."""
    for column in ("model_template", "dynamics_params"):
        if column not in pop.table:
            raise V1SimInputError(
                pop.files.node_types_file, column, f"column missing (population '{pop.name}')"
            )
    keys = pop.table[["model_template", "dynamics_params"]].astype(str)
    distinct, inverse = np.unique(
        keys["model_template"] + "\0" + keys["dynamics_params"], return_inverse=True
    )
    rows = []
    for key in distinct:
        template, params_file = key.split("\0")
        model = template_model(template, pop.files.node_types_file)
        path = find_component(params_file, model_dirs, pop.files.node_types_file)
        nest_model, params = nest_neuron_params(model, load_component(path), path)
        rows.append(param_columns(nest_model, params))
    table = pd.DataFrame(rows).iloc[inverse].reset_index(drop=True)
    overrides = [c for c in pop.table.columns if c.startswith("dynamics_params.")]
    for column in overrides:  # per-node parameter values stored in the nodes file
        name = column.split(".", 1)[1]
        if name not in table:
            raise V1SimInputError(
                pop.files.nodes_file, f"/nodes/{pop.name}/dynamics_params/{name}", "unknown parameter"
            )
        values = pop.table[column].to_numpy(dtype=float)
        given = ~np.isnan(values)
        table.loc[given, name] = values[given]
    return table


def build_node_space(populations: list[NodePopulation], model_dirs: list[Path]) -> NodeSpace:
    """Order populations (simulated first, in config order, then virtual) and compute every neuron's parameters."""
    names = [p.name for p in populations]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        name = sorted(duplicated)[0]
        files = [str(p.files.nodes_file) for p in populations if p.name == name]
        raise V1SimInputError(files[-1], f"/nodes/{name}", f"population defined twice (also in {files[0]})")

    kinds = {p.name: _population_kind(p) for p in populations}
    ordered = [p for p in populations if not kinds[p.name]] + [p for p in populations if kinds[p.name]]
    offset, frames, start = {}, [], 0
    for pop in ordered:
        offset[pop.name] = start
        frame = pop.table.copy()
        frame.insert(0, "population", pop.name)
        frame.insert(3, "pop_index", np.arange(pop.size, dtype=np.int64))
        frame.insert(4, "engine_index", np.arange(start, start + pop.size, dtype=np.int64))
        if not kinds[pop.name]:
            params = _model_rows(pop, model_dirs)
            clashes = [c for c in params if c in frame]
            if clashes:  # a node attribute named like a model parameter keeps its value under another name
                log.warning(
                    "%s: node attribute(s) %s renamed attribute.<name>: the names hold NEST parameters",
                    pop.files.nodes_file,
                    ", ".join(clashes),
                )
                frame = frame.rename(columns={c: f"attribute.{c}" for c in clashes})
            frame = pd.concat([frame, params], axis=1)
        frames.append(frame)
        start += pop.size
    table = pd.concat(frames, ignore_index=True, sort=False)
    if "model_code" in table:  # virtual nodes have no model
        table["model_code"] = table["model_code"].fillna(-1).astype(np.int8)
        table["n_receptor_ports"] = table["n_receptor_ports"].fillna(0).astype(np.int16)
        for flag in FLAG_PARAMS:
            table[flag] = table[flag].fillna(False).astype(bool)
    leading = [c for c in LEADING_COLUMNS if c in table]
    table = table[leading + [c for c in table.columns if c not in leading]]
    n_neurons = sum(p.size for p in ordered if not kinds[p.name])
    return NodeSpace(
        populations=ordered,
        offset=offset,
        virtual=kinds,
        n_neurons=n_neurons,
        n_virtual=start - n_neurons,
        table=table,
        lookups={p.name: NodeIdLookup(p.node_ids, p.name) for p in ordered},
    )


def _numbered(neurons: pd.DataFrame, name: str, rows: np.ndarray, width: int) -> np.ndarray:
    """Columns ``<name>_1``…``<name>_width`` of ``rows`` as a (rows, width) array (NaN where a column is absent)."""
    out = np.full((len(rows), width), np.nan)
    for p in range(width):
        column = f"{name}_{p + 1}"
        if column in neurons:
            out[:, p] = neurons[column].to_numpy(dtype=float)[rows]
    return out


def port_arrays(neurons: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per-port time constants of the compiled network, ragged neuron after neuron (see ``network.compiled``).

    ``neurons`` holds the simulated rows of the nodes table (``model_code``, ``n_receptor_ports`` and the
    parameter columns of :func:`param_columns`).
    """
    code = neurons["model_code"].to_numpy(dtype=np.int64)
    n_ports = neurons["n_receptor_ports"].to_numpy(dtype=np.int64)
    width = int(n_ports.max()) if len(n_ports) else 0
    tau = np.full((len(code), width), np.nan)
    tau_slow, amp_slow = tau.copy(), tau.copy()
    for model, m in MODEL_CODES.items():
        rows = np.flatnonzero(code == m)
        if not len(rows):
            continue
        if model == "glif_psc":
            tau[rows] = _numbered(neurons, "tau_syn", rows, width)
        elif model == "glif_psc_double_alpha":
            tau[rows] = _numbered(neurons, "tau_syn_fast", rows, width)
            tau_slow[rows] = _numbered(neurons, "tau_syn_slow", rows, width)
            amp_slow[rows] = _numbered(neurons, "amp_slow", rows, width)
        elif model in ("iaf_psc_alpha", "iaf_psc_exp"):
            tau[rows, 0] = neurons["tau_syn_ex"].to_numpy(dtype=float)[rows]
            tau[rows, 1] = neurons["tau_syn_in"].to_numpy(dtype=float)[rows]
    present = np.arange(width)[None, :] < n_ports[:, None]
    return {
        "n_ports": n_ports.astype(np.int16),
        "port_tau_ms": tau[present],
        "port_tau_slow_ms": tau_slow[present],
        "port_amp_slow": amp_slow[present],
    }
