"""The house: ``ruff check .`` lints every Python file of the project, and the layers import what they may."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "v1sim"


def _python_files() -> set[Path]:
    """Every *.py file of the project git knows or would add: tracked (even if a .gitignore now matches it)
    and untracked but not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "*.py"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return {(REPO / name).resolve() for name in listed.split("\0") if name and (REPO / name).is_file()}


def test_ruff_lints_every_file_of_the_package() -> None:
    """A folder a .gitignore or ruff's own excludes swallowed (``build/`` is ignored at any depth by common
    templates) would silently go unlinted: every package, script, test and benchmark file is in ruff's list."""
    shown = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--show-files", "."],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    linted = {Path(line.strip()).resolve() for line in shown if line.strip().endswith(".py")}
    ours = _python_files()
    folders = [REPO / name for name in ("src", "scripts", "tests", "benchmarks")]
    for folder in folders:  # every folder that holds code has its files in the list
        assert any(folder in p.parents for p in ours), folder
    assert sorted(str(p.relative_to(REPO)) for p in ours - linted) == []
    package = {p.resolve() for p in SRC.rglob("*.py") if "__pycache__" not in p.parts}
    assert package and package <= linted


def _imported_modules(path: Path) -> set[str]:
    """The absolute module names ``path`` imports (at any depth: lazy imports count)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _v1sim_imports(folder: str) -> dict[str, set[str]]:
    return {
        str(path.relative_to(SRC)): {m for m in _imported_modules(path) if m.split(".")[0] == "v1sim"}
        for path in sorted((SRC / folder).rglob("*.py"))
    }


def test_model_math_takes_arrays_not_the_file_layer() -> None:
    """models/ (NEST parameters and neuron math) imports nothing of v1sim but itself and the input error."""
    allowed = ("v1sim.models", "v1sim.errors")
    found = {
        module: sorted(m for m in names if not m.startswith(allowed))
        for module, names in _v1sim_imports("models").items()
    }
    assert {m: names for m, names in found.items() if names} == {}


def test_the_engine_does_not_depend_on_the_builder() -> None:
    found = {
        m: sorted(n for n in names if n.startswith("v1sim.builder"))
        for m, names in _v1sim_imports("engine").items()
    }
    assert {m: names for m, names in found.items() if names} == {}
