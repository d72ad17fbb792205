"""Circuit configs: the three layouts, manifest variables (nested, ${configdir}), relative paths."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.circuits import CircuitSpec, make_circuit
from tests.snakemake_jobs import snakemake
from v1sim.errors import V1SimInputError
from v1sim.sonata.config import load_circuit_config, load_json_config


@pytest.mark.parametrize("kind", ["circuit", "simulation", "combined"])
def test_every_layout_names_the_same_files(tmp_path: Path, kind: str) -> None:
    config = make_circuit(tmp_path / "c", CircuitSpec(config_kind=kind))
    circuit = load_circuit_config(config)
    assert [f.nodes_file.name for f in circuit.nodes] == ["v1_nodes.h5", "lgn_nodes.h5"]
    assert [f.edges_file.name for f in circuit.edges] == ["v1_v1_edges.h5", "lgn_v1_edges.h5"]
    assert all(f.nodes_file.is_absolute() and f.nodes_file.is_file() for f in circuit.nodes)
    assert circuit.point_neuron_models_dirs == [(tmp_path / "c" / "components" / "cell_models").resolve()]
    if kind != "circuit":
        assert circuit.simulation["run"]["dt"] == 0.25


def test_nested_manifest_variables_and_configdir(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    config = tmp_path / "sub" / "c.json"
    config.write_text(
        json.dumps(
            {
                "manifest": {"$A": "${configdir}/x", "$B": "$A/y", "${C}": "${B}/z"},
                "networks": {"nodes": [{"nodes_file": "$C/n.h5", "node_types_file": "rel/t.csv"}]},
            }
        )
    )
    data = load_json_config(config)
    entry = data["networks"]["nodes"][0]
    assert entry["nodes_file"] == str(tmp_path / "sub" / "x" / "y" / "z" / "n.h5")
    assert entry["node_types_file"] == str((tmp_path / "sub" / "rel" / "t.csv").resolve())


def test_manifest_cycle_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"manifest": {"$A": "$B/x", "$B": "$A/y"}, "networks": {}}))
    with pytest.raises(V1SimInputError, match="refer to each other"):
        load_json_config(config)


def test_disabled_edge_files_are_skipped(tmp_path: Path) -> None:
    config = make_circuit(tmp_path / "c", CircuitSpec())
    data = json.loads(config.read_text())
    data["networks"]["edges"][1]["enabled"] = False
    config.write_text(json.dumps(data))
    assert [f.edges_file.name for f in load_circuit_config(config).edges] == ["v1_v1_edges.h5"]


def test_a_config_without_networks_is_named(tmp_path: Path) -> None:
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"run": {"dt": 0.1}}))
    with pytest.raises(V1SimInputError, match="networks") as info:
        load_circuit_config(config)
    assert info.value.path == str(config)


# --- the pipeline's config.yaml: checked up front, one line naming the first bad key ------------------------

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "config.schema.yaml"


def _default_config() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "config.yaml").read_text())


def _with(config: dict, key: str, value: object) -> dict:
    section, _, rest = key.partition(".")
    target = config.setdefault(section, {})
    *parents, last = rest.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value
    return config


def test_the_shipped_config_is_valid_and_keeps_its_values() -> None:
    from v1sim.config_schema import validate_config

    given = _default_config()
    checked = validate_config(_default_config(), SCHEMA)
    for section, values in given.items():
        assert {k: checked[section][k] for k in values} == values  # defaults only fill in what is missing
    assert checked["graph"]["isolated"] == "keep" and "isolated" not in given["graph"]


def test_an_empty_config_gets_every_default() -> None:
    from v1sim.config_schema import validate_config

    config = validate_config({}, SCHEMA)
    assert config["simulate"]["dt_ms"] == 0.25 and config["grating"]["directions_deg"][2] == 90
    assert config["release"]["refresh"] is False and config["graph"]["k"] == [2, 4, 8, 16, 32, 64]


# (key set, bad value, the key the line names when it is another, what it must say after "config.yaml: <key>: ")
BAD_VALUES = [
    ("simulate.dt_ms", -1, None, "-1 is not >= 0.001"),
    ("simulate.dt_ms", float("nan"), None, "nan is not a finite number"),
    ("simulate.dt_ms", 0.0005, None, "0.0005 is not >= 0.001"),
    ("simulate.dt_ms", 0.1234, "simulate.tstop_ms", "not a whole number of NEST's 0.001 ms tics"),
    ("simulate.dt_ms", 0.3, "simulate.tstop_ms", "1000 ms is not a whole number of 0.3 ms steps: choose 999.9 or"),
    ("simulate.tstop_ms", float("inf"), None, "inf is not a finite number"),
    ("simulate.tstop_ms", -float("inf"), None, "-inf is not a finite number"),
    ("simulate.tstop_ms", 0, None, "0 is not > 0"),
    ("simulate.tstop_ms", 1e12, None, "is not <= 1000000000.0"),
    ("simulate.tstop_ms", "abc", None, "'abc' is not a number or null"),
    ("simulate.seed", -1, None, "-1 is not >= 0"),
    ("simulate.seed", 2**40, None, "is not <= 4294967295"),
    ("simulate.seed", 1.5, None, "1.5 is not an integer"),
    ("simulate.threads", 0, None, "0 is not >= 1"),
    ("simulate.device", "gpu", None, "'gpu' is not one of 'auto', 'cpu', 'cuda'"),
    ("simulate.poisson_hz.lgn", float("inf"), None, "inf is not a finite number"),
    ("simulate.poisson_hz.lgn", -5, None, "-5 is not >= 0"),
    ("simulate.poisson_hz.lgn", 1e9, None, "is not <= 100000"),
    ("simulate.poisson_hz", None, None, "null is not a mapping"),
    ("analysis.bin_ms", 0, None, "0 is not > 0"),
    ("analysis.bin_ms", None, None, "null is not a number"),
    ("analysis.correlation_bin_ms", float("nan"), None, "nan is not a finite number"),
    ("analysis.t_start_ms", 1000.0, None, "1000.0 is not before simulate.tstop_ms (1000.0)"),
    ("analysis.pca_components", 1, None, "1 is not >= 2"),
    ("sequences.t_start_ms", 5000, None, "5000 is not before simulate.tstop_ms"),
    ("sequences.anneal_sweeps", 500, None, "500 is more than sequences.sweeps (200)"),
    ("sequences.window_s", 0, None, "0 is not > 0"),
    ("grating.directions_deg", [0, float("nan"), 90], "grating.directions_deg[1]", "nan is not a finite number"),
    ("grating.directions_deg", [0, 90, float("inf")], "grating.directions_deg[2]", "inf is not a finite number"),
    ("grating.directions_deg", [0, 90, 360], "grating.directions_deg[2]", "360 is not < 360"),
    ("grating.directions_deg", [0, 90], None, "needs at least 3 items, got 2"),
    ("grating.directions_deg", [0, 90, 90], None, "holds 90 more than once"),
    ("grating.duration_ms", 1000.1, None, "1000.1 ms is not a whole number of 0.25 ms steps"),
    ("grating.gray_ms", 1000.0, None, "1000.0 leaves no grating in a trial of 1000.0 ms"),
    ("grating.sf_cpd", 0, None, "0 is not >= 0.001"),
    ("grating.tf_hz", 1e4, None, "10000.0 is not <= 500"),
    ("grating.contrast", 1.5, None, "1.5 is not <= 1"),
    ("grating.trials", 0, None, "0 is not >= 1"),
    ("graph.k", [1, 4], "graph.k[0]", "1 is not >= 2"),
    ("graph.imbalance", 1, None, "1 is not < 1"),
    ("graph.methods", ["infomap"], "graph.methods[0]", "'infomap' is not one of 'louvain', 'leiden'"),
    ("circuit.scale", 0.001, None, "0.001 leaves a class of the built-in column without a cell"),
    ("circuit.scale", 2, None, "2 is not <= 1"),
    ("circuit.name", "a/b", None, "'a/b' does not match"),
    ("convert.chunk_edges", 5, None, "5 is not >= 1000"),
    ("release.sha256.x.h5", "0" * 64, "release.sha256.x.h5", "pins a file that is not in release.files"),
    ("release.refresh", "maybe", None, "'maybe' is not true or false"),
    ("simulate.dtp", "float64", None, "unknown key (known: device, dt_ms, dtype"),
    ("simulat.tstop_ms", 100, "simulat", "unknown key (known: analysis, circuit, convert, graph, grating, nest,"),
]


def _set(config: dict, key: str, value: object) -> dict:
    if key.startswith("release.sha256."):
        config["release"]["sha256"] = {key.removeprefix("release.sha256."): value}
        return config
    return _with(config, key, value)


@pytest.mark.parametrize(
    ("key", "value", "named", "problem"), BAD_VALUES, ids=[f"{k}={v!r}" for k, v, _, _ in BAD_VALUES]
)
def test_a_bad_value_is_one_line_naming_its_key(key: str, value: object, named: str | None, problem: str) -> None:
    from v1sim.config_schema import validate_config

    with pytest.raises(V1SimInputError) as error:
        validate_config(_set(_default_config(), key, value), SCHEMA)
    message = error.value.message
    assert "\n" not in message and len(message) < 300, message
    assert message.startswith(f"config.yaml: {named or key}: "), message
    assert problem in message, message


def test_enough_distinct_bad_values() -> None:
    assert len({(k, repr(v)) for k, v, _, _ in BAD_VALUES}) >= 40


def test_command_line_strings_are_read_as_yaml_would() -> None:
    """Snakemake hands nested --config values over as strings (YAML's BaseLoader): they are coerced where the
    schema takes no string, and then checked like any other value."""
    import yaml

    from v1sim.config_schema import validate_config

    def given(text: str) -> dict:
        key, _, value = text.partition("=")
        return {key: yaml.load(value, Loader=yaml.BaseLoader)}  # what snakemake --config does

    config = _default_config()
    for override in (
        "simulate={tstop_ms: 200, dt_ms: 0.1, seed: 3, poisson_hz: {lgn: 2.5}}",
        "grating={enabled: false, directions_deg: [0, 120, 240], neuropixels: null}",
        "sequences={population: ~, n_neurons: 1e2}",
        "release={refresh: true}",
    ):
        for section, values in given(override).items():
            config[section].update(values)
    validate_config(config, SCHEMA)
    assert config["simulate"]["tstop_ms"] == 200 and config["simulate"]["dt_ms"] == 0.1
    assert config["simulate"]["seed"] == 3 and config["simulate"]["poisson_hz"] == {"lgn": 2.5}
    assert config["grating"]["enabled"] is False and config["grating"]["directions_deg"] == [0, 120, 240]
    assert config["grating"]["neuropixels"] is None and config["sequences"]["population"] is None
    assert config["sequences"]["n_neurons"] == 100 and isinstance(config["sequences"]["n_neurons"], int)
    assert config["release"]["refresh"] is True
    assert config["circuit"]["name"] == "v1"  # strings the schema takes stay strings
    for key, text, line in (
        ("simulate.tstop_ms", "nan", "config.yaml: simulate.tstop_ms: nan is not a finite number"),
        ("simulate.tstop_ms", "-.inf", "config.yaml: simulate.tstop_ms: -inf is not a finite number"),
        ("grating.enabled", "maybe", "config.yaml: grating.enabled: 'maybe' is not true or false"),
    ):
        with pytest.raises(V1SimInputError) as error:
            validate_config(_with(_default_config(), key, text), SCHEMA)
        assert error.value.message == line


def _snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return snakemake(workdir, "-n", *args)


def test_command_line_overrides_of_nested_keys_work(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text((ROOT / "config.yaml").read_text())
    run = _snakemake(tmp_path, "--configfile", "config.yaml", "--config", "simulate={tstop_ms: 200}",
                     "grating={enabled: false}")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "simulate" in run.stdout and "grating_simulate" not in run.stdout + run.stderr


@pytest.mark.parametrize(
    ("override", "line"),
    [
        ("simulate={dt_ms: .nan}", "config.yaml + --config: simulate.dt_ms: nan is not a finite number"),
        ("simulat={tstop_ms: 200}", "config.yaml + --config: simulat: unknown key (known: analysis, circuit,"),
    ],
)
def test_snakemake_stops_on_a_bad_key_with_one_line(tmp_path: Path, override: str, line: str) -> None:
    (tmp_path / "config.yaml").write_text((ROOT / "config.yaml").read_text())
    run = _snakemake(tmp_path, "--configfile", "config.yaml", "--config", override)
    assert run.returncode == 2, run.stderr[-2000:]
    errors = [text for text in run.stderr.splitlines() if "error" in text.lower()]
    assert len(errors) == 1 and errors[0].startswith(f"v1sim: error: {line}"), run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.splitlines()) <= 3, run.stderr
