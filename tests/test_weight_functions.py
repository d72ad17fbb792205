"""Weight functions as bmtk PointNet applies them (issue 16, Must-show 3): the weights NEST received through bmtk.

A small circuit whose edge types name bmtk's built-in weight functions (``wmax``, ``set_syn_weight``,
``default_weight_fnc``), the release's ``DirectionRule_EE`` and a user's own functions, registered in a Python
file written as a bmtk user writes one (``add_weight_function``, ``@synaptic_weight``, ``py_modules``; one
registration with ``overwrite=False``; one overriding a v1sim built-in), is converted by v1sim and built by
bmtk 1.2 PointNet on NEST 3.10 in a subprocess; every connection's NEST weight equals our ``weight_pa``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from tests.circuits import CircuitSpec, make_circuit
from tests.conftest import assert_convert_refused
from v1sim.cli import main
from v1sim.network.convert import convert_circuit
from v1sim.reference.nest import run_nest
from v1sim.sonata.spikes import write_spikes
from v1sim.sonata.writer import write_types_csv

RUNNER = Path(__file__).with_name("bmtk_weights_run.py")
REPO = Path(__file__).resolve().parents[1]

#: The user's file, as it would sit in a bmtk run script (its simulation under ``__main__``).
USER_FUNCTIONS = '''\
"""Weight functions of a bmtk user."""
import numpy as np
from bmtk.simulator import pointnet
from bmtk.simulator.pointnet.pyfunction_cache import add_weight_function, py_modules, synaptic_weight


def distance_weight(edges, sources, targets):
    dx = targets["x"].to_numpy() - sources["x"].to_numpy()
    dz = targets["z"].to_numpy() - sources["z"].to_numpy()
    return edges["syn_weight"].to_numpy() * edges["nsyns"].to_numpy() * np.exp(-(dx**2 + dz**2) / 7200.0)


@pointnet.synaptic_weight(name="by_class")
def class_weight(edges, sources, targets):
    return edges["syn_weight"] * np.where(targets["ei"] == "e", 1.5, 0.5)


def lgn_weight(edges, sources, targets):
    return edges["syn_weight"].to_numpy() * (1.0 + edges["source_node_id"].to_numpy() % 3) * edges["nsyns"]


@synaptic_weight
def DirectionRule_others(edges, sources, targets):  # overrides the release's function, as in bmtk
    return 3.0


add_weight_function(distance_weight, "distance_weight")
py_modules.add_synaptic_weight("lgn_weight", lgn_weight)
add_weight_function(lambda edges, sources, targets: 7.0, "set_syn_weight", overwrite=False)  # bmtk's stays

if __name__ == "__main__":
    config = pointnet.Config.from_json("simulation_config.json")
'''

V1_FUNCTIONS = [  # edge types 100..105 of tests/circuits.py
    "DirectionRule_EE",
    "wmax",
    "set_syn_weight",
    "default_weight_fnc",
    "distance_weight",
    "by_class",
]
LGN_FUNCTIONS = ["lgn_weight", "DirectionRule_others"]  # edge types 200, 201


def _weights_circuit(root: Path, *, config_key: bool = True) -> Path:
    """The circuit above with an LGN spike input; returns its simulation config."""
    make_circuit(root, CircuitSpec(n_glif=40, n_iaf=12, n_edges=700, n_lgn_edges=150, per_edge_weight=True))
    for name, functions in (("v1_v1", V1_FUNCTIONS), ("lgn_v1", LGN_FUNCTIONS)):
        path = root / "network" / f"{name}_edge_types.csv"
        types = pd.read_csv(path, sep=" ")
        types["weight_function"] = functions
        write_types_csv(path, types)
    (root / "weight_functions.py").write_text(USER_FUNCTIONS)
    write_spikes(root / "lgn_spikes.h5", {"lgn": (np.arange(8), np.linspace(0.3, 1.5, 8))})
    config_path = root / "simulation_config.json"
    config = json.loads(config_path.read_text())
    config["run"] = {"tstop": 2.0, "dt": 0.25}
    config["inputs"] = {
        "lgn_spikes": {
            "input_type": "spikes",
            "module": "sonata",
            "input_file": "$BASE_DIR/lgn_spikes.h5",
            "node_set": "lgn",
        }
    }
    config["output"] = {
        "output_dir": "$BASE_DIR/output",
        "spikes_file": "spikes.h5",
        "overwrite_output_dir": True,
    }
    if config_key:
        config["components"] = {"weight_functions": "weight_functions.py"}
    config_path.write_text(json.dumps(config, indent=1))
    return config_path


def _ours(outdir: Path) -> pd.DataFrame:
    frames = [pd.read_parquet(p) for p in sorted((outdir / "edges").glob("*.parquet"))]
    edges = pd.concat(frames, ignore_index=True)
    edges["source_population"] = edges["source_population"].astype(str)
    return edges


def _sorted(frame: pd.DataFrame, weight: str) -> pd.DataFrame:
    keys = ["source_population", "source_node_id", "target_node_id", weight]
    return frame.sort_values(keys, ignore_index=True)[keys]


def _nest_connections(config: Path, files: list[Path], out: Path) -> pd.DataFrame:
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, str(RUNNER), str(config), str(out), *map(str, files)],
        capture_output=True,
        text=True,
        env=env,
        cwd=config.parent,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = np.load(out)
    return pd.DataFrame({name: data[name] for name in data.files})


def test_weights_equal_what_nest_received_through_bmtk(tmp_path: Path) -> None:
    config = _weights_circuit(tmp_path / "c")
    convert_circuit(config, tmp_path / "out", progress=False)
    ours = _ours(tmp_path / "out")
    nest = _nest_connections(config, [tmp_path / "c" / "weight_functions.py"], tmp_path / "nest.npz")

    assert len(nest) == len(ours) == 700 + 150
    assert set(nest["target_population"]) == {"v1"}
    a, b = _sorted(nest, "weight"), _sorted(ours, "weight_pa")
    for column in ("source_population", "source_node_id", "target_node_id"):
        np.testing.assert_array_equal(a[column].to_numpy(), b[column].to_numpy(), err_msg=column)
    np.testing.assert_array_equal(a["weight"].to_numpy(), b["weight_pa"].to_numpy())

    # Each function was used and gives what it should, so the equality above covers every kind.
    types = ours.groupby("edge_type_id")
    assert (types.size() >= 8).all(), types.size()
    plain = ours["syn_weight"] * ours["nsyns"]
    for type_id in (
        101,
        102,
        103,
    ):  # bmtk's built-ins: syn_weight × nsyns (set_syn_weight's override ignored)
        rows = ours["edge_type_id"] == type_id
        np.testing.assert_array_equal(ours.loc[rows, "weight_pa"], plain[rows])
    for type_id in (100, 104, 105, 200):  # DirectionRule_EE and the user's own: not syn_weight × nsyns
        rows = ours["edge_type_id"] == type_id
        assert not np.allclose(ours.loc[rows, "weight_pa"], plain[rows]), type_id
    assert (ours.loc[ours["edge_type_id"] == 201, "weight_pa"] == 3.0).all()  # the user's override won


def test_config_key_and_command_line_give_the_same_network(tmp_path: Path) -> None:
    with_key = _weights_circuit(tmp_path / "a")
    without_key = _weights_circuit(tmp_path / "b", config_key=False)
    convert_circuit(with_key, tmp_path / "out_a", progress=False)
    assert main(["convert", str(without_key), str(tmp_path / "out_b"), "--no-progress",
                 "--weight-functions", str(tmp_path / "b" / "weight_functions.py")]) == 0  # fmt: skip
    for name in ("v1_to_v1", "lgn_to_v1"):
        a = pd.read_parquet(tmp_path / "out_a" / "edges" / f"{name}.parquet")
        b = pd.read_parquet(tmp_path / "out_b" / "edges" / f"{name}.parquet")
        pd.testing.assert_frame_equal(a, b)
    record = json.loads((tmp_path / "out_b" / "provenance.json").read_text())["weight_functions"]
    assert set(record["functions"]) == {"distance_weight", "by_class", "lgn_weight", "DirectionRule_others"}
    assert list(record["files"]) == [str((tmp_path / "b" / "weight_functions.py").resolve())]


def test_nest_reference_run_registers_the_users_functions(tmp_path: Path) -> None:
    """``run_nest`` passes the config's weight-function files to bmtk (without them bmtk stops: unknown function)."""
    config = _weights_circuit(tmp_path / "c")
    record = run_nest(config, tmp_path / "nest", tstop_ms=2.0, dt_ms=0.25)
    assert record["weight_functions"] == [str((tmp_path / "c" / "weight_functions.py").resolve())]
    with h5py.File(tmp_path / "nest" / "spikes.h5") as h5:
        assert "spikes" in h5


def test_loading_a_bmtk_users_file_imports_neither_nest_nor_pointnet(tmp_path: Path) -> None:
    """Stand-ins replace bmtk's simulator packages while the file runs, and are gone afterwards."""
    (tmp_path / "w.py").write_text(USER_FUNCTIONS)
    code = (
        "import sys; from v1sim.network.user_weights import load_weight_functions\n"
        f"f = load_weight_functions([{str(tmp_path / 'w.py')!r}])\n"
        "print(sorted(f.functions), 'nest' in sys.modules, 'bmtk.simulator.pointnet' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.split("\n")[0] == (
        "['DirectionRule_others', 'by_class', 'distance_weight', 'lgn_weight'] False False"
    )


def _set_function(root: Path, type_id: int, name: str) -> None:
    path = root / "network" / ("v1_v1_edge_types.csv" if type_id < 200 else "lgn_v1_edge_types.csv")
    types = pd.read_csv(path, sep=" ")
    types.loc[types["edge_type_id"] == type_id, "weight_function"] = name
    write_types_csv(path, types)


def _user_file(body: str) -> Callable[[Path], list[str]]:
    """A change: type 104 names ``bad``, which the file registers; the file goes on the command line."""

    def change(root: Path) -> list[str]:
        (root / "bad.py").write_text(
            "import numpy as np\nfrom bmtk.simulator.pointnet.pyfunction_cache import add_weight_function\n"
            f"{body}\n"
        )
        _set_function(root, 104, "bad")
        return ["--weight-functions", str(root / "bad.py")]

    return change


def _config_key_missing_file(root: Path) -> list[str]:
    config = json.loads((root / "simulation_config.json").read_text())
    config["components"] = {"weight_functions": ["missing_functions.py"]}
    (root / "simulation_config.json").write_text(json.dumps(config))
    return []


def _default_without_nsyns(root: Path) -> list[str]:
    with h5py.File(root / "network" / "v1_v1_edges.h5", "a") as h5:
        del h5["edges/v1_to_v1/0/nsyns"]
    _set_function(root, 104, "wmax")
    return []


def _unknown(root: Path) -> list[str]:
    _set_function(root, 104, "nope")
    return []


RAISE = "def bad(e, s, t):\n    return e['no_such_column']\nadd_weight_function(bad)"
#: (id, change returning extra CLI arguments, what the line names: file, field, problem)
ERRORS = [
    (
        "raises",
        _user_file(RAISE),
        ("bad.py", "weight function 'bad'", "raised KeyError: 'no_such_column' (line 4) on edge type 104"),
    ),
    (
        "wrong-length",
        _user_file("add_weight_function(lambda e, s, t: np.ones(len(e) - 1), 'bad')"),
        ("bad.py", "weight function 'bad'", "values for"),
    ),
    (
        "nan",
        _user_file("add_weight_function(lambda e, s, t: e['syn_weight'] * np.nan, 'bad')"),
        ("bad.py", "weight function 'bad'", "returned nan, not a finite weight, for edge"),
    ),
    (
        "text",
        _user_file("add_weight_function(lambda e, s, t: 'heavy', 'bad')"),
        ("bad.py", "weight function 'bad'", "returned the text 'heavy', not numbers"),
    ),
    (
        "syntax-error",
        _user_file("def bad(e, s, t) return 1"),
        ("bad.py", "", "cannot load weight functions: SyntaxError: expected ':' (line 3)"),
    ),
    (
        "registers-nothing",
        _user_file("def bad(e, s, t):\n    return 1.0"),
        ("bad.py", "", "registers no weight function"),
    ),
    (
        "simulation-at-top-level",
        _user_file("from bmtk.simulator import pointnet\npointnet.Config.from_json('x.json')"),
        ("bad.py", "", "bmtk.simulator.pointnet.Config is not available"),
    ),
    (
        "cli-file-missing",
        lambda r: ["--weight-functions", str(r / "nowhere.py")],
        ("nowhere.py", "--weight-functions", "weight-function file not found"),
    ),
    (
        "config-file-missing",
        _config_key_missing_file,
        ("simulation_config.json", "components.weight_functions", "missing_functions.py"),
    ),
    ("unknown-name", _unknown, ("v1_v1_edge_types.csv", "weight_function", "unknown weight function 'nope'")),
    (
        "bmtk-default-without-nsyns",
        _default_without_nsyns,
        ("v1_v1_edge_types.csv", "weight_function", "bmtk's wmax is syn_weight × nsyns"),
    ),
]


@pytest.mark.parametrize(("change", "expected"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_weight_function_failure_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[Path], list[str]],
    expected: tuple[str, str, str],
) -> None:
    config = make_circuit(tmp_path / "c", CircuitSpec(config_kind="simulation"))
    extra = change(tmp_path / "c")
    assert_convert_refused(capsys, config, tmp_path / "out", expected, *extra)


def test_run_takes_weight_function_files_and_a_changed_file_is_converted_again(tmp_path: Path) -> None:
    """``v1sim run --weight-functions``: the functions reach the converter, and the file's contents key the cache."""
    config = _weights_circuit(tmp_path / "c", config_key=False)
    functions = tmp_path / "c" / "weight_functions.py"
    cache = tmp_path / "cache"

    def run(out: str) -> str:
        args = ["run", str(config), "--device", "cpu", "--output-dir", str(tmp_path / out)]
        assert main([*args, "--network-cache", str(cache), "--weight-functions", str(functions)]) == 0
        networks = sorted((cache / "networks").iterdir())
        return str(networks)

    first = run("out1")
    assert run("out2") == first  # same files: the conversion is reused
    functions.write_text(USER_FUNCTIONS.replace("return", "return 2.0 *", 1))
    assert run("out3") != first  # a changed function file: converted again
    assert len(list((cache / "networks").iterdir())) == 2
