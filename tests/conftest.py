"""Shared fixtures: where the real Allen examples are, and small circuits made on the fly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.circuits import CircuitSpec, make_circuit

REPO = Path(__file__).resolve().parents[1]
IN_CI = bool(os.environ.get("CI"))


#: The shared bmtk/Allen examples' simulation configs (under shared/sonata/), by name: what the pipeline must
#: run with only circuit.config changed.
EXAMPLES = {
    "point_450glifs": ("point_450glifs", "examples", "point_450glifs", "config.simulation.json"),
    "300_pointneurons": ("300_pointneurons", "examples", "300_pointneurons", "config.json"),
    "point_450cells": ("bmtk_point", "examples", "point_450cells", "config.simulation.json"),
    "point_120cells": ("bmtk_point", "examples", "point_120cells", "config.simulation.json"),
    "point_iclamp": ("bmtk_point", "examples", "point_iclamp", "config.simulation_iclamp.json"),
}


def shared_dir() -> Path:
    """``../shared`` beside the project root, or wherever ``V1SIM_SHARED`` points."""
    return Path(os.environ.get("V1SIM_SHARED", REPO.parent / "shared")).resolve()


def require_shared(*parts: str) -> Path:
    """A path under shared/; missing data fails in CI and skips (saying so) elsewhere."""
    path = shared_dir().joinpath(*parts)
    if not path.exists():
        message = f"reference data missing: {path} (set V1SIM_SHARED to the shared/ folder)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def assert_convert_refused(
    capsys: pytest.CaptureFixture[str], config: Path, outdir: Path, expected: tuple[str, str, str], *extra: str
) -> None:
    """``v1sim convert`` refuses ``config``: exit 2, one line naming the file, the field and the problem, no
    traceback, no output folder and no temporary folder left behind."""
    from v1sim.cli import main

    status = main(["convert", str(config), str(outdir), "--no-progress", *extra])
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    file_name, field, problem = expected
    assert file_name in err and field in err and problem in err, err
    assert not outdir.exists()
    assert not [p for p in outdir.parent.iterdir() if p.name.startswith(f".{outdir.name}")], "temporary output"


@pytest.fixture(scope="session")
def glif450_config() -> Path:
    return require_shared("sonata", "point_450glifs", "examples", "point_450glifs", "config.simulation.json")


@pytest.fixture(scope="session")
def point300_config() -> Path:
    return require_shared("sonata", "300_pointneurons", "examples", "300_pointneurons", "config.json")


@pytest.fixture
def circuit(tmp_path: Path) -> Path:
    """A small valid circuit with GLIF3 and iaf cells, both weight functions, LGN inputs; returns its config."""
    return make_circuit(tmp_path / "circuit", CircuitSpec())


@pytest.fixture(scope="session")
def converted_circuit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The default fixture circuit, converted once per session: (config, outdir)."""
    from v1sim.network.convert import convert_circuit

    root = tmp_path_factory.mktemp("converted")
    config = make_circuit(root / "circuit", CircuitSpec())
    convert_circuit(config, root / "out", progress=False)
    return config, root / "out"


@pytest.fixture(scope="session")
def built_v1_network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small (1 %) built-in V1 column, built and converted once per session: the converted folder."""
    from v1sim.builder.v1 import V1Spec, build_v1
    from v1sim.network.convert import convert_circuit

    root = tmp_path_factory.mktemp("v1_small")
    config = build_v1(V1Spec(scale=0.01, seed=1), root / "circuit")
    convert_circuit(config, root / "network", progress=False)
    return root / "network"
