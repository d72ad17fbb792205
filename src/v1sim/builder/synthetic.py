"""A synthetic, V1-sized SONATA circuit with exact counts: the converter's benchmark and test workload.

Not a model of V1 (that is :mod:`v1sim.builder` 's Billeh-style builder): it reproduces the *shape* of the
Allen release — one ``v1`` population of GLIF3 cells in the 21 Billeh classes, V1→V1 edges with ``nsyns`` and
one edge type per (target node type, source class) pair using both ``DirectionRule`` weight functions,
virtual ``lgn`` and ``bkg`` populations and their edges — with any sizes, so that the full-scale conversion
(230,924 nodes, 70,139,111 edges, 1,783 edge types) can be measured on any machine. Sources are drawn
uniformly from the classes allowed for each target type, without self-loops or repeated pairs. The same spec
and seed give the same files.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from v1sim.sonata.writer import EdgeFileWriter, circuit_config, write_json, write_nodes, write_types_csv
from v1sim.taxonomy import ei_of, parse_class

#: The 21 cell classes of the Billeh model with their full-model counts and depth range (µm) — v1-model.md §1.
CLASSES = (
    ("i1Htr3a", 4363, 50, 100),
    ("e23Cux2", 56057, 100, 310),
    ("i23Htr3a", 4845, 100, 310),
    ("i23Pvalb", 2927, 100, 310),
    ("i23Sst", 2120, 100, 310),
    ("e4Nr5a1", 5491, 310, 430),
    ("e4Rorb", 11898, 310, 430),
    ("e4Scnn1a", 13728, 310, 430),
    ("e4other", 14644, 310, 430),
    ("i4Htr3a", 1231, 310, 430),
    ("i4Pvalb", 4461, 310, 430),
    ("i4Sst", 2384, 310, 430),
    ("e5Rbp4", 26846, 430, 650),
    ("e5noRbp4", 6712, 430, 650),
    ("i5Htr3a", 508, 430, 650),
    ("i5Pvalb", 2876, 430, 650),
    ("i5Sst", 2538, 430, 650),
    ("e6Ntsr1", 57202, 650, 850),
    ("i6Htr3a", 841, 650, 850),
    ("i6Pvalb", 4626, 650, 850),
    ("i6Sst", 4626, 650, 850),
)
FULL_V1 = sum(c[1] for c in CLASSES)  # 230,924
FULL_RADIUS_UM = 845.0
#: Receptor per (source E/I, target E/I) as in the release's e2e/e2i/i2e/i2i synaptic models.
SYNAPSE_FILES = {
    ("e", "e"): "e2e.json",
    ("e", "i"): "e2i.json",
    ("i", "e"): "i2e.json",
    ("i", "i"): "i2i.json",
}
RECEPTORS = {"e2e.json": 1, "i2e.json": 2, "e2i.json": 3, "i2i.json": 4}
TAU_SYN_MS = [5.5, 8.5, 2.8, 5.8]
#: Source classes every target type connects from (the largest ones), so any allowed in-degree fits.
MUST_CLASSES = 2


@dataclass(frozen=True)
class SyntheticSpec:
    """Sizes and seed of a synthetic circuit; the defaults make a small one for tests and the default run."""

    n_v1: int = 2_000
    n_v1_edges: int = 200_000
    n_lgn: int = 200
    lgn_in_degree: int = 10
    n_node_types: int = 42
    n_edge_types: int = 600
    seed: int = 0

    @classmethod
    def full_scale(cls) -> SyntheticSpec:
        """The size of the Allen release: 230,924 V1 cells, 70,139,111 V1 edges in 1,783 types, 17,400 LGN units."""
        return cls(
            n_v1=FULL_V1,
            n_v1_edges=70_139_111,
            n_lgn=17_400,
            lgn_in_degree=30,
            n_node_types=111,
            n_edge_types=1_783,
        )

    def replace(self, **changes: int) -> SyntheticSpec:
        return dataclasses.replace(self, **changes)

    def validate(self) -> None:
        n_classes = len(CLASSES)
        if self.n_v1 < 2 * n_classes:
            raise ValueError(f"n_v1 must be at least {2 * n_classes}")
        if not n_classes <= self.n_node_types <= self.n_v1:
            raise ValueError(f"n_node_types must be between {n_classes} and n_v1")
        if not MUST_CLASSES * self.n_node_types <= self.n_edge_types <= self.n_node_types * n_classes:
            raise ValueError(
                f"n_edge_types must be between {MUST_CLASSES} × n_node_types and n_node_types × 21"
            )
        if self.n_v1_edges < 0 or self.n_v1_edges > self.n_v1 * (self.n_v1 // 4):
            raise ValueError("n_v1_edges must leave each cell a quarter of the network as possible sources")
        if not 0 <= self.lgn_in_degree <= self.n_lgn:
            raise ValueError("lgn_in_degree must be between 0 and n_lgn")


def _class_counts(n: int) -> np.ndarray:
    """Cells per class in proportion to the full model, at least 2 each, summing to ``n``."""
    full = np.array([c[1] for c in CLASSES], dtype=float)
    counts = np.maximum(2, np.floor(full / full.sum() * n)).astype(np.int64)
    while counts.sum() != n:
        step = 1 if counts.sum() < n else -1
        i = int(np.argmax(counts)) if step < 0 else int(np.argmax(full / full.sum() * n - counts))
        counts[i] += step
    return counts


def _node_types_per_class(counts: np.ndarray, n_types: int) -> np.ndarray:
    """Node types per class, at least one, roughly in proportion to class size."""
    per = np.ones(len(counts), dtype=np.int64)
    extra = n_types - len(counts)
    share = counts / counts.sum() * extra
    per += np.floor(share).astype(np.int64)
    remainder = n_types - per.sum()
    per[np.argsort(-(share - np.floor(share)), kind="stable")[:remainder]] += 1
    return np.minimum(per, counts)


def _glif3_params(rng: np.random.Generator, excitatory: bool) -> dict[str, object]:
    """A plausible GLIF3 parameter set (ranges spanning the Allen example cells), NEST glif_psc form."""
    e_l = float(rng.uniform(-80.0, -68.0))
    return {
        "V_m": e_l,
        "E_L": e_l,
        "V_reset": e_l,
        "V_th": e_l + float(rng.uniform(22.0, 36.0) if excitatory else rng.uniform(20.0, 28.0)),
        "g": float(rng.uniform(3.5, 7.5) if excitatory else rng.uniform(6.0, 10.0)),
        "C_m": float(rng.uniform(50.0, 90.0)),
        "t_ref": float(rng.choice([1.4, 1.5, 2.2, 2.4, 2.6, 3.2]) if excitatory else rng.choice([1.4, 1.5])),
        "asc_init": [0.0, 0.0],
        "asc_decay": [0.003, float(rng.choice([0.1, 0.3]))],
        "asc_amps": [float(rng.uniform(-40.0, -3.0)), float(rng.uniform(-300.0, -60.0))],
        "tau_syn": TAU_SYN_MS,
        "spike_dependent_threshold": False,
        "after_spike_currents": True,
        "adapting_threshold": False,
    }


def _positions(rng: np.random.Generator, counts: np.ndarray, radius: float) -> dict[str, np.ndarray]:
    n = counts.sum()
    r = radius * np.sqrt(rng.uniform(0.0, 1.0, n))
    phi = rng.uniform(0.0, 2 * np.pi, n)
    depth = np.concatenate(
        [rng.uniform(lo, hi, k) for (_, _, lo, hi), k in zip(CLASSES, counts, strict=True)]
    )
    return {
        "x": r * np.cos(phi),
        "y": -depth,
        "z": r * np.sin(phi),
        "tuning_angle": rng.uniform(0.0, 360.0, n),
    }


def _draw_sources(
    rng: np.random.Generator,
    targets: np.ndarray,
    k: np.ndarray,
    starts: np.ndarray,
    sizes: np.ndarray,
    same_population: bool = True,
) -> np.ndarray:
    """For each target, ``k`` distinct sources uniform over the node ranges ``[start, start+size)``.

    Returns sources ordered by (target, source); with ``same_population`` a target is never its own source.
    """
    cum = np.concatenate([[0], np.cumsum(sizes)])

    def draw(m: int) -> np.ndarray:
        u = rng.integers(0, cum[-1], m)
        block = np.searchsorted(cum, u, "right") - 1
        return starts[block] + (u - cum[block])

    owner = np.repeat(targets, k)
    sources = draw(len(owner))
    while True:
        order = np.lexsort((sources, owner))
        owner, sources = owner[order], sources[order]
        bad = (sources == owner) if same_population else np.zeros(len(sources), dtype=bool)
        bad[1:] |= (sources[1:] == sources[:-1]) & (owner[1:] == owner[:-1])
        if not bad.any():
            return sources
        sources[bad] = draw(int(bad.sum()))


def write_synthetic_circuit(spec: SyntheticSpec, outdir: str | Path, *, progress: bool = False) -> Path:
    """Write the circuit under ``outdir`` (network/, components/, circuit_config.json); return the config path."""
    spec.validate()
    outdir = Path(outdir)
    net, cells, syns = (
        outdir / "network",
        outdir / "components" / "cell_models",
        outdir / "components" / "synaptic_models",
    )
    for folder in (net, cells, syns):
        folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(spec.seed)
    counts = _class_counts(spec.n_v1)
    class_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    types_per_class = _node_types_per_class(counts, spec.n_node_types)

    # Node types: contiguous blocks of node ids, class by class.
    type_rows, type_of_node, type_class = [], np.empty(spec.n_v1, dtype=np.int64), []
    for c, ((name, _, _, _), n_c, n_t) in enumerate(zip(CLASSES, counts, types_per_class, strict=True)):
        bounds = np.linspace(class_start[c], class_start[c] + n_c, n_t + 1).round().astype(np.int64)
        for j in range(n_t):
            type_id = 100 + len(type_rows)
            parsed = parse_class(name)
            excitatory = parsed.ei == "e"
            params_file = f"{type_id}_glif_psc.json"
            write_json(cells / params_file, _glif3_params(rng, excitatory))
            type_rows.append(
                {
                    "node_type_id": type_id,
                    "model_type": "point_process",
                    "model_template": "nest:glif_psc",
                    "dynamics_params": params_file,
                    "pop_name": name,
                    "ei": parsed.ei,
                    "location": parsed.location,
                }
            )
            type_of_node[bounds[j] : bounds[j + 1]] = len(type_rows) - 1
            type_class.append(c)
    type_class = np.array(type_class)
    radius = FULL_RADIUS_UM * np.sqrt(spec.n_v1 / FULL_V1)
    write_nodes(net / "v1_nodes.h5", "v1", 100 + type_of_node, _positions(rng, counts, radius))
    write_types_csv(net / "v1_node_types.csv", pd.DataFrame(type_rows))
    lgn_xy = rng.uniform(0.0, [240.0, 120.0], (spec.n_lgn, 2))
    write_nodes(net / "lgn_nodes.h5", "lgn", np.full(spec.n_lgn, 100), {"x": lgn_xy[:, 0], "y": lgn_xy[:, 1]})
    write_types_csv(
        net / "lgn_node_types.csv",
        pd.DataFrame([{"node_type_id": 100, "model_type": "virtual", "pop_name": "tON", "ei": "e"}]),
    )
    write_nodes(net / "bkg_nodes.h5", "bkg", np.full(1, 100))
    write_types_csv(
        net / "bkg_node_types.csv",
        pd.DataFrame([{"node_type_id": 100, "model_type": "virtual", "pop_name": "bkg", "ei": "e"}]),
    )
    for name, port in RECEPTORS.items():
        write_json(syns / name, {"receptor_type": port})

    edge_types = _v1_edge_types(rng, spec, type_class)
    write_types_csv(net / "v1_v1_edge_types.csv", edge_types.drop(columns=["target_type", "source_class"]))
    _write_v1_edges(
        rng, spec, net / "v1_v1_edges.h5", edge_types, type_of_node, counts, class_start, progress
    )
    _write_input_edges(rng, spec, net, type_of_node, type_class)

    config = circuit_config(
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
    write_json(outdir / "circuit_config.json", config)
    return outdir / "circuit_config.json"


def _v1_edge_types(rng: np.random.Generator, spec: SyntheticSpec, type_class: np.ndarray) -> pd.DataFrame:
    """One edge type per allowed (target node type, source class) pair.

    Every target type draws from the two largest classes (together about half the cells, more than the
    largest in-degree ``validate`` allows), plus randomly chosen others.
    """
    n_types, n_classes = len(type_class), len(CLASSES)
    largest = np.argsort([-c[1] for c in CLASSES], kind="stable")[:MUST_CLASSES]
    must = np.stack([np.repeat(np.arange(n_types), MUST_CLASSES), np.tile(largest, n_types)], axis=1)
    pairs = np.array([(t, c) for t in range(n_types) for c in range(n_classes)])
    rest = pairs[~np.isin(pairs[:, 0] * n_classes + pairs[:, 1], must[:, 0] * n_classes + must[:, 1])]
    chosen = rest[rng.choice(len(rest), spec.n_edge_types - len(must), replace=False)]
    pairs = np.concatenate([must, chosen])
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    rows = []
    for i, (t, c) in enumerate(pairs):
        src_ei, trg_ei = CLASSES[c][0][0], CLASSES[type_class[t]][0][0]
        sigma = 30.0 if (src_ei, trg_ei) == ("e", "e") else (50.0 if (src_ei, trg_ei) == ("i", "i") else 90.0)
        magnitude = float(rng.uniform(1.0, 8.0))
        rows.append(
            {
                "edge_type_id": 100 + i,
                "target_query": f"node_type_id=='{100 + t}'",
                "source_query": f"pop_name=='{CLASSES[c][0]}'",
                "model_template": "static_synapse",
                "syn_weight": magnitude if src_ei == "e" else -magnitude,
                "delay": float(np.round(rng.uniform(0.9, 3.8), 1)),
                "dynamics_params": SYNAPSE_FILES[(src_ei, trg_ei)],
                "weight_function": "DirectionRule_EE"
                if (src_ei, trg_ei) == ("e", "e")
                else "DirectionRule_others",
                "weight_sigma": sigma,
                "target_type": t,
                "source_class": c,
            }
        )
    return pd.DataFrame(rows)


def _write_v1_edges(
    rng: np.random.Generator,
    spec: SyntheticSpec,
    path: Path,
    edge_types: pd.DataFrame,
    type_of_node: np.ndarray,
    counts: np.ndarray,
    class_start: np.ndarray,
    progress: bool,
) -> None:
    """V1→V1 edges sorted by target, in-degrees as equal as the exact total allows."""
    n = spec.n_v1
    in_degree = np.full(n, spec.n_v1_edges // n, dtype=np.int64)
    in_degree[rng.choice(n, spec.n_v1_edges % n, replace=False)] += 1
    lut = np.full((len(np.unique(type_of_node)), len(CLASSES)), -1, dtype=np.int64)
    lut[edge_types["target_type"], edge_types["source_class"]] = edge_types["edge_type_id"]
    class_of_node = np.repeat(np.arange(len(CLASSES)), counts)
    attrs = {"nsyns": np.dtype(np.uint8)}
    with EdgeFileWriter(path, "v1_to_v1", "v1", "v1", spec.n_v1_edges, attrs) as writer:
        for t in tqdm(range(lut.shape[0]), desc="v1 edges", unit="type", disable=not progress):
            targets = np.flatnonzero(type_of_node == t)
            allowed = np.flatnonzero(lut[t] >= 0)
            sources = _draw_sources(rng, targets, in_degree[targets], class_start[allowed], counts[allowed])
            owner = np.repeat(targets, in_degree[targets])
            writer.write(
                sources,
                owner,
                lut[t, class_of_node[sources]],
                nsyns=rng.integers(3, 8, len(sources)).astype(np.uint8),
            )


def _write_input_edges(
    rng: np.random.Generator, spec: SyntheticSpec, net: Path, type_of_node: np.ndarray, type_class: np.ndarray
) -> None:
    """LGN→V1 (``lgn_in_degree`` distinct units per cell) and bkg→V1 (one edge per cell), one type per class."""
    n = spec.n_v1
    node_class = type_class[type_of_node]
    rows = []
    for c, (name, *_rest) in enumerate(CLASSES):
        receptor_file = "e2e.json" if ei_of(name) == "e" else "e2i.json"
        rows.append(
            {
                "edge_type_id": 100 + c,
                "target_query": f"pop_name=='{name}'",
                "source_query": "*",
                "model_template": "static_synapse",
                "syn_weight": float(np.round(rng.uniform(3.0, 12.0), 2)),
                "delay": 1.7,
                "dynamics_params": receptor_file,
            }
        )
    lgn_types = pd.DataFrame(rows)
    write_types_csv(net / "lgn_v1_edge_types.csv", lgn_types)
    targets = np.arange(n)
    k = np.full(n, spec.lgn_in_degree)
    sources = _draw_sources(rng, targets, k, np.array([0]), np.array([spec.n_lgn]), same_population=False)
    owner = np.repeat(targets, k)
    with EdgeFileWriter(
        net / "lgn_v1_edges.h5", "lgn_to_v1", "lgn", "v1", len(owner), {"nsyns": np.uint8}
    ) as writer:
        writer.write(
            sources, owner, 100 + node_class[owner], nsyns=rng.integers(1, 4, len(owner)).astype(np.uint8)
        )

    bkg_types = lgn_types.assign(delay=1.0, syn_weight=np.round(rng.uniform(1.0, 4.0, len(lgn_types)), 2))
    write_types_csv(net / "bkg_v1_edge_types.csv", bkg_types)
    with EdgeFileWriter(net / "bkg_v1_edges.h5", "bkg_to_v1", "bkg", "v1", n, {"nsyns": np.uint8}) as writer:
        writer.write(
            np.zeros(n, np.int64), targets, 100 + node_class, nsyns=rng.integers(5, 30, n).astype(np.uint8)
        )
