"""What the pipeline runs on a circuit, decided when Snakemake builds the DAG (``rules/common.smk``).

A user's circuit (``circuit.config``) is read with the SONATA readers: its node populations (virtual or not,
their attributes and cell classes), its edge populations and the populations its simulation config drives
with its own spike inputs. The built-in column's are known from the builder (:data:`BUILTIN_FACTS`). From
them, :func:`plan_pipeline` leaves out each stage or input that needs what the circuit lacks, with one line
saying why, instead of letting a job fail:

* ``simulate.poisson_hz`` entries for populations the circuit lacks, that are not virtual, or that the
  simulation config already drives with its own inputs (the config's inputs take precedence);
* the grating experiment, when the circuit has no virtual population ``lgn`` with what the LGN stage needs
  (a position ``x``, ``y`` and ``spatial_size`` for every unit, and unit types of the LGN model) — or, with
  precomputed LGN spikes (``grating.lgn_spikes``), no population ``lgn`` at all;
* PPSeq (``sequences``), when its ``population`` is not a simulated population of the circuit, or no class
  of it starts with ``cell_class_prefix``; ``population: null`` is the first simulated population;
* the graph stage's ``edge_populations`` the circuit lacks (``null``: the recurrent edge populations, those
  whose sources are simulated cells), and numbers of parts ``k`` above the graph's nodes; the stage itself
  when nothing is left.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from v1sim.analysis.classes import AUTO, cell_classes, check_class_column
from v1sim.errors import V1SimInputError

#: The population the grating experiment's LGN stage writes spikes for (``v1sim lgn``'s default).
LGN_POPULATION = "lgn"


@dataclass(frozen=True)
class PopulationFacts:
    """One node population: whether it is virtual, its size and attributes, the classes of its cells (None
    when not known before the circuit is built)."""

    name: str
    virtual: bool
    size: int
    attributes: frozenset[str]
    classes: frozenset[str] | None = None


@dataclass(frozen=True)
class CircuitFacts:
    """What the plan needs to know of a circuit."""

    populations: tuple[PopulationFacts, ...]  #: in the circuit's order
    edge_populations: dict[str, tuple[str, str]]  #: name → (source population, target population)
    driven: frozenset[str]  #: populations the simulation config drives with its own spike inputs
    lgn_problem: str | None  #: why the LGN stage cannot run on population ``lgn``; None when it can

    def population(self, name: str) -> PopulationFacts | None:
        return next((p for p in self.populations if p.name == name), None)

    @property
    def simulated(self) -> list[str]:
        return [p.name for p in self.populations if not p.virtual]


#: Attributes of the built-in column's populations (v1sim.builder.v1; tests/test_pipeline_plan.py reads a built
#: column to check them).
_BUILTIN_TYPE_ATTRIBUTES = {"node_type_id", "model_type", "pop_name", "ei", "location"}
BUILTIN_ATTRIBUTES = {
    "v1": frozenset(
        _BUILTIN_TYPE_ATTRIBUTES
        | {"model_template", "model_name", "dynamics_params", "tuning_angle", "x", "y", "z"}
    ),
    LGN_POPULATION: frozenset(
        _BUILTIN_TYPE_ATTRIBUTES | {"model_template", "spatial_size", "tuning_angle", "x", "y"}
    ),
    "bkg": frozenset(_BUILTIN_TYPE_ATTRIBUTES),
}


def builtin_facts(scale: float, class_column: str = AUTO) -> CircuitFacts:
    """The facts of the built-in column at ``scale`` (v1sim build-v1), known without building it: its V1 size,
    and its classes for ``auto`` and ``pop_name`` (the 21 Billeh classes; None for another class column). The
    LGN population's size is left 0 (it is not needed)."""
    from v1sim.builder.published_figures import CLASSES
    from v1sim.builder.v1 import class_counts

    core, annulus = class_counts(scale)
    classes = frozenset(c.name for c in CLASSES) if class_column in (AUTO, "pop_name") else None
    facts = CircuitFacts(
        populations=(
            PopulationFacts("v1", False, int(core.sum() + annulus.sum()), BUILTIN_ATTRIBUTES["v1"], classes),
            PopulationFacts(LGN_POPULATION, True, 0, BUILTIN_ATTRIBUTES[LGN_POPULATION]),
            PopulationFacts("bkg", True, 1, BUILTIN_ATTRIBUTES["bkg"]),
        ),
        edge_populations={"v1_to_v1": ("v1", "v1"), "lgn_to_v1": ("lgn", "v1"), "bkg_to_v1": ("bkg", "v1")},
        driven=frozenset({"bkg"}),  # its simulation config's bkg_spikes input
        lgn_problem=None,
    )
    check_class_column(class_column, _class_sources(facts), "config.yaml (the built-in column)")
    return facts


def _class_sources(facts: CircuitFacts) -> set[str]:
    """Columns a class may come from: the simulated populations' attributes and their population name."""
    names = {"population"}
    for p in facts.populations:
        if not p.virtual:
            names |= p.attributes
    return names


def _driven_populations(simulation: dict[str, Any]) -> frozenset[str]:
    """Populations the simulation config's spike inputs name."""
    node_sets: dict[str, Any] = {}
    path = simulation.get("node_sets_file")
    if path and Path(path).is_file():
        try:
            node_sets = json.loads(Path(path).read_text())
        except json.JSONDecodeError:
            node_sets = {}  # the simulate stage reports a malformed node-sets file
    from v1sim.sonata.node_sets import static_populations

    driven: set[str] = set()
    for spec in (simulation.get("inputs") or {}).values():
        if isinstance(spec, dict) and spec.get("input_type") == "spikes":
            driven |= static_populations(spec.get("node_set"), node_sets) or set()
    return frozenset(driven)


def _lgn_problem(tables: dict[str, pd.DataFrame]) -> str | None:
    """Why the LGN stage (v1sim.inputs.lgn) cannot compute spikes for population ``lgn``, or None."""
    from v1sim.inputs.lgn import LGNUnits
    from v1sim.inputs.lgn_filters import UNIT_TYPES

    if LGN_POPULATION not in tables:
        return f"the circuit has no population '{LGN_POPULATION}'"
    table = tables[LGN_POPULATION].assign(population=LGN_POPULATION)
    try:
        units = LGNUnits.from_nodes(table, LGN_POPULATION)
    except V1SimInputError as exc:
        return exc.problem
    unknown = sorted(set(map(str, units.unit_type)) - set(UNIT_TYPES))
    if unknown:
        return f"population '{LGN_POPULATION}' has units of a type the LGN model does not know ({unknown[0]})"
    return None


def circuit_facts(config: str | Path, class_column: str = AUTO) -> CircuitFacts:
    """Read what the plan needs from a SONATA config (circuit, simulation or combined), with the readers of
    :mod:`v1sim.sonata`; an explicit ``class_column`` the simulated populations lack is an input error."""
    from v1sim.sonata.config import load_circuit_config
    from v1sim.sonata.edges import read_edge_populations
    from v1sim.sonata.nodes import read_node_populations

    circuit = load_circuit_config(config)
    tables: dict[str, pd.DataFrame] = {}
    for files in circuit.nodes:
        for population in read_node_populations(files):
            tables[population.name] = population.table
    populations = []
    for name, table in tables.items():
        virtual = (
            "model_type" in table and bool(len(table)) and bool((table["model_type"] == "virtual").all())
        )
        attributes = frozenset(c for c in table.columns if c != "node_id")
        populations.append(PopulationFacts(name, virtual, len(table), attributes))
    facts = CircuitFacts(
        populations=tuple(populations),
        edge_populations={
            edges.name: (edges.source_population, edges.target_population)
            for files in circuit.edges
            for edges in read_edge_populations(files)
        },
        driven=_driven_populations(circuit.simulation),
        lgn_problem=_lgn_problem(tables),
    )
    check_class_column(class_column, _class_sources(facts), config)
    classed = tuple(
        p
        if p.virtual
        else PopulationFacts(
            p.name,
            p.virtual,
            p.size,
            p.attributes,
            frozenset(cell_classes(tables[p.name].assign(population=p.name), class_column, config)),
        )
        for p in facts.populations
    )
    return CircuitFacts(classed, facts.edge_populations, facts.driven, facts.lgn_problem)


@dataclass
class Plan:
    """The stages and settings the pipeline runs with on one circuit, and a line for everything left out."""

    poisson_hz: dict[str, float]
    grating: bool
    sequences: bool
    sequences_population: str | None
    graph: bool
    graph_edge_populations: list[str]
    graph_k: list[int]
    notices: list[str] = field(default_factory=list)


def _plan_poisson(config: dict[str, Any], facts: CircuitFacts, notices: list[str]) -> dict[str, float]:
    kept = {}
    for population, rate in (config["simulate"].get("poisson_hz") or {}).items():
        found = facts.population(population)
        if found is None:
            reason = f"the circuit has no population '{population}'"
        elif not found.virtual:
            reason = f"'{population}' is not a virtual population"
        elif population in facts.driven:
            reason = f"the simulation config drives '{population}' with its own input, which takes precedence"
        else:
            kept[population] = rate
            continue
        notices.append(f"simulate.poisson_hz.{population} left out: {reason}")
    return kept


def _plan_grating(config: dict[str, Any], facts: CircuitFacts, notices: list[str]) -> bool:
    grating = config["grating"]
    if not grating["enabled"]:
        return False
    lgn = facts.population(LGN_POPULATION)
    if grating.get("lgn_spikes"):
        problem = None if lgn is not None and lgn.virtual else f"no virtual population '{LGN_POPULATION}'"
    else:
        problem = facts.lgn_problem
    if problem:
        notices.append(f"grating experiment (and tuning) left out: {problem}")
    return problem is None


def _plan_sequences(
    config: dict[str, Any], facts: CircuitFacts, notices: list[str]
) -> tuple[bool, str | None]:
    sequences = config["sequences"]
    if not sequences["enabled"]:
        return False, None
    simulated = facts.simulated
    population = sequences.get("population") or (simulated[0] if simulated else None)
    found = facts.population(population) if population else None
    prefix = sequences.get("cell_class_prefix")
    if found is None or found.virtual:
        problem = f"the circuit has no simulated population '{population}'"
    elif prefix and found.classes is not None and not any(c.startswith(prefix) for c in found.classes):
        problem = f"no class of population '{population}' starts with '{prefix}' (cell_class_prefix)"
    else:
        return True, population
    notices.append(f"sequences (PPSeq) left out: {problem}")
    return False, None


def _plan_graph(
    config: dict[str, Any], facts: CircuitFacts, notices: list[str]
) -> tuple[bool, list[str], list[int]]:
    graph = config["graph"]
    if not graph["enabled"]:
        return False, [], []
    simulated = set(facts.simulated)
    wanted = graph.get("edge_populations")
    if wanted is None:
        chosen = [name for name, (source, _) in facts.edge_populations.items() if source in simulated]
        problem = None if chosen else "the circuit has no recurrent edge population"
    else:
        chosen = [name for name in wanted if name in facts.edge_populations]
        for name in wanted:
            if name not in facts.edge_populations:
                notices.append(
                    f"graph.edge_populations: '{name}' left out: the circuit has no such edge population"
                )
        problem = None if chosen else "none of graph.edge_populations is in the circuit"
    if problem:
        notices.append(f"graph stage left out: {problem}")
        return False, [], []
    touched = {p for name in chosen for p in facts.edge_populations[name]}
    n_nodes = sum(p.size for p in facts.populations if p.name in touched)
    k = [v for v in graph["k"] if v <= n_nodes]
    too_many = [v for v in graph["k"] if v > n_nodes]
    if too_many:
        notices.append(f"graph.k {too_many} left out: the graph has only {n_nodes} nodes")
    if not k:
        notices.append("graph stage left out: every graph.k exceeds the graph's nodes")
        return False, [], []
    return True, chosen, k


def plan_pipeline(config: dict[str, Any], facts: CircuitFacts) -> Plan:
    """The stages and inputs of ``config`` (the validated config.yaml) that ``facts``' circuit can run."""
    notices: list[str] = []
    poisson_hz = _plan_poisson(config, facts, notices)
    grating = _plan_grating(config, facts, notices)
    sequences, population = _plan_sequences(config, facts, notices)
    graph, edge_populations, k = _plan_graph(config, facts, notices)
    return Plan(poisson_hz, grating, sequences, population, graph, edge_populations, k, notices)
