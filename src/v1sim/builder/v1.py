"""``v1sim build-v1``: a Billeh-style mouse V1 column at any scale, written as SONATA like the Allen release.

What is built (figures from :mod:`v1sim.builder.published_figures`):

* ``v1``: the 21 classes with the release's counts × scale — core counts inside r < 400·√scale µm, the rest in
  the annulus out to 845·√scale µm, so density is that of the full model — at depths of their layer
  (``y = −depth``), a uniform ``tuning_angle``, one GLIF3 node type per real parameter set the class uses;
* ``v1 → v1``: probability ``κ·pmax(s,t)·exp(−d²/2σ²)`` over horizontal distance ``d``, times Billeh's linear
  like-to-like factor of the orientation difference for E→E pairs (:mod:`recurrent`), nsyns uniform in 3–7;
  one edge type per (target node type, source class), with the latency of the pair as delay, the receptor of
  ``e2e/e2i/i2e/i2i.json``, ``DirectionRule_EE`` (σ 30) for E→E and ``DirectionRule_others`` (σ 90, or 50 for
  I→I) otherwise, and ``syn_weight`` the current whose alpha PSC gives the pair's unitary PSP in the target node
  type with the mean nsyns, divided by the mean weight-function factor over the drawn connections of its
  (source class, target class) pair — so that a pair's connections average the measured unitary PSP and the
  weight functions only redistribute it (like to like); without this E→E connections would average 2.5 % of
  their PSP. The excitatory inputs of the classes in ``V1Spec.recurrent_e_gain`` (L4, L5 SST by default) carry
  its calibrated factor;
* ``lgn``: 17,400 × scale virtual units of the 14 filter types in their relative numbers, uniform over a
  240·√scale × 120·√scale degree field onto which the cylinder maps; each V1 cell takes its class's number of
  units (``lgn_units_e4`` × ``synapse_ratio_against_e4``) by the successor model's rule with our geometry
  (:mod:`lgn_wiring`: a sustained subfield along the preferred direction, a transient-OFF one against it);
  nsyns per connection Yule–Simon(``yule_parameter``); weights from the L4-pyramidal unitary PSP onto the
  target type × ``lgn_weight_scale`` × the class's calibrated ``V1Spec.lgn_class_gain``;
* ``bkg``: one virtual node firing Poisson at 1 kHz (its spike file is written for the configured run) with one
  edge to every V1 cell, per-class weight and nsyns of the original model.

``κ`` (``connection_scale``) scales the successor model's peak probabilities so that the full-scale column has
the release's ≈ 70 M edges (mean in-degree ≈ 300). The same spec and seed give byte-identical files. The two
gain tables (:mod:`gains`: the committed defaults, or a file of ``v1sim calibrate``) are spec fields, so the
circuit's provenance records them, and where they came from.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from v1sim.builder import published_figures as figures
from v1sim.builder.gains import (
    LGN_CLASS_GAIN,
    RECURRENT_E_GAIN,
    check_gains,
    default_lgn_class_gain,
    default_recurrent_e_gain,
)
from v1sim.builder.lgn_wiring import LGNRule, choose_lgn_sources
from v1sim.builder.psp import psp_peak_mv_per_pa
from v1sim.builder.recurrent import ConnectionRule, bin_sources, draw_connections, like_to_like_line
from v1sim.errors import V1SimInputError
from v1sim.limits import smallest_builtin_scale
from v1sim.network import weights
from v1sim.provenance import atomic_directory, provenance, write_json
from v1sim.sonata.spikes import write_spikes
from v1sim.sonata.writer import EdgeFileWriter, circuit_config, write_nodes, write_types_csv

TAU_SYN_MS = (5.5, 8.5, 2.8, 5.8)
#: Synaptic models: NEST glif_psc receptor port per (source E/I, target E/I); the ports' time constants above.
SYNAPSE_MODELS = {
    ("e", "e"): ("e2e.json", 1),
    ("i", "e"): ("i2e.json", 2),
    ("e", "i"): ("e2i.json", 3),
    ("i", "i"): ("i2i.json", 4),
}
#: σ (degrees) of the release's direction weight functions; E→I and I→E take ``V1Spec.ei_weight_sigma_deg``
WEIGHT_SIGMA = {("e", "e"): 30.0, ("e", "i"): 90.0, ("i", "e"): 90.0, ("i", "i"): 50.0}
#: E→E connection probability at 90° orientation difference over that at 0° (Billeh et al. 2020), onto L5 E apart
LIKE_TO_LIKE_RATIO, LIKE_TO_LIKE_RATIO_L5 = 0.5, 0.8
LGN_DELAY_MS = 1.7
BKG_DELAY_MS = 1.0
#: Node-type ids start here, as edge-type ids do (bmtk's convention).
FIRST_TYPE_ID = 100


@dataclass(frozen=True)
class V1Spec:
    """What to build; every field is recorded in the circuit's provenance."""

    scale: float = 0.01
    seed: int = 0
    #: κ: factor on the peak connection probabilities (see the module docstring)
    connection_scale: float = 0.8
    #: connection probability is zero beyond this many Gaussian widths
    cutoff_sigmas: float = 4.0
    nsyns_min: int = 3
    nsyns_max: int = 7
    #: LGN units an L4 excitatory cell receives from; other classes scale by synapse_ratio_against_e4
    lgn_units_e4: int = 30
    #: distance (degrees) of the sustained and transient subfield centres from the cell's retinotopic centre
    lgn_subfield_offset_deg: float = 3.5
    #: subfields are elongated across their axis by this aspect ratio (distances along ×√a, across ÷√a)
    lgn_subfield_aspect: float = 4.0
    #: σ (degrees) of the Gaussian chance of an LGN unit around a subfield centre
    lgn_field_sigma_deg: float = 2.0
    #: σ (degrees) of the E→I and I→E direction weight functions: the release's 90. A large value makes them
    #: flat, which lets preferred directions follow tuning_angle far better (docs/stimulus.md); not the release
    ei_weight_sigma_deg: float = 90.0
    #: factor on the LGN → V1 syn_weight from unitary PSPs (calibrated: E cells ≈ 1 Hz under gratings)
    lgn_weight_scale: float = 3.0
    bkg_rate_hz: float = 1000.0
    tstop_ms: float = 1000.0
    dt_ms: float = 0.25
    #: grid cell (µm) used to find sources near a target: affects speed only, never the result's statistics
    grid_um: float = 50.0
    #: per class (every one), the factor on its LGN → V1 syn_weight (calibrated; :mod:`v1sim.builder.gains`)
    lgn_class_gain: dict[str, float] = field(default_factory=default_lgn_class_gain)
    #: per class, the factor on the syn_weight of its excitatory V1 → V1 inputs (calibrated; unlisted: 1)
    recurrent_e_gain: dict[str, float] = field(default_factory=default_recurrent_e_gain)

    def replace(self, **changes: object) -> V1Spec:
        return dataclasses.replace(self, **changes)

    def validate(self) -> None:
        """Refuse a spec that cannot be built, naming the field."""
        checks = [
            ("scale", 0 < self.scale <= 1.0, "must be in (0, 1]"),
            (
                "scale",
                min(sum(parts) for parts in zip(*class_counts(self.scale), strict=True)) >= 1,
                f"{self.scale} leaves a class without cells (use at least {smallest_builtin_scale()})",
            ),
            (
                "connection_scale",
                0 < self.connection_scale and connection_rule(self).peak_bound() < 1,
                "must keep every connection probability in (0, 1)",
            ),
            (
                "nsyns_min",
                1 <= self.nsyns_min <= self.nsyns_max <= 255,
                "need 1 <= nsyns_min <= nsyns_max <= 255",
            ),
            ("seed", self.seed >= 0, "must be non-negative"),
            ("lgn_units_e4", self.lgn_units_e4 >= 1, "must be at least 1"),
            ("lgn_subfield_aspect", self.lgn_subfield_aspect >= 1, "must be at least 1"),
            ("lgn_subfield_offset_deg", self.lgn_subfield_offset_deg >= 0, "must be non-negative"),
            ("lgn_field_sigma_deg", self.lgn_field_sigma_deg > 0, "must be positive"),
            ("lgn_weight_scale", self.lgn_weight_scale > 0, "must be positive"),
            ("ei_weight_sigma_deg", self.ei_weight_sigma_deg > 0, "must be positive"),
            ("tstop_ms", self.tstop_ms > 0 and self.dt_ms > 0, "run length and time step must be positive"),
        ]
        for name, ok, problem in checks:
            if not ok:
                raise V1SimInputError(None, name, problem)
        check_gains(self.lgn_class_gain, "lgn_class_gain")
        check_gains(self.recurrent_e_gain, "recurrent_e_gain")

    def gains_source(self) -> str:
        """Where the gain tables come from when no file is named: the committed defaults, or the caller."""
        if self.lgn_class_gain == LGN_CLASS_GAIN and self.recurrent_e_gain == RECURRENT_E_GAIN:
            return "committed defaults (v1sim.builder.gains)"
        return "given in the spec"


@dataclass
class _Nodes:
    """The V1 population: per node class index, node-type row, position and tuning angle."""

    node_class: np.ndarray
    node_type: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    tuning_angle: np.ndarray
    radius_um: float
    #: one row per node type: class index, GLIF3 specimen, node_type_id
    types: pd.DataFrame


def class_counts(scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Cells per class inside the core and in the annulus at ``scale`` (each rounded, so ±1 per class)."""
    core = np.array([round(c.n_core * scale) for c in figures.CLASSES])
    annulus = np.array([round((c.n_full - c.n_core) * scale) for c in figures.CLASSES])
    return core, annulus


def _nodes(spec: V1Spec, rng: np.random.Generator) -> _Nodes:
    radius = figures.FULL_RADIUS_UM * math.sqrt(spec.scale)
    core_radius = figures.CORE_RADIUS_UM * math.sqrt(spec.scale)
    core, annulus = class_counts(spec.scale)
    type_rows = []
    for c, cls in enumerate(figures.CLASSES):
        for specimen in cls.glif_sets:
            type_rows.append(
                {"class": c, "specimen": specimen, "node_type_id": FIRST_TYPE_ID + len(type_rows)}
            )
    types = pd.DataFrame(type_rows)
    parts = {k: [] for k in ("node_class", "node_type", "x", "y", "z", "tuning_angle")}
    for c, cls in enumerate(figures.CLASSES):
        n_core, n = core[c], core[c] + annulus[c]
        r2 = np.concatenate(
            [rng.uniform(0, core_radius**2, n_core), rng.uniform(core_radius**2, radius**2, n - n_core)]
        )
        phi = rng.uniform(0, 2 * np.pi, n)
        own_types = np.flatnonzero(types["class"] == c)
        node_type = np.sort(rng.choice(own_types, n))  # nodes of one type are contiguous, like the release
        parts["node_class"].append(np.full(n, c))
        parts["node_type"].append(node_type)
        parts["x"].append(np.sqrt(r2) * np.cos(phi))
        parts["z"].append(np.sqrt(r2) * np.sin(phi))
        parts["y"].append(-rng.uniform(*cls.depth_um, n))
        parts["tuning_angle"].append(rng.uniform(0.0, 360.0, n))
    return _Nodes(**{k: np.concatenate(v) for k, v in parts.items()}, radius_um=radius, types=types)


def _cell_model(specimen: int) -> dict[str, object]:
    p = figures.GLIF3_SETS[specimen]
    return {
        "V_m": p["E_L"],
        "V_th": p["V_th"],
        "g": p["g"],
        "E_L": p["E_L"],
        "C_m": p["C_m"],
        "t_ref": p["t_ref"],
        "V_reset": p["E_L"],
        "asc_init": [0.0, 0.0],
        "asc_decay": list(p["asc_decay"]),
        "asc_amps": list(p["asc_amps"]),
        "tau_syn": list(TAU_SYN_MS),
        "spike_dependent_threshold": False,
        "after_spike_currents": True,
        "adapting_threshold": False,
    }


def _pa_per_mv(types: pd.DataFrame, port: int) -> np.ndarray:
    """Per node type: pA of alpha-current peak per mV of PSP peak on receptor ``port`` (1–4)."""
    c_m = np.array([figures.GLIF3_SETS[s]["C_m"] for s in types["specimen"]])
    g = np.array([figures.GLIF3_SETS[s]["g"] for s in types["specimen"]])
    return 1.0 / psp_peak_mv_per_pa(c_m, g, TAU_SYN_MS[port - 1])


def _psp_mv(pre: str, post: str) -> float:
    return figures.PSP_MV[figures.PSP_TYPES.index(pre)][figures.PSP_TYPES.index(post)]


def _v1_edge_type_id(target_type: int | np.ndarray, source_class: int | np.ndarray) -> int | np.ndarray:
    """Edge type id of (target node type row, source class index): one per pair, in that order."""
    return FIRST_TYPE_ID + target_type * len(figures.CLASSES) + source_class


def _v1_edge_types(spec: V1Spec, types: pd.DataFrame, mean_factor: np.ndarray) -> pd.DataFrame:
    """One edge type per (target node type, source class).

    ``mean_factor[s, t]``: the mean weight-function factor of the connections from class ``s`` onto class ``t``.
    """
    classes = figures.CLASSES
    mean_nsyns = (spec.nsyns_min + spec.nsyns_max) / 2
    gain = {port: _pa_per_mv(types, port) for _, port in SYNAPSE_MODELS.values()}
    rows = []
    for t, target in types.iterrows():
        post = classes[target["class"]]
        for s, pre in enumerate(classes):
            synapse_file, port = SYNAPSE_MODELS[(pre.ei, post.ei)]
            psp = _psp_mv(pre.psp_type, post.psp_type)
            weight = psp * gain[port][t] / (mean_nsyns * mean_factor[s, target["class"]])
            weight *= spec.recurrent_e_gain.get(post.name, 1.0) if pre.ei == "e" else -1
            latency = figures.LATENCY_MS[figures.LATENCY_TYPES.index(pre.latency_type)][
                figures.LATENCY_TYPES.index(post.latency_type)
            ]
            rows.append(
                {
                    "edge_type_id": _v1_edge_type_id(t, s),
                    "target_query": f"node_type_id=='{target['node_type_id']}'",
                    "source_query": f"pop_name=='{pre.name}'",
                    "syn_weight": round(weight, 6),
                    "delay": latency,
                    "dynamics_params": synapse_file,
                    "model_template": "static_synapse",
                    "weight_function": "DirectionRule_EE"
                    if (pre.ei, post.ei) == ("e", "e")
                    else "DirectionRule_others",
                    "weight_sigma": weight_sigma(spec, pre.ei, post.ei),
                    "_target_type": t,
                    "_source_class": s,
                }
            )
    return pd.DataFrame(rows)


def connection_rule(spec: V1Spec) -> ConnectionRule:
    """Peak probability and width for every (source class, target class) pair."""
    classes = figures.CLASSES
    index = [figures.PMAX_TYPES.index(c.pmax_type) for c in classes]
    pmax = np.array(figures.PMAX)[np.ix_(index, index)]
    sigma = np.array([[figures.SIGMA_UM[(s.ei, t.ei)] for t in classes] for s in classes])
    intercept, gradient = np.ones_like(pmax), np.zeros_like(pmax)
    for i, source in enumerate(classes):
        for j, target in enumerate(classes):
            if source.ei == target.ei == "e":
                ratio = LIKE_TO_LIKE_RATIO_L5 if target.layer == "VisL5" else LIKE_TO_LIKE_RATIO
                intercept[i, j], gradient[i, j] = like_to_like_line(ratio)
    return ConnectionRule(
        spec.connection_scale * pmax,
        sigma,
        spec.cutoff_sigmas,
        (spec.nsyns_min, spec.nsyns_max),
        intercept,
        gradient,
    )


def weight_sigma(spec: V1Spec, pre_ei: str, post_ei: str) -> float:
    """σ (degrees) of the direction weight function of connections from ``pre_ei`` onto ``post_ei`` cells."""
    return spec.ei_weight_sigma_deg if pre_ei != post_ei else WEIGHT_SIGMA[(pre_ei, post_ei)]


def _weight_function_factors(
    spec: V1Spec, nodes: _Nodes, sources: np.ndarray, targets: np.ndarray
) -> np.ndarray:
    """The weight-function factor the converter will apply to each of these connections (see ``_v1_edge_types``),
    with the σ of :func:`weight_sigma`."""
    is_e = np.array([c.ei == "e" for c in figures.CLASSES])
    source_e, target_e = is_e[nodes.node_class[sources]], is_e[nodes.node_class[targets]]
    sigma_table = np.array([[weight_sigma(spec, pre, post) for post in "ie"] for pre in "ie"])
    sigma = sigma_table[source_e.astype(int), target_e.astype(int)]
    source_angle, target_angle = nodes.tuning_angle[sources], nodes.tuning_angle[targets]
    ee = source_e & target_e
    factor = weights.tuning_factor(source_angle, target_angle, sigma)
    factor[ee] = weights.direction_rule_ee(
        source_angle[ee],
        target_angle[ee],
        sigma[ee],
        nodes.x[sources[ee]],
        nodes.z[sources[ee]],
        nodes.x[targets[ee]],
        nodes.z[targets[ee]],
    )
    return factor


def _write_v1_edges(
    spec: V1Spec, nodes: _Nodes, n_types: int, path: Path, progress: bool
) -> tuple[int, np.ndarray]:
    """Draw and write the V1 → V1 edges; return their number and the mean weight-function factor per class pair."""
    rule = connection_rule(spec)
    n_classes = len(figures.CLASSES)
    grid = bin_sources(nodes.x, nodes.z, nodes.node_class, n_classes, nodes.radius_um, spec.grid_um)
    lut = _v1_edge_type_id(np.arange(n_types)[:, None], np.arange(n_classes)[None, :])
    n = len(nodes.x)
    block = 16_384
    blocks = [np.arange(lo, min(lo + block, n)) for lo in range(0, n, block)]
    counted = [
        draw_connections(
            b, nodes.x, nodes.z, nodes.tuning_angle, nodes.node_class, grid, rule, spec.seed, count_only=True
        )[0]
        for b in tqdm(blocks, desc="v1 edges (count)", unit="block", disable=not progress)
    ]
    total = int(sum(c.sum() for c in counted))
    factor_sum = np.zeros(n_classes * n_classes)
    pair_count = np.zeros(n_classes * n_classes)
    with EdgeFileWriter(path, "v1_to_v1", "v1", "v1", total, {"nsyns": np.dtype(np.uint8)}) as writer:
        for targets in tqdm(blocks, desc="v1 edges", unit="block", disable=not progress):
            counts, sources, nsyns = draw_connections(
                targets, nodes.x, nodes.z, nodes.tuning_angle, nodes.node_class, grid, rule, spec.seed
            )
            owner = np.repeat(targets, counts)
            writer.write(sources, owner, lut[nodes.node_type[owner], nodes.node_class[sources]], nsyns=nsyns)
            pair = nodes.node_class[sources] * n_classes + nodes.node_class[owner]
            factor_sum += np.bincount(
                pair,
                _weight_function_factors(spec, nodes, sources, owner),
                minlength=n_classes**2,
            )
            pair_count += np.bincount(pair, minlength=n_classes**2)
    # a pair without connections keeps factor 1: its syn_weight is then never used
    mean_factor = np.divide(factor_sum, pair_count, out=np.ones_like(factor_sum), where=pair_count > 0)
    return total, mean_factor.reshape(n_classes, n_classes)


def _write_lgn(spec: V1Spec, nodes: _Nodes, rng: np.random.Generator, net: Path) -> int:
    """LGN units and their edges onto V1 (see the module docstring)."""
    models = figures.LGN_MODELS
    n_units = max(len(models), round(17_400 * spec.scale))
    share = np.array([m[1] for m in models], dtype=float)
    counts = np.floor(share / share.sum() * n_units).astype(np.int64)
    counts[
        np.argsort(-(share / share.sum() * n_units - counts), kind="stable")[: n_units - counts.sum()]
    ] += 1
    model = np.repeat(np.arange(len(models)), counts)
    width, height = 240.0 * math.sqrt(spec.scale), 120.0 * math.sqrt(spec.scale)
    vx, vy = rng.uniform(0, width, n_units), rng.uniform(0, height, n_units)
    size = rng.uniform(np.array([m[2] for m in models])[model], np.array([m[3] for m in models])[model])
    unit_angle = rng.uniform(0, 360, n_units)
    write_nodes(
        net / "lgn_nodes.h5",
        "lgn",
        FIRST_TYPE_ID + model,
        {"x": vx, "y": vy, "spatial_size": size, "tuning_angle": unit_angle},
    )
    write_types_csv(
        net / "lgn_node_types.csv",
        pd.DataFrame(
            [
                {
                    "node_type_id": FIRST_TYPE_ID + i,
                    "model_type": "virtual",
                    "pop_name": m[0],
                    "ei": "e",
                    "location": "LGN",
                    "model_template": f"lgnmodel:{m[0]}",
                }
                for i, m in enumerate(models)
            ]
        ),
    )

    cls = figures.CLASSES
    lgn_params = np.array([figures.LGN_PARAMS[c.name] for c in cls])  # sON_ratio, ratio, yule, poisson
    n_per_class = np.maximum(1, np.round(spec.lgn_units_e4 * lgn_params[:, 1])).astype(np.int64)
    # Retinotopy: the cylinder maps onto the field (x → horizontal, z → vertical).
    centre = np.stack(
        [
            width / 2 + nodes.x / nodes.radius_um * width / 2,
            height / 2 + nodes.z / nodes.radius_um * height / 2,
        ],
        axis=1,
    )
    target, source = choose_lgn_sources(
        np.array([models[m][0] for m in model]),
        np.stack([vx, vy], axis=1),
        unit_angle,
        centre,
        nodes.tuning_angle,
        lgn_params[nodes.node_class, 0],
        lgn_params[nodes.node_class, 3],
        n_per_class[nodes.node_class],
        rng,
        LGNRule(spec.lgn_subfield_offset_deg, spec.lgn_subfield_aspect, spec.lgn_field_sigma_deg),
    )
    yule = lgn_params[nodes.node_class[target], 2]
    # Yule–Simon(ρ): geometric with success probability exp(−W), W ~ Exponential(rate ρ).
    nsyns = np.minimum(rng.geometric(np.exp(-rng.exponential(1.0 / yule))), 255).astype(np.uint8)

    gain = {port: _pa_per_mv(nodes.types, port) for _, port in SYNAPSE_MODELS.values()}
    rows = []
    for t, row in nodes.types.iterrows():
        post = cls[row["class"]]
        synapse_file, port = SYNAPSE_MODELS[("e", post.ei)]
        weight = (
            spec.lgn_weight_scale
            * spec.lgn_class_gain.get(post.name, 1.0)
            * _psp_mv("l4_pyr", post.psp_type)
            * gain[port][t]
        )
        rows.append(
            {
                "edge_type_id": FIRST_TYPE_ID + t,
                "target_query": f"node_type_id=='{row['node_type_id']}'",
                "source_query": "*",
                "syn_weight": round(weight, 6),
                "delay": LGN_DELAY_MS,
                "dynamics_params": synapse_file,
                "model_template": "static_synapse",
            }
        )
    write_types_csv(net / "lgn_v1_edge_types.csv", pd.DataFrame(rows))
    with EdgeFileWriter(
        net / "lgn_v1_edges.h5", "lgn_to_v1", "lgn", "v1", len(target), {"nsyns": np.uint8}
    ) as w:
        w.write(source, target, FIRST_TYPE_ID + nodes.node_type[target], nsyns=nsyns)
    return len(target)


def _write_bkg(spec: V1Spec, nodes: _Nodes, rng: np.random.Generator, root: Path) -> None:
    net = root / "network"
    write_nodes(net / "bkg_nodes.h5", "bkg", np.array([FIRST_TYPE_ID]))
    write_types_csv(
        net / "bkg_node_types.csv",
        pd.DataFrame(
            [
                {
                    "node_type_id": FIRST_TYPE_ID,
                    "model_type": "virtual",
                    "pop_name": "bkg",
                    "ei": "e",
                    "location": "bkg",
                }
            ]
        ),
    )
    rows = []
    for c, cls in enumerate(figures.CLASSES):
        weight, _ = figures.BACKGROUND[cls.name]
        rows.append(
            {
                "edge_type_id": FIRST_TYPE_ID + c,
                "target_query": f"pop_name=='{cls.name}'",
                "source_query": "*",
                "syn_weight": weight,
                "delay": BKG_DELAY_MS,
                "dynamics_params": SYNAPSE_MODELS[("e", cls.ei)][0],
                "model_template": "static_synapse",
            }
        )
    write_types_csv(net / "bkg_v1_edge_types.csv", pd.DataFrame(rows))
    n = len(nodes.x)
    nsyns = np.array([figures.BACKGROUND[c.name][1] for c in figures.CLASSES], dtype=np.uint8)[
        nodes.node_class
    ]
    with EdgeFileWriter(net / "bkg_v1_edges.h5", "bkg_to_v1", "bkg", "v1", n, {"nsyns": np.uint8}) as writer:
        writer.write(np.zeros(n, np.int64), np.arange(n), FIRST_TYPE_ID + nodes.node_class, nsyns=nsyns)
    n_spikes = rng.poisson(spec.bkg_rate_hz * spec.tstop_ms / 1000.0)
    times = np.sort(rng.uniform(0.0, spec.tstop_ms, n_spikes))
    write_spikes(root / "inputs" / "bkg_spikes.h5", {"bkg": (np.zeros(n_spikes, np.int64), times)})


def build_v1(
    spec: V1Spec,
    outdir: str | Path,
    *,
    progress: bool = False,
    gains_file: Mapping[str, str] | None = None,
) -> Path:
    """Write the circuit into ``outdir`` (atomically); return its simulation config.

    ``gains_file``: the record (path, sha256) of the gain-table file the spec's gains were read from
    (:func:`v1sim.builder.gains.read_gain_table`), written into the provenance."""
    spec.validate()
    started = time.perf_counter()
    outdir = Path(outdir)
    rng = np.random.default_rng(
        [spec.seed, 20200207]
    )  # the second word separates these draws from the edges'
    with atomic_directory(outdir) as root:
        net, cells, syns = (
            root / "network",
            root / "components" / "cell_models",
            root / "components" / "synaptic_models",
        )
        for folder in (net, cells, syns, root / "inputs"):
            folder.mkdir(parents=True)
        nodes = _nodes(spec, rng)
        for specimen in sorted(figures.GLIF3_SETS):
            (cells / f"{specimen}_glif_psc.json").write_text(
                json.dumps(_cell_model(specimen), indent=2) + "\n"
            )
        for name, port in SYNAPSE_MODELS.values():
            (syns / name).write_text(json.dumps({"receptor_type": port}) + "\n")
        classes = figures.CLASSES
        node_types = pd.DataFrame(
            [
                {
                    "node_type_id": r["node_type_id"],
                    "model_type": "point_process",
                    "model_template": "nest:glif_psc",
                    "dynamics_params": f"{r['specimen']}_glif_psc.json",
                    "pop_name": classes[r["class"]].name,
                    "ei": classes[r["class"]].ei,
                    "location": classes[r["class"]].layer,
                    "model_name": str(r["specimen"]),
                }
                for _, r in nodes.types.iterrows()
            ]
        )
        write_types_csv(net / "v1_node_types.csv", node_types)
        write_nodes(
            net / "v1_nodes.h5",
            "v1",
            nodes.types["node_type_id"].to_numpy()[nodes.node_type],
            {"x": nodes.x, "y": nodes.y, "z": nodes.z, "tuning_angle": nodes.tuning_angle},
        )
        n_v1_edges, mean_factor = _write_v1_edges(
            spec, nodes, len(nodes.types), net / "v1_v1_edges.h5", progress
        )
        edge_types = _v1_edge_types(spec, nodes.types, mean_factor)
        write_types_csv(
            net / "v1_v1_edge_types.csv", edge_types.drop(columns=["_target_type", "_source_class"])
        )
        n_lgn_edges = _write_lgn(spec, nodes, rng, net)
        _write_bkg(spec, nodes, rng, root)
        _write_configs(spec, root)
        write_json(
            root / "provenance.json",
            provenance(
                started,
                stage="build-v1",
                spec=dataclasses.asdict(spec),
                gains_source=dict(gains_file) if gains_file else spec.gains_source(),
                v1_nodes=len(nodes.x),
                v1_edges=n_v1_edges,
                lgn_edges=n_lgn_edges,
            ),
        )
    return outdir / "simulation_config.json"


def _write_configs(spec: V1Spec, root: Path) -> None:
    circuit = circuit_config(
        nodes=[
            ("v1_nodes.h5", "v1_node_types.csv"),
            ("lgn_nodes.h5", "lgn_node_types.csv"),
            ("bkg_nodes.h5", "bkg_node_types.csv"),
        ],
        edges=[
            ("v1_v1_edges.h5", "v1_v1_edge_types.csv"),
            ("lgn_v1_edges.h5", "lgn_v1_edge_types.csv"),
            ("bkg_v1_edges.h5", "bkg_v1_edge_types.csv"),
        ],
        components={
            "point_neuron_models_dir": "$COMPONENTS_DIR/cell_models",
            "synaptic_models_dir": "$COMPONENTS_DIR/synaptic_models",
        },
    )
    (root / "circuit_config.json").write_text(json.dumps(circuit, indent=2) + "\n")
    simulation = {
        "manifest": {
            "$BASE_DIR": "${configdir}",
            "$INPUT_DIR": "$BASE_DIR/inputs",
            "$OUTPUT_DIR": "$BASE_DIR/output",
        },
        "target_simulator": "NEST",
        "run": {"tstop": spec.tstop_ms, "dt": spec.dt_ms},
        "network": "$BASE_DIR/circuit_config.json",
        "inputs": {
            "bkg_spikes": {
                "input_type": "spikes",
                "module": "sonata",
                "input_file": "$INPUT_DIR/bkg_spikes.h5",
                "node_set": "bkg",
            }
        },
        "output": {"output_dir": "$OUTPUT_DIR", "spikes_file": "spikes.h5", "log_file": "log.txt"},
    }
    (root / "simulation_config.json").write_text(json.dumps(simulation, indent=2) + "\n")
