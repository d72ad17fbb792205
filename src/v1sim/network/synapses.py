"""The edge side of the compiled network: what each SONATA edge becomes in NEST, computed a chunk at a time.

Per edge (bmtk 1.2 PointNet semantics, one NEST connection per SONATA edge):
``weight_pa = syn_weight × nsyns × f`` (f from the edge type's built-in ``weight_function``, else 1), or what
the user's function of that name returns (:mod:`v1sim.network.user_weights`); ``syn_weight``, ``delay`` and
``nsyns`` come from the edge's HDF5 group when present, else from its edge type; ``nsyns`` defaults to 1 and a
missing delay to NEST's default of 1 ms; the receptor port is the ``receptor_type`` of the edge type's
synaptic-model JSON (0 when empty). Only ``static_synapse`` connections are simulated: any other synapse model,
in the types table's ``model_template`` or in the synaptic-model JSON's ``synapse_model`` (``model`` in NEST 2
files), which bmtk hands to NEST as the connection's model, is refused when the types are read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from v1sim.errors import V1SimInputError
from v1sim.models.nest_defaults import NEST_DEFAULT_DELAY_MS
from v1sim.models.params import MODEL_CODES
from v1sim.network import user_weights, weights
from v1sim.network.neurons import NodeSpace
from v1sim.network.user_weights import NO_USER_FUNCTIONS, UserWeightFunction, UserWeightFunctions
from v1sim.sonata.components import find_component, load_component, receptor_type
from v1sim.sonata.edges import EdgeChunk, EdgePopulation

log = logging.getLogger(__name__)

#: Per-edge HDF5 attributes the converter reads.
EDGE_ATTRIBUTES = ("syn_weight", "delay", "nsyns")
#: Models whose receptor ports are numbered (NEST receptor_type 1..n, engine port receptor_type - 1).
_NUMBERED_PORTS = (MODEL_CODES["glif_psc"], MODEL_CODES["glif_psc_double_alpha"])
#: Models that take spikes on receptor_type 0 and file them by sign (engine ports 0 excitatory, 1 inhibitory).
_SIGNED_PORTS = (MODEL_CODES["iaf_psc_alpha"], MODEL_CODES["iaf_psc_exp"])
_MODEL_NAMES = {code: name for name, code in MODEL_CODES.items()}
#: Parts of the names of NEST 3.10's plastic synapse models (stdp_*, tsodyks*, quantal_stp, clopath, …).
_PLASTIC_MARKERS = ("stdp", "tsodyks", "stp", "clopath", "urbanczik", "vogels_sprekeler", "jonke", "ht_synapse",
                    "eprop")  # fmt: skip


@dataclass
class EdgeTypes:
    """Per-type properties of one edge population, as arrays aligned with sorted ``type_ids``."""

    type_ids: np.ndarray
    syn_weight: np.ndarray
    delay_ms: np.ndarray
    nsyns: np.ndarray
    receptor: np.ndarray
    #: Code of the edge type's weight function (``weights``: 0 none, DirectionRule codes, BMTK_DEFAULT, USER).
    weight_function: np.ndarray
    weight_sigma: np.ndarray
    #: The user's function of each type whose code is USER (None elsewhere).
    user_function: list[UserWeightFunction | None]
    #: A type whose properties could not be resolved keeps its error here; it is raised only if an edge uses it.
    errors: dict[int, V1SimInputError]
    _dense: np.ndarray | None = None

    def index_of(self, edge_type_id: np.ndarray, path: Path, field: str) -> np.ndarray:
        """Row of each edge's type in the per-type arrays; an id absent from the table is an input error."""
        compact = (
            len(self.type_ids)
            and self.type_ids[0] >= 0
            and self.type_ids[-1] <= 16 * len(self.type_ids) + 4096
        )
        if compact and self._dense is None:
            self._dense = np.full(
                int(self.type_ids[-1]) + 2, -1, dtype=np.int64
            )  # last slot: ids out of range
            self._dense[self.type_ids] = np.arange(len(self.type_ids))
        if compact:
            index = self._dense[np.minimum(edge_type_id, len(self._dense) - 1)]
            unknown = index < 0
            index = np.maximum(index, 0)
        else:
            index = np.minimum(np.searchsorted(self.type_ids, edge_type_id), len(self.type_ids) - 1)
            unknown = self.type_ids[index] != edge_type_id
        if unknown.any():
            raise V1SimInputError(
                path,
                field,
                f"edge_type_id {int(edge_type_id[np.argmax(unknown)])} is absent from the edge types table",
            )
        if self.errors:
            used = np.flatnonzero(np.bincount(index, minlength=len(self.type_ids)))
            for t in used:
                if int(t) in self.errors:
                    raise self.errors[int(t)]
        return index


def _number_column(types: pd.DataFrame, name: str, path: Path) -> np.ndarray:
    if name not in types:
        return np.full(len(types), np.nan)
    values = pd.to_numeric(types[name], errors="coerce").to_numpy(dtype=float)
    bad = types[name].notna().to_numpy() & np.isnan(values)
    if bad.any():
        raise V1SimInputError(path, name, f"not a number: {types[name].to_numpy()[bad][0]!r}")
    return values


def check_synapse_model(model: str, path: Path, field: str, type_id: int) -> None:
    """Refuse, naming the file and field, any NEST synapse model but ``static_synapse`` (plastic ones by kind)."""
    name = model.removeprefix("nest:")
    if name == "static_synapse":
        return
    what = (
        f"plastic synapses ({name}) are"
        if any(marker in name for marker in _PLASTIC_MARKERS)
        else f"synapse model '{name}' is"
    )
    raise V1SimInputError(
        path, field, f"edge type {type_id}: {what} out of scope: v1sim runs static synapses (static_synapse)"
    )


def _weight_function_code(
    name: str, type_id: int, user: UserWeightFunctions, path: Path
) -> tuple[int, UserWeightFunction | None]:
    """Code (and user function) of a ``weight_function`` name: a user's registration wins, as in bmtk."""
    if name in user:
        return weights.USER, user[name]
    if name in weights.BMTK_DEFAULT_WEIGHT_FUNCTIONS:
        return weights.BMTK_DEFAULT, None
    if name in weights.WEIGHT_FUNCTION_CODES:
        return weights.WEIGHT_FUNCTION_CODES[name], None
    known = ", ".join(
        [*weights.WEIGHT_FUNCTION_CODES, *weights.BMTK_DEFAULT_WEIGHT_FUNCTIONS, *user.functions]
    )
    raise V1SimInputError(
        path,
        "weight_function",
        f"edge type {type_id}: unknown weight function '{name}' (known: {known}; register your own in a Python "
        f"file named by --weight-functions or components.{user_weights.CONFIG_KEY})",
    )


def resolve_edge_types(
    pop: EdgePopulation, synaptic_dirs: list[Path], user: UserWeightFunctions = NO_USER_FUNCTIONS
) -> EdgeTypes:
    """Read every edge type's weight, delay, nsyns, receptor, synapse model and weight function."""
    path = pop.files.edge_types_file
    types = pop.types.sort_index()
    n = len(types)
    out = EdgeTypes(
        type_ids=types.index.to_numpy(dtype=np.int64),
        syn_weight=_number_column(types, "syn_weight", path),
        delay_ms=_number_column(types, "delay", path),
        nsyns=_number_column(types, "nsyns", path),
        receptor=np.zeros(n, dtype=np.int16),
        weight_function=np.zeros(n, dtype=np.int8),
        weight_sigma=_number_column(types, "weight_sigma", path),
        user_function=[None] * n,
        errors={},
    )
    templates = (
        types["model_template"] if "model_template" in types else pd.Series("static_synapse", types.index)
    )
    functions = types["weight_function"] if "weight_function" in types else pd.Series(None, types.index)
    params = types["dynamics_params"] if "dynamics_params" in types else pd.Series(None, types.index)
    # A type's error is kept and raised only when an edge uses the type: bmtk never reads unused types.
    for t, type_id in enumerate(out.type_ids):
        try:
            if pd.isna(templates.iloc[t]):
                raise V1SimInputError(
                    path,
                    "model_template",
                    f"edge type {type_id}: no synapse model (v1sim runs static_synapse)",
                )
            check_synapse_model(str(templates.iloc[t]), path, "model_template", int(type_id))
            if pd.notna(params.iloc[t]) and str(params.iloc[t]).strip():
                component = find_component(str(params.iloc[t]), synaptic_dirs, path)
                model = load_component(component)
                for key in ("synapse_model", "model"):  # bmtk passes the JSON's keys on to nest.Connect
                    if key in model:
                        check_synapse_model(str(model[key]), component, key, int(type_id))
                out.receptor[t] = receptor_type(component)
            function = functions.iloc[t]
            if pd.notna(function) and str(function).strip():
                code, out.user_function[t] = _weight_function_code(str(function), int(type_id), user, path)
                out.weight_function[t] = code
                needs_sigma = code in weights.WEIGHT_FUNCTION_CODES.values()
                if needs_sigma and (not np.isfinite(out.weight_sigma[t]) or out.weight_sigma[t] <= 0):
                    raise V1SimInputError(
                        path, "weight_sigma", f"edge type {type_id}: {function} needs a positive weight_sigma"
                    )
        except V1SimInputError as exc:
            out.errors[t] = exc
    return out


@dataclass
class EdgeBlock:
    """One chunk of edges as NEST receives them, with population-local node indices."""

    source_index: np.ndarray
    target_index: np.ndarray
    source_node_id: np.ndarray
    target_node_id: np.ndarray
    edge_type_id: np.ndarray
    nsyns: np.ndarray
    syn_weight: np.ndarray
    weight_pa: np.ndarray
    delay_ms: np.ndarray
    #: NEST ``receptor_type`` of the connection.
    receptor: np.ndarray
    #: Engine receptor port: glif_psc/glif_psc_double_alpha ``receptor_type - 1``; iaf_psc_alpha/iaf_psc_exp 0
    #: (excitatory) or 1 (inhibitory) by the weight's sign; iaf_psc_delta 0.
    port: np.ndarray


class EdgeTransformer:
    """Turns raw SONATA edge chunks of one population into :class:`EdgeBlock` s."""

    def __init__(
        self,
        pop: EdgePopulation,
        space: NodeSpace,
        synaptic_dirs: list[Path],
        user_functions: UserWeightFunctions = NO_USER_FUNCTIONS,
    ) -> None:
        self.pop = pop
        self.path = pop.files.edges_file
        for role, name in (("source", pop.source_population), ("target", pop.target_population)):
            if name not in space.offset:
                raise V1SimInputError(
                    self.path,
                    f"{pop.field}/{role}_node_id attribute node_population",
                    f"unknown node population '{name}'",
                )
        if space.virtual[pop.target_population]:
            raise V1SimInputError(
                self.path,
                f"{pop.field}/target_node_id",
                f"targets virtual population '{pop.target_population}'",
            )
        self.space = space
        self.types = resolve_edge_types(pop, synaptic_dirs, user_functions)
        self._user_frames: user_weights.EdgeFrames | None = None
        if (self.types.weight_function == weights.USER).any():
            self._user_frames = user_weights.EdgeFrames(pop, space)
        self.source_lookup = space.lookups[pop.source_population]
        self.target_lookup = space.lookups[pop.target_population]
        offset = space.offset[pop.target_population]
        target_rows = space.table.iloc[offset : offset + space.size(pop.target_population)]
        self.target_model = target_rows["model_code"].to_numpy()
        self.target_ports = target_rows["n_receptor_ports"].to_numpy()
        self._node_attributes: dict[tuple[str, str], np.ndarray] = {}
        if not pop.has_edge_attribute("delay") and np.isnan(self.types.delay_ms).any():
            log.warning(
                "%s: edge types without a delay get NEST's default of %s ms",
                pop.files.edge_types_file,
                NEST_DEFAULT_DELAY_MS,
            )

    @property
    def attributes(self) -> tuple[str, ...]:
        """Per-edge group attributes to read with each chunk (all numeric ones when a user function needs them)."""
        if self._user_frames is None:
            return EDGE_ATTRIBUTES
        return (*EDGE_ATTRIBUTES, *(a for a in self._user_frames.attributes if a not in EDGE_ATTRIBUTES))

    def _attribute(self, population: str, name: str) -> np.ndarray:
        key = (population, name)
        if key not in self._node_attributes:
            pop = self.space.population(population)
            if name not in pop.table:
                raise V1SimInputError(
                    pop.files.nodes_file,
                    f"/nodes/{population} {name}",
                    f"attribute missing, needed by a weight function of {self.pop.files.edge_types_file}",
                )
            values = pd.to_numeric(pop.table[name], errors="coerce").to_numpy(dtype=float)
            if np.isnan(values).any():
                raise V1SimInputError(
                    pop.files.nodes_file,
                    f"/nodes/{population} {name}",
                    f"node {int(pop.node_ids[np.argmax(np.isnan(values))])} has no numeric value",
                )
            self._node_attributes[key] = values
        return self._node_attributes[key]

    def transform(self, chunk: EdgeChunk) -> EdgeBlock:
        pop, path, types = self.pop, self.path, self.types
        src = self.source_lookup.find(chunk.source_node_id, path, f"{pop.field}/source_node_id")
        trg = self.target_lookup.find(chunk.target_node_id, path, f"{pop.field}/target_node_id")
        edge_type_id = chunk.edge_type_id.astype(np.int64)
        t = types.index_of(edge_type_id, path, f"{pop.field}/edge_type_id")

        syn_weight = self._per_edge(chunk, "syn_weight", types.syn_weight[t])
        by_user = types.weight_function[t] == weights.USER  # the user's function alone gives these weights
        self._check(chunk, t, "syn_weight", ~np.isnan(syn_weight) | by_user, "no weight (NaN or missing)")
        self._check(chunk, t, "syn_weight", np.isfinite(syn_weight) | by_user, "an infinite weight")
        nsyns = self._per_edge(chunk, "nsyns", types.nsyns[t])
        nsyns_given = ~np.isnan(nsyns)
        nsyns = np.where(nsyns_given, nsyns, 1.0)
        self._check(chunk, t, "nsyns", (nsyns >= 0) & (nsyns == np.floor(nsyns)), "nsyns that is not a count")
        delay = self._per_edge(chunk, "delay", types.delay_ms[t])
        delay = np.where(np.isnan(delay), NEST_DEFAULT_DELAY_MS, delay)
        valid = np.isfinite(delay) & (delay >= 0)
        self._check(
            chunk,
            t,
            "delay",
            valid,
            f"delay {delay[np.argmin(valid)] if len(delay) else 0} ms (< 0 or not finite)",
        )

        weight = self._weights(chunk, t, src, trg, syn_weight, nsyns, nsyns_given)
        receptor = types.receptor[t]
        port = self._ports(receptor, trg, weight, t)
        return EdgeBlock(
            source_index=src,
            target_index=trg,
            source_node_id=chunk.source_node_id.astype(np.int64),
            target_node_id=chunk.target_node_id.astype(np.int64),
            edge_type_id=edge_type_id,
            nsyns=nsyns.astype(np.int32),
            syn_weight=syn_weight,
            weight_pa=weight,
            delay_ms=delay,
            receptor=receptor,
            port=port,
        )

    def _check(self, chunk: EdgeChunk, t: np.ndarray, name: str, valid: np.ndarray, problem: str) -> None:
        """Raise for the first invalid value, naming the file it came from (edges file or types table)."""
        if valid.all():
            return
        i = int(np.argmax(~valid))
        present = chunk.present.get(name)
        if present is not None and present[i]:
            raise V1SimInputError(
                self.path, f"{self.pop.field} {name}", f"edge {chunk.start + i} has {problem}"
            )
        raise V1SimInputError(
            self.pop.files.edge_types_file,
            name,
            f"edge type {int(self.types.type_ids[t[i]])} gives {problem}",
        )

    @staticmethod
    def _per_edge(chunk: EdgeChunk, name: str, from_type: np.ndarray) -> np.ndarray:
        """The edge's own value where its group holds one, else its type's (NaN when neither has one)."""
        if name not in chunk.attributes:
            return from_type.astype(float, copy=True)
        return np.where(chunk.present[name], chunk.attributes[name], from_type)

    def _weights(
        self,
        chunk: EdgeChunk,
        t: np.ndarray,
        src: np.ndarray,
        trg: np.ndarray,
        syn_weight: np.ndarray,
        nsyns: np.ndarray,
        nsyns_given: np.ndarray,
    ) -> np.ndarray:
        """NEST's weight of every edge: syn_weight × nsyns × f, or what the type's user function returns."""
        code = self.types.weight_function[t]
        default = (code == weights.BMTK_DEFAULT) & ~nsyns_given
        if default.any():  # bmtk's function reads the nsyns column; without one bmtk stops with an error
            i = int(np.argmax(default))
            name = self.pop.types.loc[self.types.type_ids[t[i]], "weight_function"]
            raise V1SimInputError(
                self.pop.files.edge_types_file,
                "weight_function",
                f"edge type {int(self.types.type_ids[t[i]])}: bmtk's {name} is syn_weight × nsyns, and neither "
                f"{self.path.name} nor the types table gives edge {chunk.start + i} an nsyns",
            )
        weight = syn_weight * nsyns * self._weight_factor(t, src, trg)
        if self._user_frames is not None:
            for type_row in np.unique(t[code == weights.USER]):
                selected = np.flatnonzero(t == type_row)
                function = self.types.user_function[type_row]
                type_id = int(self.types.type_ids[type_row])
                edges, sources, targets = self._user_frames.frames(chunk, selected, src, trg, type_id)
                where = f"edge type {type_id} of {self.pop.files.edge_types_file} ({len(selected)} edges)"
                weight[selected] = user_weights.call_weight_function(function, edges, sources, targets, where)
        return weight

    def _weight_factor(self, t: np.ndarray, src: np.ndarray, trg: np.ndarray) -> np.ndarray:
        """The DirectionRule factor of every edge (node attributes are fetched only when a function needs them)."""
        used = np.bincount(self.types.weight_function[t], minlength=weights.USER + 1)
        if not any(used[code] for code in weights.WEIGHT_FUNCTION_CODES.values()):
            return np.ones(len(t))
        s_pop, t_pop = self.pop.source_population, self.pop.target_population
        none = np.zeros(0)
        needs_xz = used[weights.WEIGHT_FUNCTION_CODES["DirectionRule_EE"]] > 0
        return weights.edge_factors(
            t,
            self.types.weight_function,
            self.types.weight_sigma,
            src,
            trg,
            self._attribute(s_pop, "tuning_angle"),
            self._attribute(t_pop, "tuning_angle"),
            self._attribute(s_pop, "x") if needs_xz else none,
            self._attribute(s_pop, "z") if needs_xz else none,
            self._attribute(t_pop, "x") if needs_xz else none,
            self._attribute(t_pop, "z") if needs_xz else none,
        )

    def _ports(self, receptor: np.ndarray, trg: np.ndarray, weight: np.ndarray, t: np.ndarray) -> np.ndarray:
        model = self.target_model[trg]
        numbered = np.isin(model, _NUMBERED_PORTS)
        bad = np.where(numbered, (receptor < 1) | (receptor > self.target_ports[trg]), receptor != 0)
        if bad.any():
            i = int(np.argmax(bad))
            kind = (
                f"{_MODEL_NAMES[model[i]]} (receptor_type 1..{self.target_ports[trg[i]]})"
                if numbered[i]
                else f"{_MODEL_NAMES[model[i]]} (receptor_type 0)"
            )
            raise V1SimInputError(
                self.pop.files.edge_types_file,
                "dynamics_params receptor_type",
                f"edge type {int(self.types.type_ids[t[i]])} gives receptor_type {int(receptor[i])}, "
                f"not a port of target model {kind}",
            )
        signed = np.where(weight > 0, 0, 1)  # NEST files a spike by the sign of its weight
        port = np.where(numbered, receptor - 1, np.where(np.isin(model, _SIGNED_PORTS), signed, 0))
        return port.astype(np.uint8)
