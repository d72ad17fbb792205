"""SONATA configuration files: circuit configs, simulation configs and the combined form.

Three layouts occur in Allen releases and examples:

* a circuit config with ``networks`` (and usually ``components`` and a ``manifest``);
* a simulation config whose ``network`` entry names a circuit config (``run``, ``inputs``, ``output`` …);
* a top-level config with ``network`` and ``simulation`` entries, each naming one of the above.

Manifest variables (``$NAME`` or ``${NAME}``) may refer to other manifest variables; relative paths are
relative to the config file that holds them (SONATA developer guide, "Configuration files").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from v1sim.errors import V1SimInputError

_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")

#: Keys whose (string) values are paths to resolve against the config file's folder.
_PATH_KEYS = {
    "nodes_file",
    "node_types_file",
    "edges_file",
    "edge_types_file",
    "input_file",
    "file",
    "network",
    "simulation",
    "node_sets_file",
    "output_dir",
    "point_neuron_models_dir",
    "synaptic_models_dir",
    "morphologies_dir",
    "biophysical_neuron_models_dir",
    "mechanisms_dir",
    "templates_dir",
    "weight_functions",
}


@dataclass(frozen=True)
class NodeFiles:
    """One ``networks.nodes`` entry: an HDF5 nodes file and its node-types CSV."""

    nodes_file: Path
    node_types_file: Path


@dataclass(frozen=True)
class EdgeFiles:
    """One ``networks.edges`` entry: an HDF5 edges file and its edge-types CSV."""

    edges_file: Path
    edge_types_file: Path


@dataclass
class CircuitConfig:
    """A resolved SONATA circuit: where its files are, with every path absolute."""

    config_file: Path
    nodes: list[NodeFiles]
    edges: list[EdgeFiles]
    point_neuron_models_dirs: list[Path]
    synaptic_models_dirs: list[Path]
    #: The circuit config proper (``config_file`` itself, or the one a simulation config names).
    circuit_file: Path | None = None
    #: The simulation part (``run``, ``inputs``, ``output``) when the config named one, else empty.
    simulation: dict[str, Any] = field(default_factory=dict)
    simulation_file: Path | None = None
    #: Inline ``node_sets`` and ``node_sets_file``, from the simulation part, else the circuit, else the top level.
    node_sets: dict[str, Any] | None = None
    node_sets_file: Path | None = None
    #: Where ``node_sets`` or ``node_sets_file`` was found (for messages).
    node_sets_source: Path | None = None
    #: ``components`` of the circuit and the simulation part, merged (the circuit's entries win).
    components: dict[str, Any] = field(default_factory=dict)


#: Input types of bmtk's FilterNet (the LGN filter model): not a point-neuron simulation.
FILTERNET_INPUT_TYPES = ("movie", "audio")


def refuse_filternet_inputs(simulation: dict[str, Any], simulation_file: Path | None) -> None:
    """A FilterNet config (a ``movie`` or ``audio`` input) is refused here, when the config is read, with the
    way to do the same in v1sim: LGN spikes from ``v1sim lgn``, given as a spikes input."""
    inputs = simulation.get("inputs") or {}
    if not isinstance(inputs, dict):
        return
    for name, spec in inputs.items():
        if isinstance(spec, dict) and spec.get("input_type") in FILTERNET_INPUT_TYPES:
            raise V1SimInputError(
                simulation_file,
                f"inputs.{name}.input_type",
                f"'{spec['input_type']}' is a FilterNet input (bmtk's LGN filter model), not a point-neuron "
                "simulation: make LGN spikes with `v1sim lgn` and give them as an input of input_type spikes",
            )


def _read_json(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise V1SimInputError(path, None, f"{what} not found")
    try:
        with path.open() as handle:
            data = json.load(handle)
    except json.JSONDecodeError as exc:
        raise V1SimInputError(path, None, f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise V1SimInputError(path, None, f"{what} must be a JSON object")
    return data


def _resolve_manifest(manifest: dict[str, Any], config_file: Path) -> dict[str, str]:
    """Expand manifest variables that refer to each other; detect undefined names and cycles."""
    raw = {key.lstrip("$").strip("{}"): str(value) for key, value in manifest.items()}
    raw.setdefault("configdir", str(config_file.parent))  # predefined by the SONATA specification
    resolved: dict[str, str] = {}

    def expand(name: str, stack: tuple[str, ...]) -> str:
        if name in resolved:
            return resolved[name]
        if name not in raw:
            raise V1SimInputError(
                config_file, f"manifest ${stack[-1]}", f"undefined manifest variable ${name}"
            )
        if name in stack:
            cycle = " -> ".join((*stack, name))
            raise V1SimInputError(config_file, "manifest", f"manifest variables refer to each other: {cycle}")
        value = _VARIABLE.sub(lambda m: expand(m.group(1) or m.group(2), (*stack, name)), raw[name])
        resolved[name] = value
        return value

    for name in raw:
        expand(name, ())
    return resolved


def _substitute(value: Any, variables: dict[str, str], config_file: Path, where: str) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2)
            if name not in variables:
                raise V1SimInputError(config_file, where, f"undefined manifest variable ${name}")
            return variables[name]

        return _VARIABLE.sub(replace, value)
    if isinstance(value, dict):
        return {
            k: _substitute(v, variables, config_file, f"{where}.{k}" if where else k)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_substitute(v, variables, config_file, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def _absolutise(value: Any, base: Path, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _absolutise(v, base, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_absolutise(v, base, key) for v in value]
    if isinstance(value, str) and key in _PATH_KEYS and value:
        path = Path(value)
        return str(path if path.is_absolute() else (base / path).resolve())
    return value


def load_json_config(path: str | Path) -> dict[str, Any]:
    """Read one SONATA config JSON with manifest variables substituted and paths made absolute."""
    config_file = Path(path).resolve()
    data = _read_json(config_file, "config file")
    manifest = data.pop("manifest", {}) or {}
    if not isinstance(manifest, dict):
        raise V1SimInputError(config_file, "manifest", "must be a JSON object of $NAME: value entries")
    variables = _resolve_manifest(manifest, config_file)
    data = _substitute(data, variables, config_file, "")
    return _absolutise(data, config_file.parent)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _require_file(entry: dict[str, Any], key: str, config_file: Path, where: str) -> None:
    if not entry.get(key):
        raise V1SimInputError(config_file, f"{where}.{key}", "missing")
    if not Path(entry[key]).is_file():
        raise V1SimInputError(config_file, f"{where}.{key}", f"file not found: {entry[key]}")


def load_circuit_config(path: str | Path) -> CircuitConfig:
    """Load a circuit from a circuit config, a simulation config that names one, or a combined config.

    Raises :class:`V1SimInputError` naming the config file and the key for anything missing or malformed.
    """
    config_file = Path(path).resolve()
    data = load_json_config(config_file)
    simulation: dict[str, Any] = {}
    simulation_file: Path | None = None

    if "simulation" in data and isinstance(data["simulation"], str):
        simulation_file = Path(data["simulation"])
        simulation = load_json_config(simulation_file)
    if "networks" not in data:
        network = data.get("network") or simulation.get("network")
        if not isinstance(network, str):
            raise V1SimInputError(
                config_file,
                "networks",
                "neither a circuit config (no 'networks') nor a config naming one ('network')",
            )
        if "run" in data or "inputs" in data:
            simulation, simulation_file = data, config_file
        circuit_file = Path(network)
        circuit = load_json_config(circuit_file)
        if "networks" not in circuit:
            raise V1SimInputError(circuit_file, "networks", "circuit config has no 'networks' section")
    else:
        circuit_file, circuit = config_file, data
        if "run" in data:
            simulation, simulation_file = data, config_file

    refuse_filternet_inputs(simulation, simulation_file)
    networks = circuit["networks"]
    nodes: list[NodeFiles] = []
    for i, entry in enumerate(_as_list(networks.get("nodes"))):
        for key in ("nodes_file", "node_types_file"):
            _require_file(entry, key, circuit_file, f"networks.nodes[{i}]")
        nodes.append(NodeFiles(Path(entry["nodes_file"]), Path(entry["node_types_file"])))
    if not nodes:
        raise V1SimInputError(circuit_file, "networks.nodes", "the circuit lists no node files")

    edges: list[EdgeFiles] = []
    for i, entry in enumerate(_as_list(networks.get("edges"))):
        if entry.get("enabled", True) is False:
            continue
        for key in ("edges_file", "edge_types_file"):
            _require_file(entry, key, circuit_file, f"networks.edges[{i}]")
        edges.append(EdgeFiles(Path(entry["edges_file"]), Path(entry["edge_types_file"])))

    components = {**simulation.get("components", {}), **circuit.get("components", {})}
    node_sets, node_sets_file, node_sets_source = None, None, None
    for source, part in ((simulation_file, simulation), (circuit_file, circuit), (config_file, data)):
        if node_sets is None and isinstance(part.get("node_sets"), dict):
            node_sets, node_sets_source = part["node_sets"], source
        if node_sets_file is None and part.get("node_sets_file"):
            node_sets_file = Path(part["node_sets_file"])
            node_sets_source = node_sets_source or source
    return CircuitConfig(
        config_file=config_file,
        circuit_file=circuit_file,
        nodes=nodes,
        edges=edges,
        point_neuron_models_dirs=[Path(p) for p in _as_list(components.get("point_neuron_models_dir"))],
        synaptic_models_dirs=[Path(p) for p in _as_list(components.get("synaptic_models_dir"))],
        simulation=simulation,
        simulation_file=simulation_file,
        node_sets=node_sets,
        node_sets_file=node_sets_file,
        node_sets_source=node_sets_source,
        components=components,
    )
