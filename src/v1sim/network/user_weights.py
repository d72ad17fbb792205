"""A user's own weight functions, registered as bmtk 1.2 registers them and applied as PointNet applies them.

bmtk users write weight functions in their run script and register them with
``add_weight_function(fn, 'name')``, the ``@synaptic_weight`` / ``@synaptic_weight(name='name')`` decorators, or
``py_modules.add_synaptic_weight('name', fn)`` (all from ``bmtk.simulator.pointnet`` / ``.pyfunction_cache``,
whose registry lives in ``bmtk.simulator.core.pyfunction_cache``). An edge type whose ``weight_function`` names
one gets, as NEST weight, what the function returns for its edges: PointNet calls it once per edge type (and edge
group) with three pandas DataFrames, row ``i`` of each describing edge ``i``:

* ``edges``: ``edge_type_id``, ``source_node_id``, ``target_node_id``, the edge group's datasets (``syn_weight``,
  ``nsyns``, ``delay``, …) and the edge type's columns (``syn_weight``, ``weight_sigma``, ``dynamics_params``, …);
* ``sources`` and ``targets``: every node attribute and node-type column of the edge's source / target node,
  indexed by node id.

v1sim reads the same files (a Python file named with ``--weight-functions FILE.py``, or listed under the config's
``components.weight_functions``), runs them once, keeps what they register (bmtk's own API is captured; the
PointNet package is stood in for, so that loading them never imports NEST), and calls the functions on each
chunk of edges, once per edge type, with DataFrames built like bmtk's (index: the edge id). A file written for
bmtk works unmodified as long as its simulation code sits under ``if __name__ == '__main__':``.
"""

from __future__ import annotations

import contextlib
import hashlib
import numbers
import runpy
import sys
import traceback
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from v1sim.errors import V1SimInputError
from v1sim.network import weights
from v1sim.network.neurons import NodeSpace
from v1sim.sonata.config import CircuitConfig, load_json_config
from v1sim.sonata.edges import EdgeChunk, EdgePopulation
from v1sim.sonata.nodes import NodePopulation
from v1sim.sonata.tables import open_h5

#: The key of a SONATA config's ``components`` that lists weight-function files (a path or a list of paths,
#: relative to the config that holds it). bmtk has no such key (its users register functions in their run
#: script); bmtk ignores it.
CONFIG_KEY = "weight_functions"
#: ``__name__`` the files run under: their ``if __name__ == '__main__':`` block (the simulation) is skipped.
RUN_NAME = "__v1sim_weight_functions__"
#: bmtk packages whose ``pyfunction_cache`` users import registration functions from; importing the packages
#: themselves would import NEST (or NEURON), so while a file loads they are stood in for.
_SIMULATOR_PACKAGES = ("bmtk.simulator.pointnet", "bmtk.simulator.bionet")
#: Names registered before a user's file runs (bmtk's defaults at PointNet import, then the release's
#: functions that :mod:`v1sim.reference.pointnet_run` registers): a registration with ``overwrite=False``
#: leaves them as they are, as in bmtk.
PREREGISTERED = (*weights.BMTK_DEFAULT_WEIGHT_FUNCTIONS, *weights.WEIGHT_FUNCTION_CODES)


@dataclass(frozen=True)
class UserWeightFunction:
    """One registered function: its name in the edge types table, the callable and the file that registered it."""

    name: str
    function: Callable[..., Any]
    source: Path


@dataclass
class UserWeightFunctions:
    """Every function the weight-function files registered, by name (the last registration of a name wins)."""

    files: list[Path]
    functions: dict[str, UserWeightFunction]

    def __contains__(self, name: object) -> bool:
        return name in self.functions

    def __getitem__(self, name: str) -> UserWeightFunction:
        return self.functions[name]

    def provenance(self) -> dict[str, Any]:
        """Files (with their sha256) and the names they registered, for ``provenance.json``."""
        return {
            "files": {str(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in self.files},
            "functions": {name: str(f.source) for name, f in sorted(self.functions.items())},
        }


NO_USER_FUNCTIONS = UserWeightFunctions(files=[], functions={})


def weight_function_files(circuit: CircuitConfig, extra: Sequence[str | Path] = ()) -> list[Path]:
    """The weight-function files of a run: the config's ``components.weight_functions`` then ``extra``.

    Both the simulation config's and the circuit config's ``components`` are read (in that order); relative
    paths are relative to the config that names them. ``extra`` (the command line's ``--weight-functions``) is
    relative to the working directory. A file named twice is loaded once; a missing file is an input error.
    """
    named: list[tuple[Path, Path, str]] = []  # (file, where it was named, field)
    sources = []
    if circuit.simulation_file is not None:
        sources.append((circuit.simulation_file, circuit.simulation))
    if circuit.circuit_file is not None and circuit.circuit_file != circuit.simulation_file:
        sources.append((circuit.circuit_file, load_json_config(circuit.circuit_file)))
    for config_file, data in sources:
        components = data.get("components") or {}
        value = components.get(CONFIG_KEY) if isinstance(components, dict) else None
        if value is None:
            continue
        entries = value if isinstance(value, list) else [value]
        field = f"components.{CONFIG_KEY}"
        for entry in entries:
            if not isinstance(entry, str) or not entry:
                raise V1SimInputError(
                    config_file, field, f"expected a path or a list of paths, found {entry!r}"
                )
            path = Path(entry)
            named.append((path if path.is_absolute() else config_file.parent / path, config_file, field))
    for entry in extra:
        named.append((Path(entry), Path(entry), "--weight-functions"))
    files: list[Path] = []
    for path, where, field in named:
        if not path.is_file():
            raise V1SimInputError(where, field, f"weight-function file not found: {path}")
        resolved = path.resolve()
        if resolved not in files:
            files.append(resolved)
    return files


def load_weight_functions(files: Sequence[str | Path]) -> UserWeightFunctions:
    """Run each file once (not as ``__main__``) and keep every weight function it registers with bmtk's API."""
    functions: dict[str, UserWeightFunction] = {}
    paths = [Path(f).resolve() for f in files]
    for path in paths:
        registered = _registrations(path)
        if not registered:
            raise V1SimInputError(
                path,
                None,
                "registers no weight function (register them as for bmtk: add_weight_function(fn, 'name') or "
                "@synaptic_weight from bmtk.simulator.pointnet)",
            )
        for name, function, overwrite in registered:
            if not overwrite and (name in functions or name in PREREGISTERED):
                continue
            functions[name] = UserWeightFunction(name, function, path)
    return UserWeightFunctions(files=paths, functions=functions)


def run_user_file(path: Path) -> None:
    """Run a weight-function file as bmtk users' run scripts are run, but not as ``__main__``.

    Its folder goes first on ``sys.path`` meanwhile, so that it can import modules beside it.
    """
    sys.path.insert(0, str(path.parent))
    try:
        runpy.run_path(str(path), run_name=RUN_NAME)
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(path.parent))


def _registrations(path: Path) -> list[tuple[str, Callable[..., Any], bool]]:
    """What one file registers: (name, function, overwrite) per call to bmtk's registry, in order."""
    from bmtk.simulator.core import pyfunction_cache

    captured: list[tuple[str, Callable[..., Any], bool]] = []

    def capture(name: str, func: Callable[..., Any], overwrite: bool = True) -> None:
        if not isinstance(name, str) or not callable(func):
            raise TypeError(f"a weight function is registered as ({name!r}, {func!r}), not (name, function)")
        captured.append((name, func, bool(overwrite)))

    registry = pyfunction_cache.py_modules
    with _simulator_stand_ins(pyfunction_cache):
        registry.add_synaptic_weight = capture  # every bmtk registration route ends in this method
        try:
            run_user_file(path)
        except (Exception, SystemExit) as exc:
            raise V1SimInputError(
                path, None, f"cannot load weight functions: {_describe(exc, path)}"
            ) from None
        finally:
            del registry.add_synaptic_weight
    return captured


class _StandIn(types.ModuleType):
    """A bmtk simulator package reduced to its function-registration API (no NEST, no NEURON)."""

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"{self.__name__}.{name} is not available while v1sim loads weight functions "
            "(keep simulation code under `if __name__ == '__main__':`)"
        )


@contextlib.contextmanager
def _simulator_stand_ins(pyfunction_cache: types.ModuleType) -> Iterator[None]:
    """Stand in for bmtk's simulator packages while a user's file loads: registration functions, and nothing
    else — also when the real packages were imported before (they are put back afterwards), so that loading a
    file behaves the same in any process."""
    import bmtk.simulator

    missing = object()
    saved: dict[str, object] = {}
    saved_attributes: dict[str, object] = {}
    for package in _SIMULATOR_PACKAGES:
        stand_in = _StandIn(package)
        stand_in.__path__ = []  # a package: ``import <package>.pyfunction_cache`` looks in sys.modules
        for name in dir(pyfunction_cache):
            if not name.startswith("_"):
                setattr(stand_in, name, getattr(pyfunction_cache, name))
        stand_in.pyfunction_cache = pyfunction_cache
        for name, module in ((package, stand_in), (f"{package}.pyfunction_cache", pyfunction_cache)):
            saved[name] = sys.modules.get(name, missing)
            sys.modules[name] = module
        short = package.rsplit(".", 1)[1]
        saved_attributes[short] = getattr(bmtk.simulator, short, missing)
        setattr(bmtk.simulator, short, stand_in)
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is missing:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        for short, value in saved_attributes.items():
            if value is missing:
                delattr(bmtk.simulator, short)
            else:
                setattr(bmtk.simulator, short, value)


def _describe(exc: BaseException, path: Path) -> str:
    """``Type: message (line N)``, on one line; N is the last line of ``path`` in the traceback."""
    lines = [
        frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if Path(frame.filename) == path
    ]
    if isinstance(exc, SyntaxError) and exc.lineno is not None:
        lines.append(exc.lineno)
    text = exc.msg if isinstance(exc, SyntaxError) and exc.msg else str(exc)  # its str() repeats the line
    message = " ".join(text.split())
    where = f" (line {lines[-1]})" if lines else ""
    return f"{type(exc).__name__}: {message}{where}" if message else f"{type(exc).__name__}{where}"


class EdgeFrames:
    """bmtk's three DataFrames (edges, sources, targets) for the edges of one type in a chunk."""

    def __init__(self, pop: EdgePopulation, space: NodeSpace) -> None:
        self.pop = pop
        self._dtypes = _numeric_group_datasets(pop)
        #: The edge group datasets the frames carry (read with each chunk).
        self.attributes = tuple(self._dtypes)
        self._type_columns = [c for c in pop.types.columns if c != "edge_type_id"]
        self._sources = _node_frame(space.population(pop.source_population))
        self._targets = (
            self._sources
            if pop.target_population == pop.source_population
            else _node_frame(space.population(pop.target_population))
        )

    def frames(
        self, chunk: EdgeChunk, selected: np.ndarray, src: np.ndarray, trg: np.ndarray, type_id: int
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The frames of the chunk's edges ``selected`` (all of edge type ``type_id``); index: the edge ids.

        ``src``/``trg`` are the chunk's population-local node indices. A group dataset replaces the type's
        column of the same name where the edge's group holds it, as bmtk's edge frames do.
        """
        index = pd.Index(chunk.start + selected)
        n = len(selected)
        row = self.pop.types.iloc[np.full(n, self.pop.types.index.get_loc(type_id))][self._type_columns]
        row.index = index
        data: dict[str, Any] = {
            "edge_type_id": chunk.edge_type_id[selected],
            "source_node_id": chunk.source_node_id[selected],
            "target_node_id": chunk.target_node_id[selected],
        }
        for name, dtype in self._dtypes.items():
            if name not in chunk.attributes or not chunk.present[name][selected].any():
                continue
            values = chunk.attributes[name][selected]
            present = chunk.present[name][selected]
            if present.all():
                values = values.astype(dtype) if dtype.kind in "iub" else values
            elif name in row:
                values = np.where(present, values, pd.to_numeric(row[name], errors="coerce").to_numpy(float))
            data[name] = values
        group = pd.DataFrame(data, index=index)
        edges = pd.concat([group, row.drop(columns=[c for c in group.columns if c in row])], axis=1)
        return edges, self._sources.iloc[src[selected]], self._targets.iloc[trg[selected]]


def _numeric_group_datasets(pop: EdgePopulation) -> dict[str, np.dtype]:
    """Name → dtype of every 1-D numeric dataset in the population's edge groups, in file order."""
    out: dict[str, np.dtype] = {}
    with open_h5(pop.files.edges_file, "edges file") as h5:
        population = h5["edges"][pop.name]
        for group, names in pop.group_columns.items():
            for name in names:
                dataset = population[str(group)][name]
                if dataset.ndim == 1 and dataset.dtype.kind in "iufb" and name not in out:
                    out[name] = dataset.dtype
    return out


def _node_frame(pop: NodePopulation) -> pd.DataFrame:
    """Every node's attributes and node-type columns, indexed by node id (bmtk's ``nodes_df``)."""
    return pop.table.set_index("node_id")


def call_weight_function(
    function: UserWeightFunction,
    edges: pd.DataFrame,
    sources: pd.DataFrame,
    targets: pd.DataFrame,
    where: str,
) -> np.ndarray:
    """NEST weights of ``len(edges)`` edges: what the function returns, checked (one line naming it otherwise).

    A number applies to every edge (bmtk fills the array the same way); otherwise one finite number per edge.
    ``where`` says which edges (edge type and types table) for the message.
    """
    n = len(edges)
    field = f"weight function '{function.name}'"
    try:
        result = function.function(edges, sources, targets)
    except Exception as exc:
        problem = f"raised {_describe(exc, function.source)} on {where}"
        raise V1SimInputError(function.source, field, problem) from None
    if isinstance(result, numbers.Real) and not isinstance(result, bool):
        values = np.full(n, float(result))
    else:
        values = np.asarray(result.to_numpy() if isinstance(result, pd.Series | pd.DataFrame) else result)
        if values.dtype.kind == "O":  # Python numbers in a list or an object array
            with contextlib.suppress(TypeError, ValueError):
                values = values.astype(np.float64)
        if values.ndim == 0 and values.dtype.kind in "iuf":
            values = np.full(n, float(values))
        if values.dtype.kind not in "iuf":
            raise V1SimInputError(
                function.source, field, f"returned {_kind(result, values)}, not numbers, on {where}"
            )
        if values.ndim != 1 or len(values) != n:
            shape = "x".join(map(str, values.shape))
            raise V1SimInputError(function.source, field, f"returned {shape} values for {n} edges on {where}")
        values = values.astype(np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.argmax(bad))
        raise V1SimInputError(
            function.source,
            field,
            f"returned {values[i]}, not a finite weight, for edge {edges.index[i]} on {where}",
        )
    return values


def _kind(result: Any, values: np.ndarray) -> str:
    if isinstance(result, str | bytes):
        return f"the text {result!r}"
    if isinstance(result, bool | np.bool_) or values.dtype.kind == "b":
        return "booleans"
    if result is None:
        return "None"
    return f"values of type {values.dtype}" if values.dtype.kind != "O" else f"a {type(result).__name__}"
